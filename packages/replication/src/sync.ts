import type { FeedStore, RangeIngestResult } from '@kiez/store'
import type { Logger } from '@libp2p/interface'
import { MAX_HEADS_PER_MESSAGE, MAX_HEADS_TOTAL } from './constants.js'
import { bump, type ReplicationCounters } from './counters.js'
import { ReplicationError } from './errors.js'
import type { Framed } from './framing.js'
import { encodeMessage, type SyncMessage, type WireHead, type WireItem } from './messages.js'
import { HeadSet, reconcileHeadsInitiator, reconcileHeadsResponder } from './heads-reconcile.js'
import { servePayloads } from './payload-fetch.js'
import { planPulls, type Want } from './plan.js'
import type { TokenBucket } from '@kiez/rate'
import { pace } from './pace.js'
import { hex } from './util.js'

export interface SyncLimits {
  maxEntriesPerResponse: number
  maxResponseBytes: number
  /** entries one session may fetch before it yields to the next (the rest follows in another session) */
  maxEntriesPerSession: number
}

/** What a sync session needs from the service. */
export interface SyncHost {
  store: FeedStore
  counters: ReplicationCounters
  limits: SyncLimits
  log: Logger
  /** our heads vector, keyed by author hex */
  ourHeads: () => Map<string, WireHead>
  /** the reconciliation id of one of our heads (cached by the service; headItemId when absent) */
  headId?: (h: WireHead) => Uint8Array
  /** whether an author's entries may leave this box (ReplicationInit.forwards) */
  forwards: (author: Uint8Array) => boolean
  /**
   * The range path into the store. The service wraps store.ingestRange so
   * that entries arriving by sync are not each re-announced by gossip
   * (neighbours sync too); `afterAuthor` announces only the new head.
   */
  ingestRange: (author: Uint8Array, from: number, items: WireItem[]) => Promise<RangeIngestResult>
  afterAuthor: (author: Uint8Array, stored: number) => void
  /** fresh entries of an author the store's gate would take now (FeedStore.room); absent: no bound */
  room?: (author: Uint8Array) => number
}

export interface PullPlan {
  /** exchange heads and pull whatever the peer has that we lack */
  full: boolean
  /** do the heads exchange by set reconciliation (the stream speaks /kiez/sync/2.1.0) */
  reconcile?: boolean
  /** targeted ranges (from gossip gaps) */
  ranges: Want[]
  /** authors (hex) not to ask for: the store deferred them since the last periodic sync */
  held?: ReadonlySet<string>
}

export interface PullOutcome {
  theirHeads?: WireHead[]
  entriesIn: number
  /** the session stopped at its entry budget: more to fetch */
  truncated: boolean
  /** authors (hex) whose range the store deferred in this session */
  deferred: string[]
}

export async function expect<T extends SyncMessage['type']> (
  f: Framed,
  type: T,
  signal: AbortSignal
): Promise<Extract<SyncMessage, { type: T }>> {
  const m = await f.recv(signal)
  if (m === undefined) {
    throw new ReplicationError('bad_message', `the peer closed the stream instead of sending ${type}`)
  }
  if (m.type === 'error') throw new ReplicationError(m.code, `the peer refused: ${m.message}`)
  if (m.type !== type) throw new ReplicationError('bad_message', `expected ${type}, got ${m.type}`)
  return m as Extract<SyncMessage, { type: T }>
}

export async function sendHeads (f: Framed, heads: Iterable<WireHead>, signal: AbortSignal): Promise<void> {
  const all = [...heads].slice(0, MAX_HEADS_TOTAL)
  for (let i = 0; i === 0 || i < all.length; i += MAX_HEADS_PER_MESSAGE) {
    const chunk = all.slice(i, i + MAX_HEADS_PER_MESSAGE)
    await f.send({ type: 'heads', heads: chunk, more: i + MAX_HEADS_PER_MESSAGE < all.length }, signal)
  }
}

/** Reads HEADS messages until one has more = false; `first` is one already read. */
export async function recvHeads (
  f: Framed,
  signal: AbortSignal,
  first?: Extract<SyncMessage, { type: 'heads' }>
): Promise<WireHead[]> {
  const out: WireHead[] = []
  for (let m = first ?? await expect(f, 'heads', signal);; m = await expect(f, 'heads', signal)) {
    if (out.length + m.heads.length > MAX_HEADS_TOTAL) {
      throw new ReplicationError('too_many_heads', `more than ${MAX_HEADS_TOTAL} heads`)
    }
    out.push(...m.heads)
    if (!m.more) return out
  }
}

/**
 * The initiator's side of one session: optionally exchange heads, then fetch
 * each wanted range in batches through the store's range path.
 */
/** GETs in flight per author: enough to keep the link and the store busy, few enough to waste little after a short answer. */
const PIPELINE_DEPTH = 3

export async function pull (host: SyncHost, f: Framed, plan: PullPlan, signal: AbortSignal): Promise<PullOutcome> {
  const { store, counters, limits } = host
  const out: PullOutcome = { entriesIn: 0, truncated: false, deferred: [] }
  let wants = plan.ranges
  if (plan.full) {
    const ours = host.ourHeads()
    const before = f.bytesIn + f.bytesOut
    let planned: Want[]
    if (plan.reconcile === true) {
      // Only the heads that differ cross the wire; planning on them alone gives the same wants.
      const r = await reconcileHeadsInitiator(f, new HeadSet(forwarded(host, ours), host.headId), signal)
      out.theirHeads = r.theirs
      planned = planPulls(ours, r.theirOnly)
      counters.reconcileExchanges++
    } else {
      await sendHeads(f, forwarded(host, ours), signal)
      out.theirHeads = await recvHeads(f, signal)
      planned = planPulls(ours, out.theirHeads)
    }
    counters.headsExchangeBytes += f.bytesIn + f.bytesOut - before
    const covered = new Set(planned.map((w) => hex(w.author)))
    wants = [...planned, ...wants.filter((w) => !covered.has(hex(w.author)))]
  }
  // Deferred authors are skipped until the periodic sync: asked again in the very next session (one
  // follows at once when this one is truncated), they would spend its budget on entries the store
  // refuses, and the same authors, first in the plan, would starve the rest.
  const held = plan.held
  if (held !== undefined && held.size > 0) wants = wants.filter((w) => !held.has(hex(w.author)))
  let budget = limits.maxEntriesPerSession
  let stored = 0
  let current: Uint8Array = new Uint8Array(0)
  /** Counts one stored range; true when the rest of this author's range should not be fetched. */
  const accountRange = (r: RangeIngestResult): boolean => {
    counters.rangeIngests++
    counters.entriesIn += r.stored
    counters.payloadsIn += r.payloads.stored
    // a mismatch is the peer's fault (the header is kept, its payload fetched elsewhere); invalid is the author's
    if (r.payloads.mismatch > 0) {
      counters.payloadsRefused.mismatch = (counters.payloadsRefused.mismatch ?? 0) + r.payloads.mismatch
    }
    if (r.payloads.invalid > 0) {
      counters.payloadsRefused.invalid = (counters.payloadsRefused.invalid ?? 0) + r.payloads.invalid
    }
    out.entriesIn += r.stored
    stored += r.stored
    // Held back by the store's gate (an ingest budget): the rest is pulled in a later session.
    if (r.deferred !== undefined) {
      counters.rangesDeferred++
      out.deferred.push(hex(current))
      return true
    }
    if (r.rejection !== undefined) {
      // A peer that serves what the store refuses gets no further requests for this author now.
      bump(counters.rangesRejected, r.rejection.code)
      host.log(
        'range of %s from peer refused: %s (%s)',
        hex(current).slice(0, 12),
        r.rejection.code,
        r.rejection.message
      )
      return true
    }
    return r.fork !== undefined
  }
  for (const w of wants) {
    current = w.author
    stored = 0
    if (w.needForkProof) {
      await f.send({ type: 'getFork', author: w.author }, signal)
      counters.syncRequestsMade++
      const m = await expect(f, 'fork', signal)
      if (m.proof !== null) {
        const r = await store.ingestForkProof(m.proof)
        if (r.status === 'rejected') bump(counters.rangesRejected, r.code)
        else counters.forkProofsIn++
      }
    }
    // A probe re-fetches our own head seq to expose a fork; otherwise skip what we hold by now.
    const probe = w.from === w.to && w.from === (store.head(w.author)?.seq ?? 0)
    let from = probe ? w.from : Math.max(w.from, (store.head(w.author)?.seq ?? 0) + 1)
    // Ask only for what the gate would take now (an author at its ingest budget, a full store):
    // fetching and verifying entries only to defer them made a flood of 100 keys take minutes.
    const room = probe ? Infinity : host.room?.(w.author) ?? Infinity
    if (room < 1 && from <= w.to) {
      counters.rangesDeferred++
      out.deferred.push(hex(w.author))
      continue
    }
    const to = Math.min(w.to, from + room - 1)
    // Pipelined: up to PIPELINE_DEPTH GETs are in flight, and a batch's
    // ingest is only awaited after the next one has been handed to the store,
    // so the network, the responder, validation and our writes overlap.
    // Responses come in request order on the one stream. A responder may cap
    // a batch below what we asked (its own limits): the requests already sent
    // past that point are then answered into a gap, dropped, and asked again.
    const outstanding: Array<{ from: number, count: number }> = []
    let nextAsk = from
    const fill = async (): Promise<void> => {
      while (outstanding.length < (probe ? 1 : PIPELINE_DEPTH) && nextAsk <= to && budget > 0) {
        const count = Math.min(to - nextAsk + 1, limits.maxEntriesPerResponse, budget)
        await f.send({ type: 'get', author: w.author, from: nextAsk, to: nextAsk + count - 1 }, signal)
        counters.syncRequestsMade++
        outstanding.push({ from: nextAsk, count })
        nextAsk += count
        budget -= count
        if (probe) break
      }
    }
    await fill()
    let previous: Promise<RangeIngestResult> | undefined
    let stop = false
    for (let req = outstanding.shift(); req !== undefined; req = outstanding.shift()) {
      const m = await expect(f, 'entries', signal)
      if (Buffer.compare(m.author, w.author) !== 0 || m.items.length > req.count) {
        throw new ReplicationError('bad_message', 'ENTRIES does not answer the GET (other author or too many entries)')
      }
      budget += req.count - m.items.length // what the responder did not send is not spent
      if (stop || req.from !== from) continue // drained: not needed, or answered past a gap
      if (m.items.length === 0) {
        stop = true
        continue
      }
      for (const i of m.items) counters.bytesIn += i.entry.byteLength + (i.payload?.byteLength ?? 0)
      const ingest = host.ingestRange(w.author, from, m.items)
      const r = previous !== undefined ? await previous : undefined
      previous = ingest
      if (r !== undefined && accountRange(r)) {
        stop = true
        previous = undefined
        await ingest.catch(() => undefined)
        continue
      }
      from += m.items.length
      if (m.items.length < req.count) nextAsk = from // a short answer: ask again from where it ended
      if (!probe) await fill()
    }
    if (!stop && nextAsk <= to && budget <= 0) out.truncated = true
    if (previous !== undefined) accountRange(await previous)
    host.afterAuthor(w.author, stored)
    if (out.truncated) break
  }
  return out
}

/** The frame bytes of a message already received (counted in Framed.bytesIn). */
function bytesOfLast (m: SyncMessage): number {
  return encodeMessage(m).byteLength
}

/** Our heads as we tell them: without the authors we do not forward (a peer cannot pull what we would not serve). */
function forwarded (host: SyncHost, heads: Map<string, WireHead>): Iterable<WireHead> {
  return [...heads.values()].filter((h) => host.forwards(h.author))
}

export interface ServePeer {
  bucket: TokenBucket
  /** called with the initiator's heads once it has sent them all */
  onHeads: (heads: WireHead[]) => void
  /** the stream speaks /kiez/sync/2.1.0: RECONCILE is accepted */
  reconcile?: boolean
}

/** The responder's side: answer requests until the initiator closes. Store-and-forward: any stored feed is served. */
export async function serve (host: SyncHost, f: Framed, peer: ServePeer, signal: AbortSignal): Promise<void> {
  const { store, counters, limits } = host
  let headsDone = false
  for (let m = await f.recv(signal); m !== undefined; m = await f.recv(signal)) {
    switch (m.type) {
      case 'heads': {
        // One exchange per session: a peer cannot make us send our vector over and over on one stream.
        if (headsDone) throw new ReplicationError('bad_message', 'one heads exchange per session')
        headsDone = true
        const before = f.bytesIn + f.bytesOut - bytesOfLast(m)
        const theirs = await recvHeads(f, signal, m)
        peer.onHeads(theirs)
        await sendHeads(f, forwarded(host, host.ourHeads()), signal)
        counters.headsExchangeBytes += f.bytesIn + f.bytesOut - before
        break
      }
      case 'reconcile': {
        if (peer.reconcile !== true) throw new ReplicationError('bad_message', 'reconcile is /kiez/sync/2.1.0 only')
        if (headsDone) throw new ReplicationError('bad_message', 'one heads exchange per session')
        headsDone = true
        const before = f.bytesIn + f.bytesOut - bytesOfLast(m)
        const r = await reconcileHeadsResponder(
          f,
          new HeadSet(forwarded(host, host.ourHeads()), host.headId),
          m,
          signal
        )
        counters.reconcileExchanges++
        counters.headsExchangeBytes += f.bytesIn + f.bytesOut - before
        peer.onHeads(r.theirs)
        break
      }
      case 'get': {
        // Entries with the payloads we hold; the byte budget counts both. None of an author we do not forward.
        const items = host.forwards(m.author)
          ? await store.rangeItems(m.author, m.from, m.to, {
            maxEntries: Math.min(m.to - m.from + 1, limits.maxEntriesPerResponse),
            maxBytes: limits.maxResponseBytes
          })
          : []
        let bytes = 0
        let payloads = 0
        for (const i of items) {
          bytes += i.entry.byteLength + (i.payload?.byteLength ?? 0)
          if (i.payload !== undefined) payloads++
        }
        await pace(peer.bucket, bytes, signal)
        await f.send({ type: 'entries', author: m.author, items }, signal)
        counters.syncRequestsServed++
        counters.entriesOut += items.length
        counters.payloadsOut += payloads
        counters.bytesOut += bytes
        break
      }
      case 'getPayloads': {
        await servePayloads(host, f, m.hashes, peer.bucket, signal)
        break
      }
      case 'getFork': {
        const proofs = await store.forkProofs(m.author)
        // The lowest seq freezes the most; that is the one the peer needs.
        const proof = proofs.sort((a, b) => a.seq - b.seq)[0]?.proof ?? null
        await f.send({ type: 'fork', author: m.author, proof }, signal)
        counters.syncRequestsServed++
        if (proof !== null) counters.forkProofsOut++
        break
      }
      default:
        throw new ReplicationError('bad_message', `a responder does not accept ${m.type}`)
    }
  }
}
