import { useState } from 'preact/hooks'
import { useI18n } from '../i18n/index.js'
import { isoOf } from '../life.js'
import type { Entry } from '../types.js'
import { HowWeKnow } from './HowWeKnow.js'
import { message } from './message.js'
import { useLife } from './life-context.js'

/** A poll: its options to choose (until it closes), the tally this box counts, and how we know. */
export function PollView ({ entry: e, now }: { entry: Entry, now: number }) {
  const { t, dateTime, fullDate } = useI18n()
  const life = useLife()
  const options = e.options ?? []
  const [chosen, setChosen] = useState<number[]>([])
  const [busy, setBusy] = useState(false)
  const [voted, setVoted] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const closed = e.closed === true || (e.closesAt !== undefined && e.closesAt <= now)
  const counts = e.tally?.counts ?? []
  const total = counts.reduce((a, b) => a + b, 0)
  const name = `poll-${e.id.slice(-12)}`
  const multiple = e.multiple === true
  return (
    <form
      class="poll"
      onSubmit={(ev) => {
        ev.preventDefault()
        if (chosen.length === 0) return
        setBusy(true)
        setError(undefined)
        life.vote(e.id, chosen).then(() => setVoted(true), (err: unknown) => setError(message(err)))
          .finally(() => setBusy(false))
      }}
    >
      <fieldset disabled={closed || busy}>
        <legend>{multiple ? t.chooseAny : t.chooseOne}</legend>
        <ul class="poll-options">
          {options.map((o, i) => {
            const n = counts[i] ?? 0
            const share = total === 0 ? 0 : Math.round((n / total) * 100)
            return (
              <li key={i}>
                <input
                  id={`${name}-${i}`}
                  type={multiple ? 'checkbox' : 'radio'}
                  name={name}
                  checked={chosen.includes(i)}
                  onChange={(ev) => {
                    const on = ev.currentTarget.checked
                    setChosen((c) => multiple ? (on ? [...c, i] : c.filter((x) => x !== i)) : [i])
                  }}
                />
                <label for={`${name}-${i}`}>{o}</label>
                <span class="poll-count">{t.votesFor(n)}</span>
                <progress class="bar" aria-hidden="true" value={share} max={100} />
              </li>
            )
          })}
        </ul>
        {!closed && (
          <button type="submit" disabled={chosen.length === 0}>
            {busy ? t.voting : voted ? t.changeVote : t.vote}
          </button>
        )}
      </fieldset>
      <p class="poll-meta">
        {e.tally !== undefined && (
          <span class="tally-summary">{t.tallySummary(e.tally.voters, e.tally.households)}</span>
        )}
        {e.closesAt !== undefined && (
          <span>
            {' · '}
            {closed ? t.closedAt : t.closesAt}{' '}
            <time dateTime={isoOf(e.closesAt)} title={fullDate(e.closesAt)}>{dateTime(e.closesAt)}</time>
          </span>
        )}
      </p>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
      {e.tally !== undefined && e.tally.votes.length > 0 && <HowWeKnow tally={e.tally} options={options} />}
    </form>
  )
}
