import type { MissingPayload } from '@kiez/store'
import type { TokenBucket } from '@kiez/rate'
import { MAX_PAYLOAD_HASHES } from './constants.js'
import { bump } from './counters.js'
import { ReplicationError } from './errors.js'
import type { Framed } from './framing.js'
import type { WireHead, WirePayload } from './messages.js'
import { pace } from './pace.js'
import { expect, type SyncHost } from './sync.js'
import { hex } from './util.js'

/**
 * The responder's answer to GET_PAYLOADS: one pair per hash asked, in order,
 * null for a payload not held (a deleted entry's payload is never held: the
 * store refuses it for good). Cut short, a prefix, once the next payload would
 * pass the response budget; paced by the peer's served-bytes bucket.
 */
export async function servePayloads (
  host: SyncHost,
  f: Framed,
  hashes: Uint8Array[],
  bucket: TokenBucket,
  signal: AbortSignal
): Promise<void> {
  const out: WirePayload[] = []
  let bytes = 0
  let held = 0
  for (const hash of hashes) {
    const payload = await host.store.getPayload(hash)
    if (payload === undefined) {
      out.push({ hash })
      continue
    }
    if (held > 0 && bytes + payload.byteLength > host.limits.maxResponseBytes) break
    out.push({ hash, payload })
    bytes += payload.byteLength
    held++
  }
  await pace(bucket, bytes, signal)
  await f.send({ type: 'payloads', payloads: out }, signal)
  host.counters.syncRequestsServed++
  host.counters.payloadsOut += held
  host.counters.bytesOut += bytes
}

export interface FetchOutcome {
  /** payloads stored */
  stored: number
  /** where the next round with this peer starts in the store's missing list; undefined = from the start */
  next?: MissingPayload
}

/**
 * The initiator's side: asks the peer for up to `limit` payloads the store
 * lists as missing, from `after` on, ≤ 64 hashes per request, and hands each
 * to the store with its held header, which checks it (a duplicate header with
 * its payload stores the payload). A peer that sends a payload that does not
 * match its header is asked nothing more this round.
 */
export async function fetchPayloads (
  host: SyncHost,
  f: Framed,
  opts: { limit: number, after?: MissingPayload, holds?: (m: MissingPayload) => boolean },
  signal: AbortSignal
): Promise<FetchOutcome> {
  const { store, counters } = host
  const listed = await store.missingPayloads(
    opts.after !== undefined ? { limit: opts.limit, after: opts.after } : { limit: opts.limit }
  )
  const out: FetchOutcome = { stored: 0 }
  // A short list is its end: the next round starts over (payloads no neighbour had may have come since).
  if (listed.length === opts.limit) out.next = listed.at(-1)
  const missing = opts.holds === undefined ? listed : listed.filter(opts.holds)
  for (let i = 0; i < missing.length; i += MAX_PAYLOAD_HASHES) {
    const batch = missing.slice(i, i + MAX_PAYLOAD_HASHES)
    await f.send({ type: 'getPayloads', hashes: batch.map((m) => m.hash) }, signal)
    counters.syncRequestsMade++
    const m = await expect(f, 'payloads', signal)
    if (m.payloads.length > batch.length || m.payloads.some((p, j) => Buffer.compare(p.hash, batch[j]!.hash) !== 0)) {
      throw new ReplicationError('bad_message', 'PAYLOADS does not answer the GET_PAYLOADS (other hashes or order)')
    }
    let lied = false
    for (const p of m.payloads) {
      if (p.payload === undefined) continue
      counters.bytesIn += p.payload.byteLength
      const entry = await store.get(p.hash)
      if (entry === undefined) continue // gone since we listed it
      const r = await store.ingest(entry.bytes, p.payload)
      if (r.status !== 'stored' && r.status !== 'duplicate') continue
      if (r.payload === 'stored') {
        out.stored++
        counters.payloadsIn++
      } else if (r.payload === 'mismatch' || r.payload === 'invalid') {
        bump(counters.payloadsRefused, r.payload)
        lied ||= r.payload === 'mismatch'
      }
    }
    if (lied) {
      host.log('peer served payloads that do not match their headers: asking it for no more')
      delete out.next
      break
    }
    if (m.payloads.length < batch.length) {
      // cut short by the responder's budget: go on from the last answered next round
      const last = m.payloads.length > 0 ? batch[m.payloads.length - 1] : undefined
      if (last !== undefined) out.next = last
      else delete out.next
      break
    }
  }
  return out
}

/**
 * Whether a neighbour's heads say it holds an entry (its payload it may not):
 * it is not worth asking it for the payload of an entry past its head or its fork.
 */
export function heldBy (heads: readonly WireHead[] | undefined): ((m: MissingPayload) => boolean) | undefined {
  if (heads === undefined) return undefined
  const byAuthor = new Map(heads.map((h) => [hex(h.author), h]))
  return (m) => {
    const h = byAuthor.get(hex(m.author))
    return h !== undefined && m.seq <= h.seq && (h.forkedAt === undefined || m.seq < h.forkedAt)
  }
}

/**
 * When and from where to ask each neighbour for missing payloads: after a
 * sync session with it, at most `limit` per round and one round per
 * `intervalMs` per peer, paging through the store's missing list so payloads
 * one neighbour lacks do not hide the rest from the next.
 */
export class PayloadRounds {
  private readonly peers = new Map<string, { at: number, next?: MissingPayload }>()

  constructor (private readonly init: { limit: number, intervalMs: number, maxPeers: number }) {}

  /** the options of a round with `peer` now, or undefined when it is not due */
  due (peer: string, now = Date.now()): { limit: number, after?: MissingPayload } | undefined {
    if (this.init.limit <= 0) return undefined
    const p = this.peers.get(peer)
    if (p !== undefined && now - p.at < this.init.intervalMs) return undefined
    return p?.next !== undefined ? { limit: this.init.limit, after: p.next } : { limit: this.init.limit }
  }

  done (peer: string, outcome: FetchOutcome | undefined, now = Date.now()): void {
    this.peers.delete(peer)
    if (this.peers.size >= this.init.maxPeers) {
      const oldest = this.peers.keys().next().value
      if (oldest !== undefined) this.peers.delete(oldest)
    }
    this.peers.set(peer, outcome?.next !== undefined ? { at: now, next: outcome.next } : { at: now })
  }

  forget (peer: string): void {
    this.peers.delete(peer)
  }
}
