import { useState } from 'preact/hooks'
import { useI18n } from '../i18n/index.js'
import { isoOf } from '../life.js'
import type { Entry } from '../types.js'
import { message } from './message.js'
import { useLife } from './life-context.js'

const ANSWERS = ['going', 'maybe', 'no'] as const

/** An event's time and place, and going / maybe / not going with the counts this box holds. */
export function EventInfo ({ entry: e }: { entry: Entry }) {
  const { t, dateTime, fullDate } = useI18n()
  const life = useLife()
  const [mine, setMine] = useState<typeof ANSWERS[number] | undefined>()
  const [error, setError] = useState<string | undefined>()
  const r = e.rsvps ?? { going: 0, maybe: 0, no: 0 }
  return (
    <div class="event">
      <dl class="event-facts">
        <dt>{t.when}</dt>
        <dd>
          {e.starts !== undefined && (
            <time class="starts" dateTime={isoOf(e.starts)} title={fullDate(e.starts)}>{dateTime(e.starts)}</time>
          )}
          {e.ends !== undefined && (
            <>
              {' – '}
              <time dateTime={isoOf(e.ends)} title={fullDate(e.ends)}>{dateTime(e.ends)}</time>
            </>
          )}
        </dd>
        {e.place !== undefined && (
          <>
            <dt>{t.where}</dt>
            <dd class="place">{e.place}</dd>
          </>
        )}
      </dl>
      {e.description !== undefined && <p class="description">{e.description}</p>}
      <div class="rsvp" role="group" aria-label={t.rsvpGroup}>
        {ANSWERS.map((a) => (
          <button
            key={a}
            type="button"
            class="secondary"
            aria-pressed={mine === a}
            onClick={() => {
              // shown pressed at once: the counts can arrive (the stream's changed event) before the answer
              // to this request does; put back if the box refuses
              const before = mine
              setError(undefined)
              setMine(a)
              life.rsvp(e.id, a).catch((err: unknown) => {
                setMine(before)
                setError(message(err))
              })
            }}
          >
            {t.rsvp[a]}
          </button>
        ))}
      </div>
      <p class="rsvp-counts" aria-live="polite">{t.rsvpCounts(r.going, r.maybe, r.no)}</p>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
    </div>
  )
}
