import { hash } from 'node:crypto'
import { Negentropy, ReconcileError, SortedItems, type Item } from '@kiez/reconcile'
import {
  MAX_HEADS_PER_MESSAGE,
  MAX_HEADS_TOTAL,
  MAX_RECONCILE_ROUNDS,
  RECONCILE_FRAME_LIMIT,
  RECONCILE_ID_LIST_BELOW
} from './constants.js'
import { ReplicationError } from './errors.js'
import type { Framed } from './framing.js'
import type { SyncMessage, WireHead } from './messages.js'
import { hex } from './util.js'

/**
 * The id of one head in the reconciled set: sha256(author ‖ seq ‖ hash ‖
 * forkedAt), seq and forkedAt as 8-byte big-endian (forkedAt 0 when none).
 * Two boxes hold the same item for an author exactly when they would send the
 * same HEADS tuple, the unsigned `timestamp` aside (it only orders requests,
 * and a box that restarted may not know it). forkedAt is in the id so that a
 * fork mark alone still makes the author differ, and its proof is fetched.
 */
export function headItemId (h: WireHead): Uint8Array {
  // One buffer and one-shot hash: this runs for every author on every exchange (~1 µs, not ~7 with BigInt and streams).
  const buf = new Uint8Array(h.author.byteLength + 8 + h.hash.byteLength + 8)
  const view = new DataView(buf.buffer)
  let o = 0
  buf.set(h.author, o)
  o += h.author.byteLength
  view.setUint32(o, Math.floor(h.seq / 2 ** 32))
  view.setUint32(o + 4, h.seq >>> 0)
  o += 8
  buf.set(h.hash, o)
  o += h.hash.byteLength
  const forkedAt = h.forkedAt ?? 0
  view.setUint32(o, Math.floor(forkedAt / 2 ** 32))
  view.setUint32(o + 4, forkedAt >>> 0)
  return new Uint8Array(hash('sha256', buf, 'buffer'))
}

/**
 * Our heads' ids between exchanges: most heads do not move in 30 s, so an
 * exchange hashes only those that did. Bounded: past `max` authors it starts
 * over. Only for our own heads (a peer's head is never hashed here).
 */
export class HeadIdCache {
  private readonly map = new Map<string, { seq: number, forkedAt: number, hash: Uint8Array, id: Uint8Array }>()
  constructor (private readonly max = 1 << 20) {}

  id (h: WireHead): Uint8Array {
    const key = hex(h.author)
    const forkedAt = h.forkedAt ?? 0
    const c = this.map.get(key)
    if (c !== undefined && c.seq === h.seq && c.forkedAt === forkedAt && Buffer.compare(c.hash, h.hash) === 0) {
      return c.id
    }
    const id = headItemId(h)
    if (this.map.size >= this.max) this.map.clear()
    this.map.set(key, { seq: h.seq, forkedAt, hash: h.hash, id })
    return id
  }
}

/** A heads vector as a reconcilable set: item timestamp = the head's seq, so items spread over seqs. */
export class HeadSet {
  readonly byId = new Map<string, WireHead>()
  readonly items: SortedItems

  constructor (heads: Iterable<WireHead>, idOf: (h: WireHead) => Uint8Array = headItemId) {
    const items: Item[] = []
    for (const h of heads) {
      const id = idOf(h)
      const key = hex(id)
      if (this.byId.has(key)) continue
      this.byId.set(key, h)
      items.push({ timestamp: h.seq, id })
    }
    this.items = new SortedItems(items)
  }

  get size (): number {
    return this.byId.size
  }

  /** The peer's vector: ours, less what it lacks, plus what only it has. */
  theirs (weOnly: ReadonlySet<string>, theyOnly: readonly WireHead[]): WireHead[] {
    const out: WireHead[] = []
    for (const [k, h] of this.byId) if (!weOnly.has(k)) out.push(h)
    return [...out, ...theyOnly]
  }
}

export interface ReconciledHeads {
  /** heads only the peer has (it sent them): what planPulls needs */
  theirOnly: WireHead[]
  /** the peer's whole vector, rebuilt (diagnostics) */
  theirs: WireHead[]
  rounds: number
}

function asReplicationError (err: unknown): unknown {
  if (err instanceof ReconcileError) return new ReplicationError('bad_message', `reconcile: ${err.message}`)
  return err
}

async function expectOne (f: Framed, signal: AbortSignal): Promise<SyncMessage> {
  const m = await f.recv(signal)
  if (m === undefined) throw new ReplicationError('bad_message', 'the peer closed the stream during the heads exchange')
  if (m.type === 'error') throw new ReplicationError(m.code, `the peer refused: ${m.message}`)
  return m
}

async function sendHeadList (f: Framed, heads: WireHead[], signal: AbortSignal): Promise<void> {
  for (let i = 0; i === 0 || i < heads.length; i += MAX_HEADS_PER_MESSAGE) {
    await f.send({
      type: 'heads',
      heads: heads.slice(i, i + MAX_HEADS_PER_MESSAGE),
      more: i + MAX_HEADS_PER_MESSAGE < heads.length
    }, signal)
  }
}

/** Reads HEADS until more = false, each head checked by `accept` (which throws on a head the peer may not send). */
async function recvHeadList (
  f: Framed,
  signal: AbortSignal,
  first: SyncMessage | undefined,
  accept: (h: WireHead) => void
): Promise<WireHead[]> {
  const out: WireHead[] = []
  for (let m = first ?? await expectOne(f, signal);; m = await expectOne(f, signal)) {
    if (m.type !== 'heads') throw new ReplicationError('bad_message', `expected heads, got ${m.type}`)
    if (out.length + m.heads.length > MAX_HEADS_TOTAL) {
      throw new ReplicationError('too_many_heads', `more than ${MAX_HEADS_TOTAL} heads`)
    }
    for (const h of m.heads) accept(h)
    out.push(...m.heads)
    if (!m.more) return out
  }
}

/**
 * The initiator's heads exchange on /kiez/sync/2.1.0: reconcile the two sets
 * of head ids, then send the heads the peer lacks (HEADS) and ask for those we
 * lack (GET_HEADS), which it answers with HEADS. Each side learns the other's
 * differing heads and nothing else; the catch-up plan runs on them unchanged.
 */
export async function reconcileHeadsInitiator (
  f: Framed,
  ours: HeadSet,
  signal: AbortSignal
): Promise<ReconciledHeads> {
  const neg = new Negentropy(ours.items, RECONCILE_FRAME_LIMIT, { idListBelow: RECONCILE_ID_LIST_BELOW })
  const have = new Set<string>()
  const need = new Map<string, Uint8Array>()
  let rounds = 0
  try {
    for (let msg: Uint8Array | null = neg.initiate(); msg !== null;) {
      if (++rounds > MAX_RECONCILE_ROUNDS) {
        throw new ReplicationError('bad_message', `reconciliation over ${MAX_RECONCILE_ROUNDS} rounds`)
      }
      await f.send({ type: 'reconcile', message: msg }, signal)
      const m = await expectOne(f, signal)
      if (m.type !== 'reconcile') throw new ReplicationError('bad_message', `expected reconcile, got ${m.type}`)
      const r = neg.reconcile(m.message)
      // Bounded as a HEADS exchange is: what does not fit now is found by the next one.
      for (const id of r.have) if (have.size < MAX_HEADS_TOTAL) have.add(hex(id))
      for (const id of r.need) if (need.size < MAX_HEADS_TOTAL) need.set(hex(id), id)
      msg = r.output
    }
  } catch (err) {
    throw asReplicationError(err)
  }
  const mine: WireHead[] = []
  for (const k of have) {
    const h = ours.byId.get(k)
    if (h !== undefined) mine.push(h)
  }
  await sendHeadList(f, mine, signal)
  const ids = [...need.values()]
  for (let i = 0; i === 0 || i < ids.length; i += MAX_HEADS_PER_MESSAGE) {
    await f.send({
      type: 'getHeads',
      ids: ids.slice(i, i + MAX_HEADS_PER_MESSAGE),
      more: i + MAX_HEADS_PER_MESSAGE < ids.length
    }, signal)
  }
  const asked = new Set(need.keys())
  const theirOnly = await recvHeadList(f, signal, undefined, (h) => {
    // Only the heads asked for, each once: the id binds author, seq, hash and fork mark.
    if (!asked.delete(hex(headItemId(h)))) throw new ReplicationError('bad_message', 'a head that was not asked for')
  })
  return { theirOnly, theirs: ours.theirs(have, theirOnly), rounds }
}

/**
 * The responder's side, from the first RECONCILE (`first`) to the HEADS it
 * sends last. Returns the initiator's rebuilt vector.
 */
export async function reconcileHeadsResponder (
  f: Framed,
  ours: HeadSet,
  first: Extract<SyncMessage, { type: 'reconcile' }>,
  signal: AbortSignal
): Promise<ReconciledHeads> {
  const neg = new Negentropy(ours.items, RECONCILE_FRAME_LIMIT, { idListBelow: RECONCILE_ID_LIST_BELOW })
  let rounds = 0
  let m: SyncMessage = first
  try {
    for (; m.type === 'reconcile'; m = await expectOne(f, signal)) {
      if (++rounds > MAX_RECONCILE_ROUNDS) {
        throw new ReplicationError('bad_message', `reconciliation over ${MAX_RECONCILE_ROUNDS} rounds`)
      }
      const out = neg.reconcile(m.message).output
      if (out === null) throw new ReplicationError('internal', 'a responder always answers')
      await f.send({ type: 'reconcile', message: out }, signal)
    }
  } catch (err) {
    throw asReplicationError(err)
  }
  const seen = new Set<string>()
  const theirOnly = await recvHeadList(f, signal, m, (h) => {
    const k = hex(headItemId(h))
    // A head we hold too is not one we lack: a peer that says so does not follow the protocol.
    if (ours.byId.has(k) || seen.has(k)) {
      throw new ReplicationError('bad_message', 'a head the reconciliation did not find missing')
    }
    seen.add(k)
  })
  const asked: WireHead[] = []
  const weOnly = new Set<string>()
  for (let g = await expectOne(f, signal);; g = await expectOne(f, signal)) {
    if (g.type !== 'getHeads') throw new ReplicationError('bad_message', `expected getHeads, got ${g.type}`)
    if (weOnly.size + g.ids.length > MAX_HEADS_TOTAL) {
      throw new ReplicationError('too_many_heads', `more than ${MAX_HEADS_TOTAL} heads asked`)
    }
    for (const id of g.ids) {
      const k = hex(id)
      const h = ours.byId.get(k)
      if (h === undefined || weOnly.has(k)) {
        throw new ReplicationError('bad_message', 'getHeads for an id we did not offer')
      }
      weOnly.add(k)
      asked.push(h)
    }
    if (!g.more) break
  }
  await sendHeadList(f, asked, signal)
  return { theirOnly, theirs: ours.theirs(weOnly, theirOnly), rounds }
}
