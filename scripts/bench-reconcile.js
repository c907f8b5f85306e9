// npm run bench:reconcile — bytes of one heads exchange at 100 000 authors (issue 17 §2):
// `/kiez/sync/2.1.0` (set reconciliation, docs/SYNC.md §3.7) against the 2.0.0 full HEADS exchange.
// Runs the real exchange code (reconcileHeadsInitiator / reconcileHeadsResponder, the real message
// encoder and strict decoder) over an in-memory pair of framed streams that counts every byte a
// stream would carry: each frame's body and its varint length prefix (libp2p's own stream, Noise
// and Yamux framing are not counted, as in the 2.0.0 figure beside it).
// Prints one JSON line per figure ({"metric", "value", "unit"}), progress on stderr. Also run by
// `npm run bench:mesh -- --only=reconcile`.
import { createHash } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import {
  decodeMessage,
  encodeMessage,
  HeadIdCache,
  HeadSet,
  MAX_HEADS_PER_MESSAGE,
  reconcileHeadsInitiator,
  reconcileHeadsResponder
} from '@kiez/replication'
import { emit, progress } from './bench-common.js'

const AUTHORS = 100_000

const prefixBytes = (n) => {
  let b = 1
  while (n >= 128) {
    n = Math.floor(n / 128)
    b++
  }
  return b
}

/** Two ends of an in-memory sync stream with Framed's send/recv, counting bytes on the wire. */
function pipe () {
  const ends = [0, 1].map(() => ({ queue: [], waiting: undefined, bytesIn: 0, bytesOut: 0, frames: 0 }))
  const make = (me, other) => ({
    get bytesIn () {
      return me.bytesIn
    },
    get bytesOut () {
      return me.bytesOut
    },
    async send (m) {
      const body = encodeMessage(m)
      me.bytesOut += body.byteLength
      me.wire = (me.wire ?? 0) + body.byteLength + prefixBytes(body.byteLength)
      me.frames++
      other.queue.push(body)
      other.waiting?.()
    },
    async recv () {
      while (me.queue.length === 0) await new Promise((resolve) => (me.waiting = resolve))
      const body = me.queue.shift()
      me.bytesIn += body.byteLength
      return decodeMessage(body)
    }
  })
  return {
    a: make(ends[0], ends[1]),
    b: make(ends[1], ends[0]),
    wire: () => (ends[0].wire ?? 0) + (ends[1].wire ?? 0),
    frames: () => ends[0].frames + ends[1].frames
  }
}

const sha = (...parts) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** n synthetic heads: author i, seq 1..50, a hash, a timestamp (as a box that knows its heads' times sends). */
function heads (n) {
  const out = []
  for (let i = 0; i < n; i++) {
    const author = sha('author', String(i))
    const seq = 1 + (i % 50)
    out.push({ author, seq, hash: sha('entry', String(i), String(seq)), timestamp: 1_765_000_000_000 + i })
  }
  return out
}

/** `d` authors one entry ahead on the second box. */
function ahead (base, d) {
  return base.map((h, i) => i < d ? { ...h, seq: h.seq + 1, hash: sha('entry', String(i), String(h.seq + 1)) } : h)
}

async function exchange (aHeads, bHeads, caches) {
  const p = pipe()
  const t = performance.now()
  const signal = AbortSignal.timeout(120_000)
  const idOf = (c) => c === undefined ? undefined : (h) => c.id(h)
  const [ra] = await Promise.all([
    reconcileHeadsInitiator(p.a, new HeadSet(aHeads, idOf(caches?.[0])), signal),
    (async () => reconcileHeadsResponder(p.b, new HeadSet(bHeads, idOf(caches?.[1])), await p.b.recv(), signal))()
  ])
  return {
    bytes: p.wire(),
    frames: p.frames(),
    rounds: ra.rounds,
    ms: performance.now() - t,
    theirOnly: ra.theirOnly.length
  }
}

/** The 2.0.0 exchange: every head both ways, in HEADS of ≤ 4 096. */
function fullExchangeBytes (list) {
  let bytes = 0
  for (let i = 0; i === 0 || i < list.length; i += MAX_HEADS_PER_MESSAGE) {
    const body = encodeMessage({
      type: 'heads',
      heads: list.slice(i, i + MAX_HEADS_PER_MESSAGE),
      more: i + MAX_HEADS_PER_MESSAGE < list.length
    })
    bytes += body.byteLength + prefixBytes(body.byteLength)
  }
  return 2 * bytes
}

export async function benchReconcile () {
  progress(`heads exchange: ${AUTHORS} authors`)
  const base = heads(AUTHORS)
  const idle = await exchange(base, base)
  emit('heads_exchange_bytes_idle', idle.bytes, 'bytes')
  emit('heads_exchange_frames_idle', idle.frames, 'frames')
  emit('heads_exchange_ms_idle', idle.ms, 'ms')
  // As a box runs it: each side keeps its heads' ids between exchanges (HeadIdCache); the second exchange re-hashes nothing.
  const caches = [new HeadIdCache(), new HeadIdCache()]
  await exchange(base, base, caches)
  emit('heads_exchange_ms_idle_cached', (await exchange(base, base, caches)).ms, 'ms')
  for (const d of [1, 100, 1000]) {
    const r = await exchange(base, ahead(base, d))
    if (r.theirOnly !== d) throw new Error(`expected ${d} differing heads, got ${r.theirOnly}`)
    emit(`heads_exchange_bytes_diff_${d}`, r.bytes, 'bytes')
    emit(`heads_exchange_rounds_diff_${d}`, r.rounds, 'rounds')
  }
  emit('heads_exchange_bytes_full_v2_0', fullExchangeBytes(base), 'bytes')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchReconcile()
