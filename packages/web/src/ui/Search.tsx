import { useRef, useState } from 'preact/hooks'
import type { Api } from '../api.js'
import { useI18n } from '../i18n/index.js'
import type { Names } from '../names.js'
import { relativeTime } from '../time.js'
import type { Entry } from '../types.js'
import { Author } from './Author.js'
import { KindBadge } from './LifeDetails.js'
import { message } from './message.js'
import { EntryText } from './PostText.js'

/** How many results one search shows. */
const SEARCH_LIMIT = 50

/**
 * Search over everything the box holds (`GET /api/v1/search`, its index, not
 * the page's entries): the results replace nothing, they show above the feed
 * until "Back to the feed".
 */
export function Search (
  { api, names, now, known }: { api: Api, names: Names, now: number, known: ReadonlyMap<string, Entry> }
) {
  const { t } = useI18n()
  const [q, setQ] = useState('')
  const [result, setResult] = useState<{ q: string, entries: Entry[] } | undefined>()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const input = useRef<HTMLInputElement>(null)
  const asked = useRef(0)

  async function run (ev: Event): Promise<void> {
    ev.preventDefault()
    const query = q.trim()
    if (query === '') return
    const mine = ++asked.current
    setBusy(true)
    setError(undefined)
    try {
      const entries = await api.search(query, { limit: SEARCH_LIMIT })
      for (const e of entries) names.learn(e)
      // a slower earlier answer must not replace a newer one
      if (mine === asked.current) setResult({ q: query, entries })
    } catch (err) {
      if (mine === asked.current) setError(t.searchFailed(message(err)))
    } finally {
      if (mine === asked.current) setBusy(false)
    }
  }

  return (
    <>
      <form
        class="search"
        role="search"
        onSubmit={(ev) => {
          void run(ev)
        }}
      >
        <p class="field">
          <label for="search-q">{t.searchLabel}</label>
          <input
            id="search-q"
            ref={input}
            type="search"
            name="q"
            maxLength={200}
            value={q}
            onInput={(ev) => setQ(ev.currentTarget.value)}
          />
        </p>
        <button type="submit" disabled={busy}>{busy ? t.searching : t.search}</button>
      </form>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
      {result !== undefined && (
        <section class="panel search-results" aria-labelledby="search-title">
          <h2 id="search-title" aria-live="polite">{t.searchResults(result.q, result.entries.length)}</h2>
          <ol class="side-list">
            {result.entries.map((e) => (
              <li key={e.id} class="search-hit">
                <KindBadge kind={e.kind} />
                <Author id={e.author} name={names.get(e.author) ?? e.authorName} self={false} />{' '}
                <span class="muted">{relativeTime(e.timestamp, now, t.time)}</span>
                <EntryText entry={e} />
                {known.has(e.id) && <a href={`#e-${e.id}`}>{t.inTheFeed}</a>}
              </li>
            ))}
          </ol>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setResult(undefined)
              input.current?.focus()
            }}
          >
            {t.clearSearch}
          </button>
        </section>
      )}
    </>
  )
}
