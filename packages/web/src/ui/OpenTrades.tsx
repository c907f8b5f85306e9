import { useI18n } from '../i18n/index.js'
import { openTrades } from '../life.js'
import type { Entry } from '../types.js'

/** Offers and requests nobody marked done yet, newest first. */
export function OpenTrades ({ entries }: { entries: Iterable<Entry> }) {
  const { t } = useI18n()
  const list = openTrades(entries).slice(0, 15)
  return (
    <section class="panel" id="open" aria-labelledby="open-title">
      <h2 id="open-title">{t.open}</h2>
      {list.length === 0 ? <p class="muted">{t.noOpen}</p> : (
        <ul class="side-list">
          {list.map((e) => (
            <li key={e.id}>
              <span class={`kind-badge kind-badge-${e.kind ?? ''}`}>
                {t.kinds[e.kind === 'request' ? 'request' : 'offer']}
              </span>{' '}
              <a href={`#e-${e.id}`}>{e.text ?? ''}</a>
              {e.price !== undefined && <span class="muted">{' · '}{e.price}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
