import { useI18n } from '../i18n/index.js'
import { isoOf, pinnedAlerts } from '../life.js'
import type { Names } from '../names.js'
import { shortId } from '../text.js'
import type { Entry } from '../types.js'

/** Urgent alerts, pinned over everything for their 24 h (the box decides which are pinned). */
export function AlertBanner ({ entries, names, now }: { entries: Iterable<Entry>, names: Names, now: number }) {
  const { t, dateTime } = useI18n()
  const list = pinnedAlerts(entries, now).slice(0, 5)
  if (list.length === 0) return null
  return (
    <section class="alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title" class="sr-only">{t.pinnedAlerts}</h2>
      <ul>
        {list.map((e) => (
          <li key={e.id} class="alert-item">
            <strong>{t.kinds.alert}:</strong> <a href={`#e-${e.id}`} class="alert-text">{e.text ?? ''}</a>
            <span class="alert-by">
              {' — '}
              {names.get(e.author) ?? e.authorName ?? shortId(e.author)}
              {e.until !== undefined && (
                <>
                  {`, ${t.alertUntil} `}
                  <time dateTime={isoOf(e.until)}>{dateTime(e.until)}</time>
                </>
              )}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
