import { duration } from './time.js'
import type { Peer } from './types.js'

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

/**
 * In sync, behind or ahead, as far as the last heads exchange with that
 * neighbour tells; with its age, since gossip may have closed a gap since.
 */
export function syncText (p: Peer): { text: string, ok: boolean | undefined } {
  const s = p.sync
  if (s === undefined) return { text: 'sync: no data yet', ok: undefined }
  if (s.lastSyncError !== undefined) return { text: `sync failed: ${s.lastSyncError}`, ok: false }
  if (s.syncing === true) return { text: 'syncing now…', ok: undefined }
  const ageMs = s.headsAgeMs ?? s.lastSyncAgoMs
  const asOf = ageMs === undefined ? '' : ` (checked ${duration(ageMs)} ago)`
  const weLack = s.weLack ?? 0
  const theyLack = s.theyLack ?? 0
  if (s.inSync === true || (s.weLack !== undefined && s.theyLack !== undefined && weLack === 0 && theyLack === 0)) {
    return { text: `in sync${asOf}`, ok: true }
  }
  const parts: string[] = []
  if (weLack > 0) parts.push(`we lack ${weLack}`)
  if (theyLack > 0) parts.push(`they lack ${theyLack}`)
  if (parts.length === 0) return { text: 'sync: not compared yet', ok: undefined }
  return { text: `not in sync: ${parts.join(', ')}${asOf}`, ok: false }
}
