import { useRef, useState } from 'preact/hooks'
import type { Api } from '../api.js'
import type { Names } from '../names.js'
import { admit } from '../window.js'
import type { Entry } from '../types.js'
import { type Catalogue, en } from '../i18n/index.js'
import { message } from './message.js'

const PAGE = 30
/** Entries held while the page is open; past this the page falls back to the newest page. */
const MAX_ENTRIES = 2000
const LIVE_BATCH_MS = 100

/** The timeline's entries: the first page, older pages on demand, live entries in batches. */
export function useFeed (
  api: Api,
  names: Names,
  muted?: { readonly current: ReadonlySet<string> },
  t: Catalogue = en
) {
  const [entries, setEntries] = useState<ReadonlyMap<string, Entry>>(new Map())
  const [next, setNext] = useState<string | undefined>()
  const [loadedOnce, setLoadedOnce] = useState(false)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const [feedError, setFeedError] = useState<string | undefined>()
  const [announce, setAnnounce] = useState('')
  // the live batches run from timers set in an older render: they read the catalogue of now
  const words = useRef(t)
  words.current = t
  const known = useRef<ReadonlyMap<string, Entry>>(entries)
  known.current = entries

  function add (list: Entry[]): void {
    setEntries((prev) => {
      const m = new Map(prev)
      for (const e of list) {
        names.learn(e)
        if (e.type === 'post' || e.type === 'reply') m.set(e.id, e)
      }
      return m
    })
  }

  /** Takes a post off the page (its author deleted it). */
  function drop (id: string): void {
    setEntries((prev) => {
      if (!prev.has(id)) return prev
      const m = new Map(prev)
      m.delete(id)
      return m
    })
  }

  /** Back to the newest page alone, with a cursor that pages on from there. */
  function replaceWithFirstPage (): void {
    api.feed({ limit: PAGE }).then((page) => {
      for (const e of page.entries) names.learn(e)
      setEntries(new Map(page.entries.filter((e) => e.type === 'post' || e.type === 'reply').map((e) => [e.id, e])))
      setNext(page.next)
    }, (err) => setFeedError(words.current.couldNotFeed(message(err))))
  }

  // Live entries are applied in batches: a catch-up can deliver thousands a second.
  const pending = useRef<Entry[]>([])
  const flushTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const nextRef = useRef(next)
  nextRef.current = next

  function queue (e: Entry): void {
    pending.current.push(e)
    if (pending.current.length > MAX_ENTRIES) pending.current.splice(0, pending.current.length - MAX_ENTRIES)
    flushTimer.current ??= setTimeout(flush, LIVE_BATCH_MS)
  }

  function flush (): void {
    flushTimer.current = undefined
    const batch = pending.current
    pending.current = []
    for (const e of batch) names.learn(e)
    const { add: inWindow, fresh, overflow } = admit(batch, known.current, nextRef.current !== undefined, MAX_ENTRIES)
    if (overflow) {
      replaceWithFirstPage()
      return
    }
    // screen readers hear about posts that arrive live (not about re-sent ones, nor muted authors')
    const heard = muted === undefined ? fresh : fresh.filter((e) => !muted.current.has(e.author))
    const one = heard[0]
    if (heard.length === 1 && one !== undefined) {
      setAnnounce(words.current.newEntryFrom(one.type === 'reply', names.get(one.author) ?? one.authorName))
    } else if (heard.length > 1) {
      setAnnounce(words.current.newPosts(heard.length))
    }
    add(inWindow)
  }

  async function loadOlder (): Promise<void> {
    setLoadingOlder(true)
    try {
      const page = await api.feed({ limit: PAGE, before: next })
      add(page.entries)
      setNext(page.next)
      setFeedError(undefined)
    } catch (err) {
      setFeedError(words.current.couldNotOlder(message(err)))
    } finally {
      setLoadingOlder(false)
    }
  }

  function loadFirst (): void {
    api.feed({ limit: PAGE }).then((page) => {
      add(page.entries)
      setNext((n) => n ?? page.next)
      setLoadedOnce(true)
      setFeedError(undefined)
    }, (err) => {
      setFeedError(words.current.couldNotFeed(message(err)))
      setLoadedOnce(true)
    })
  }

  function stopFlush (): void {
    clearTimeout(flushTimer.current)
  }

  return {
    entries,
    next,
    loadedOnce,
    loadingOlder,
    feedError,
    announce,
    add,
    drop,
    queue,
    loadFirst,
    loadOlder,
    stopFlush
  }
}
