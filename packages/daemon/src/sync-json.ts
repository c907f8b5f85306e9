import type { ReplicationInfo } from '@kiez/replication'
import type { SyncJson } from './control/types.js'
import { authorName } from './entry-json.js'

function authorFromHex (hex: string): string {
  return /^[0-9a-f]{64}$/.test(hex) ? authorName(Uint8Array.from(Buffer.from(hex, 'hex'))) : hex
}

/** Replication's view, with authors named as in the feed (peer ids) and times as ages. */
export function syncToJson (info: ReplicationInfo, now: number): SyncJson {
  return {
    available: true,
    topic: info.topic,
    protocol: info.protocol,
    peers: info.peers.map((p) => {
      const out: SyncJson['peers'][number] = {
        peerId: p.peerId,
        weLack: p.weLack,
        theyLack: p.theyLack,
        syncing: p.syncing,
        authors: p.authors.map((a) => ({
          author: authorFromHex(a.author), ourSeq: a.ourSeq, theirSeq: a.theirSeq, weLack: a.weLack, theyLack: a.theyLack, diverged: a.diverged
        }))
      }
      if (p.headsReceivedAtMs !== undefined) out.headsAgeMs = Math.max(0, now - p.headsReceivedAtMs)
      if (p.lastSyncAtMs !== undefined) out.lastSyncAgoMs = Math.max(0, now - p.lastSyncAtMs)
      if (p.lastSyncError !== undefined) out.lastSyncError = p.lastSyncError
      return out
    }),
    counters: { ...info.counters } as unknown as SyncJson['counters']
  }
}
