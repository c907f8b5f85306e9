/** Monotonic counters of one replication service; plain numbers so they serialise as they are. */
export interface ReplicationCounters {
  /** gossip messages our validator saw */
  gossipReceived: number
  /** stored and forwarded */
  gossipAccepted: number
  /** already stored (another box announced it first, or sync got it) */
  gossipDuplicates: number
  /** not forwarded, sender not penalised (gaps, stale branches, frozen feeds), by code */
  gossipIgnored: Record<string, number>
  /** invalid: not forwarded, sender scored down, by code (a validation code, or `bad_frame`) */
  gossipRejected: Record<string, number>
  /** entries / fork proofs handed to gossipsub */
  publishedEntries: number
  publishedForkProofs: number
  publishErrors: number
  /** announcements shed by the bounded queue (the entries still reach peers by sync) */
  announceDropped: number
  /** gaps seen in gossip that triggered a targeted pull */
  gapPulls: number
  /** sync sessions we opened / that failed / that we served / that we refused or broke off, by code */
  syncSessionsMade: number
  syncSessionsFailed: Record<string, number>
  syncSessionsServed: number
  syncServeErrors: Record<string, number>
  /** GET / GET_FORK requests we sent and answered */
  syncRequestsMade: number
  syncRequestsServed: number
  /** batches handed to store.ingestRange (the range path) */
  rangeIngests: number
  /** ranges the store refused, by validation code */
  rangesRejected: Record<string, number>
  /** ranges the store's gate held back part of (an author over its ingest budget; pulled again later) */
  rangesDeferred: number
  /** entries stored from sync responses, and the entry bytes received */
  entriesIn: number
  bytesIn: number
  /** entries and entry bytes we served */
  entriesOut: number
  bytesOut: number
  forkProofsIn: number
  forkProofsOut: number
  /** payloads stored from sync (ENTRIES and PAYLOADS), and payloads we served */
  payloadsIn: number
  payloadsOut: number
  /** payloads from sync the store did not take, by outcome (mismatch: the sender's fault; invalid: the author's) */
  payloadsRefused: Record<string, number>
  /** payload-fetch rounds that failed (the session's entries are kept) */
  payloadFetchesFailed: number
  /** heads exchanges done by set reconciliation (/kiez/sync/2.1.0), either role */
  reconcileExchanges: number
  /** frame bytes of heads exchanges, both directions, either role and protocol */
  headsExchangeBytes: number
}

export function newCounters (): ReplicationCounters {
  return {
    gossipReceived: 0,
    gossipAccepted: 0,
    gossipDuplicates: 0,
    gossipIgnored: {},
    gossipRejected: {},
    publishedEntries: 0,
    publishedForkProofs: 0,
    publishErrors: 0,
    announceDropped: 0,
    gapPulls: 0,
    syncSessionsMade: 0,
    syncSessionsFailed: {},
    syncSessionsServed: 0,
    syncServeErrors: {},
    syncRequestsMade: 0,
    syncRequestsServed: 0,
    rangeIngests: 0,
    rangesRejected: {},
    rangesDeferred: 0,
    entriesIn: 0,
    bytesIn: 0,
    entriesOut: 0,
    bytesOut: 0,
    forkProofsIn: 0,
    forkProofsOut: 0,
    payloadsIn: 0,
    payloadsOut: 0,
    payloadsRefused: {},
    payloadFetchesFailed: 0,
    reconcileExchanges: 0,
    headsExchangeBytes: 0
  }
}

export function bump (m: Record<string, number>, key: string): void {
  m[key] = (m[key] ?? 0) + 1
}
