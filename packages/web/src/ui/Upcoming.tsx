import { useI18n } from '../i18n/index.js'
import { isoOf, upcomingEvents } from '../life.js'
import type { Entry } from '../types.js'

/** Events ahead, by their start (not by when they were posted), each a link to its post. */
export function Upcoming ({ entries, now }: { entries: Iterable<Entry>, now: number }) {
  const { t, dateTime } = useI18n()
  const list = upcomingEvents(entries, now).slice(0, 10)
  return (
    <section class="panel" id="upcoming" aria-labelledby="upcoming-title">
      <h2 id="upcoming-title">{t.upcoming}</h2>
      {list.length === 0 ? <p class="muted">{t.noUpcoming}</p> : (
        <ol class="side-list">
          {list.map((e) => (
            <li key={e.id}>
              <time dateTime={isoOf(e.starts ?? 0)}>{dateTime(e.starts ?? 0)}</time>{' '}
              <a href={`#e-${e.id}`}>{e.text ?? ''}</a>
              {e.place !== undefined && <span class="muted">{' · '}{e.place}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
