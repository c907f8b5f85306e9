import { useEffect, useMemo, useState } from 'preact/hooks'
import { loadMuted, MUTED_KEY, saveMuted, withMuted, withoutMuted } from '../mute.js'

/** This browser's muted authors: kept in localStorage, and in step with the page's other tabs. */
export function useMuted () {
  const [list, setList] = useState<string[]>(() => loadMuted())
  const set = useMemo(() => new Set(list), [list])

  useEffect(() => {
    // another tab muted or unmuted someone
    const onStorage = (ev: StorageEvent): void => {
      if (ev.key === MUTED_KEY || ev.key === null) setList(loadMuted())
    }
    addEventListener('storage', onStorage)
    return () => removeEventListener('storage', onStorage)
  }, [])

  function update (next: (l: string[]) => string[]): void {
    setList((l) => {
      const n = next(l)
      saveMuted(n)
      return n
    })
  }

  return {
    /** newest first */
    list,
    set,
    mute: (author: string) => update((l) => withMuted(l, author)),
    unmute: (author: string) => update((l) => withoutMuted(l, author))
  }
}
