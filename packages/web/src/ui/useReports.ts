import { useRef, useState } from 'preact/hooks'
import type { Api } from '../api.js'
import type { Report } from '../types.js'
import { message } from './message.js'
import { type Catalogue, en } from '../i18n/index.js'

const PAGE = 20

/**
 * The reports this box holds, loaded when the Reports section is first
 * opened, refreshed on demand (the event stream does not carry reports), and
 * paged back with the cursor like the feed.
 */
export function useReports (api: Api, t: Catalogue = en) {
  const words = useRef(t)
  words.current = t
  const [reports, setReports] = useState<Report[] | undefined>()
  const [next, setNext] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const generation = useRef(0)

  async function load (older: boolean): Promise<void> {
    const run = ++generation.current
    setBusy(true)
    try {
      const page = await api.reports(older && next !== undefined ? { limit: PAGE, before: next } : { limit: PAGE })
      if (run !== generation.current) return
      setReports((prev) => older ? merge(prev ?? [], page.reports) : page.reports)
      setNext(page.next)
      setError(undefined)
    } catch (err) {
      if (run === generation.current) setError(words.current.couldNotReports(message(err)))
    } finally {
      if (run === generation.current) setBusy(false)
    }
  }

  return {
    reports,
    next,
    busy,
    error,
    refresh: async () => await load(false),
    loadOlder: async () => await load(true),
    /** a report made on this page: at the top at once, if the list is loaded */
    add: (r: Report) => setReports((prev) => prev === undefined ? prev : merge([r], prev))
  }
}

/** `a` then `b`, each report once (a refresh and a page can overlap). */
function merge (a: Report[], b: Report[]): Report[] {
  const seen = new Set(a.map((r) => r.id))
  return [...a, ...b.filter((r) => !seen.has(r.id))]
}
