import { useI18n } from '../i18n/index.js'
import { isoOf, type Tally } from '../life.js'
import { shortId } from '../text.js'

/**
 * "How we know": every signed vote this box counted, so a reader can check
 * the tally and spot a household voting with many keys.
 */
export function HowWeKnow ({ tally, options }: { tally: Tally, options: string[] }) {
  const { t, dateTime } = useI18n()
  return (
    <details class="how-we-know">
      <summary>{t.howWeKnow(tally.votes.length + (tally.more ?? 0))}</summary>
      <ol>
        {tally.votes.map((v) => (
          <li key={v.id}>
            <span class="voter">{v.author.length > 24 ? shortId(v.author) : v.author}</span>
            {' · '}
            <span class="household">{v.household !== undefined ? shortId(v.household) : t.unclaimedVoter}</span>
            {' · '}
            {v.choices.map((c) => options[c] ?? `#${c + 1}`).join(', ')}
            {' · '}
            <time dateTime={isoOf(v.timestamp)}>{dateTime(v.timestamp)}</time>
          </li>
        ))}
      </ol>
      {tally.more !== undefined && <p>{t.moreVotes(tally.more)}</p>}
      {(tally.refused.late > 0 || tally.refused.invalid > 0) && (
        <p class="muted">{t.refusedVotes(tally.refused.late, tally.refused.invalid)}</p>
      )}
    </details>
  )
}
