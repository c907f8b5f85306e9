import type { PeerSyncInfo, ReplicationInfo } from '@kiez/replication'
import type { AuthorSyncJson, PeerSyncJson, SyncJson } from './control/types.js'
import { authorName } from './entry-json.js'
import { authorKey } from './why.js'

function authorFromHex (hex: string): string {
  return /^[0-9a-f]{64}$/.test(hex) ? authorName(Uint8Array.from(Buffer.from(hex, 'hex'))) : hex
}

/** One author's row, with the missing seqs as ranges ("we lack 13..20"). */
export function authorRow (
  a: { author: string, ourSeq: number, theirSeq: number, weLack: number, theyLack: number, diverged: boolean }
): AuthorSyncJson {
  const row: AuthorSyncJson = {
    author: a.author,
    ourSeq: a.ourSeq,
    theirSeq: a.theirSeq,
    weLack: a.weLack,
    theyLack: a.theyLack,
    diverged: a.diverged
  }
  if (a.weLack > 0) {
    row.weLackFrom = a.ourSeq + 1
    row.weLackTo = a.theirSeq
  }
  if (a.theyLack > 0) {
    row.theyLackFrom = a.theirSeq + 1
    row.theyLackTo = a.ourSeq
  }
  return row
}

function peerToJson (p: PeerSyncInfo, connected: boolean, now: number): PeerSyncJson {
  const out: PeerSyncJson = {
    peerId: p.peerId,
    connected,
    weLack: p.weLack,
    theyLack: p.theyLack,
    syncing: p.syncing,
    authors: p.authors.map((a) => authorRow({ ...a, author: authorFromHex(a.author) }))
  }
  if (p.disconnectedAtMs !== undefined) out.lastSeenMs = Math.max(0, now - p.disconnectedAtMs)
  if (p.headsReceivedAtMs !== undefined) out.headsAgeMs = Math.max(0, now - p.headsReceivedAtMs)
  if (p.lastSyncAtMs !== undefined) out.lastSyncAgoMs = Math.max(0, now - p.lastSyncAtMs)
  if (p.lastSyncError !== undefined) out.lastSyncError = p.lastSyncError
  return out
}

/** Replication's view, with authors named as in the feed (peer ids) and times as ages; connected neighbours first. */
export function syncToJson (info: ReplicationInfo, now: number): SyncJson {
  return {
    available: true,
    topic: info.topic,
    protocol: info.protocol,
    peers: [
      ...info.peers.map((p) => peerToJson(p, true, now)),
      ...(info.departed ?? []).map((p) => peerToJson(p, false, now))
    ],
    counters: { ...info.counters } as unknown as SyncJson['counters']
  }
}

/**
 * `kiez sync AUTHOR`: every neighbour's row for that one author (zeros when
 * neither side holds it), its totals those of the author alone. A neighbour
 * that never sent heads keeps no row. Throws `bad_author` for a bad peer id.
 */
export function narrowSync (s: SyncJson, author: string): SyncJson {
  const name = authorName(authorKey(author))
  const known = s.peers.filter((p) => p.headsAgeMs !== undefined)
  const ourSeq = known.flatMap((p) => p.authors).find((a) => a.author === name)?.ourSeq ?? 0
  const peers = s.peers.map((p) => {
    if (p.headsAgeMs === undefined) return { ...p, weLack: 0, theyLack: 0, authors: [] }
    const row = p.authors.find((a) => a.author === name) ??
      authorRow({ author: name, ourSeq, theirSeq: 0, weLack: 0, theyLack: ourSeq, diverged: false })
    return { ...p, weLack: row.weLack, theyLack: row.theyLack, authors: [row] }
  })
  return { ...s, peers, author: name, ...(known.length > 0 ? { ourSeq } : {}) }
}
