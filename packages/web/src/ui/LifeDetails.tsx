import { useI18n } from '../i18n/index.js'
import type { Entry } from '../types.js'
import { DoneButton } from './DoneButton.js'
import { EventInfo } from './EventInfo.js'
import { PollView } from './PollView.js'

/** What a kind adds under a post's text: price, done, an event's time and RSVPs, a poll's vote and tally. */
export function LifeDetails ({ entry: e, own, now }: { entry: Entry, own: boolean, now: number }) {
  const { t } = useI18n()
  if (e.kind === undefined || e.type !== 'post') return null
  const trade = e.kind === 'offer' || e.kind === 'request' ? e.kind : undefined
  return (
    <div class="life">
      {e.price !== undefined && <p class="price">{t.priceIs(e.price)}</p>}
      {trade !== undefined && e.done === true && <p class="done-mark">{t.doneMark[trade]}</p>}
      {trade !== undefined && e.done !== true && own && <DoneButton id={e.id} kind={trade} />}
      {e.kind === 'event' && <EventInfo entry={e} />}
      {e.kind === 'poll' && <PollView entry={e} now={now} />}
    </div>
  )
}

/** The kind's name over a post ("Offer", "Angebot"); nothing for a plain post or a kind to come. */
export function KindBadge ({ kind }: { kind: string | undefined }) {
  const { t } = useI18n()
  if (kind === undefined || !(kind in t.kinds) || kind === 'post') return null
  return <span class={`kind-badge kind-badge-${kind}`}>{t.kinds[kind as keyof typeof t.kinds]}</span>
}
