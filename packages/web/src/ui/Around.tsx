import type { Names } from '../names.js'
import type { Peer } from '../types.js'
import { duration } from '../time.js'
import { Author } from './Author.js'

const SOURCES: Record<string, string> = {
  mdns: 'found on the local network (mDNS)',
  dht: 'found through the mesh (DHT)',
  bootstrap: 'configured bootstrap box',
  inbound: 'it connected to us',
  gossip: 'heard of through gossip'
}

export function sourceText (source: string | null): string {
  return source === null ? 'how found: unknown' : SOURCES[source] ?? `found by ${source}`
}

/** In sync, behind or ahead, as far as the last sync round with that neighbour tells. */
export function syncText (p: Peer): { text: string, ok: boolean | undefined } {
  const s = p.sync
  if (s === undefined) return { text: 'sync: no data yet', ok: undefined }
  if (s.lastSyncError !== undefined) return { text: `sync failed: ${s.lastSyncError}`, ok: false }
  if (s.syncing === true) return { text: 'syncing now…', ok: undefined }
  const weLack = s.weLack ?? 0
  const theyLack = s.theyLack ?? 0
  if (s.inSync === true || (s.weLack !== undefined && s.theyLack !== undefined && weLack === 0 && theyLack === 0)) return { text: 'in sync', ok: true }
  const parts: string[] = []
  if (weLack > 0) parts.push(`we lack ${weLack}`)
  if (theyLack > 0) parts.push(`they lack ${theyLack}`)
  return { text: parts.length > 0 ? `catching up: ${parts.join(', ')}` : 'sync: not compared yet', ok: parts.length > 0 ? false : undefined }
}

export interface AroundProps { peers: Peer[] | undefined, names: Names, error: string | undefined }

/** The neighbour boxes we are connected to now: how each was found, latency, sync state. */
export function Around ({ peers, names, error }: AroundProps) {
  const connected = (peers ?? []).filter((p) => p.connected)
  return (
    <section class='panel' id='around' aria-labelledby='around-title'>
      <h2 id='around-title'>Around you</h2>
      {error !== undefined && <p class='error' role='alert'>{error}</p>}
      {peers === undefined && error === undefined && <p class='muted'>Looking…</p>}
      {peers !== undefined && connected.length === 0 && <p class='muted'>No neighbour box is connected right now.</p>}
      {connected.length > 0 && (
        <ul class='peers'>
          {connected.map((p) => {
            const sync = syncText(p)
            return (
              <li key={p.peerId} class='peer'>
                <Author id={p.peerId} name={names.get(p.peerId)} self={false} />
                <span class='peer-facts'>
                  <span>{sourceText(p.source)}{p.direction !== null ? `, ${p.direction}` : ''}</span>
                  <span>{p.latencyMs !== undefined ? `latency ${duration(p.latencyMs)}` : 'latency not measured yet'}</span>
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
