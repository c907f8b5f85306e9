import { useEffect, useRef, useState } from 'preact/hooks'
import type { Catalogue } from '../i18n/index.js'

/**
 * Posts that came live while the tab was hidden, counted in the tab's title
 * ("(3) Kiez"); showing the tab again reads them.
 */
export function useUnread (t: Catalogue): { note: (id: string) => void } {
  const [unread, setUnread] = useState(0)
  const seen = useRef(new Set<string>())
  useEffect(() => {
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') setUnread(0)
    }
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [])
  useEffect(() => {
    document.title = t.title(unread)
  }, [unread, t])
  return {
    note: (id) => {
      if (document.visibilityState !== 'hidden' || seen.current.has(id)) return
      // bounded: a catch-up may bring thousands; the count is what matters
      if (seen.current.size > 5000) seen.current.clear()
      seen.current.add(id)
      setUnread((n) => n + 1)
    }
  }
}
