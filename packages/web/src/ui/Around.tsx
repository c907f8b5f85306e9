import type { Names } from '../names.js'
import { sourceText, syncText } from '../peers.js'
import type { Peer } from '../types.js'
import { duration } from '../time.js'
import { Author } from './Author.js'
import { useI18n } from '../i18n/index.js'

export interface AroundProps {
  peers: Peer[] | undefined
  names: Names
  error: string | undefined
}

/** The neighbour boxes we are connected to now: how each was found, latency, sync state. */
export function Around ({ peers, names, error }: AroundProps) {
  const { t } = useI18n()
  const connected = (peers ?? []).filter((p) => p.connected)
  return (
    <section class="panel" id="around" aria-labelledby="around-title">
      <h2 id="around-title">{t.aroundTitle}</h2>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
      {peers === undefined && error === undefined && <p class="muted">{t.looking}</p>}
      {peers !== undefined && connected.length === 0 && <p class="muted">{t.noNeighbours}</p>}
      {connected.length > 0 && (
        <ul class="peers">
          {connected.map((p) => {
            const sync = syncText(p, t.mesh)
            return (
              <li key={p.peerId} class="peer">
                <Author id={p.peerId} name={names.get(p.peerId)} self={false} />
                <span class="peer-facts">
                  <span>
                    {sourceText(p.source, t.mesh)}
                    {p.direction !== null ? `, ${t.mesh.direction[p.direction]}` : ''}
                  </span>
                  <span>
                    {p.latencyMs !== undefined ? t.mesh.latency(duration(p.latencyMs)) : t.mesh.latencyNotYet}
                  </span>
                  <span class={sync.ok === true ? 'ok' : sync.ok === false ? 'warn' : ''}>{sync.text}</span>
                </span>
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}
