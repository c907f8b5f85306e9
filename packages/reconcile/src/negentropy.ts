import { ReconcileError } from './errors.js'
import {
  compareItems,
  FINGERPRINT_BYTES,
  ID_BYTES,
  MAX_TIMESTAMP,
  type Bound,
  type Item,
  type ReconcileStorage
} from './storage.js'
import { encodeVarint, Reader, Writer } from './varint.js'

/** Negentropy protocol V1 (hoytech/negentropy docs/negentropy-protocol-v1.md, NIP-77). */
export const PROTOCOL_VERSION = 0x61

export const Mode = { Skip: 0, Fingerprint: 1, IdList: 2 } as const

/** The spec's minimum frame size limit; 0 means none (not allowed here: every frame is bounded). */
export const MIN_FRAME_SIZE_LIMIT = 4096
/** Room kept under the limit for the closing "rest of the set" fingerprint range (as the reference does). */
const FRAME_SLACK = 200
const BUCKETS = 16
/** The reference sends a range of fewer than 32 items as an IdList (2 × BUCKETS); smaller leaves trade a round for bytes. */
export const DEFAULT_ID_LIST_BELOW = BUCKETS * 2

export interface NegentropyOptions {
  /**
   * A range of fewer items than this is sent as an IdList, else split into
   * up to 16 fingerprinted buckets. A sender's choice, not part of the wire
   * format: peers with different values interoperate.
   *
   * @default 32
   */
  idListBelow?: number
}

export interface ReconcileResult {
  /** the next message to send, or null (initiator only) when reconciliation is complete */
  output: Uint8Array | null
  /** initiator only: ids we hold that the peer lacks */
  have: Uint8Array[]
  /** initiator only: ids the peer holds that we lack */
  need: Uint8Array[]
}

/** Per-message delta state of bound timestamps. */
class Deltas {
  lastIn = 0
  lastOut = 0
}

/**
 * One side of a reconciliation. The initiator calls `initiate()` and feeds
 * every answer to `reconcile()` until it returns a null output; the responder
 * answers each message it receives with `reconcile()`'s output. Every message
 * from the peer is parsed strictly; a malformed one throws ReconcileError.
 * The number of rounds is the caller's to bound.
 */
export class Negentropy {
  private initiator = false
  private started = false

  private readonly idListBelow: number

  constructor (
    private readonly storage: ReconcileStorage,
    readonly frameSizeLimit: number,
    opts: NegentropyOptions = {}
  ) {
    this.idListBelow = Math.max(2, opts.idListBelow ?? DEFAULT_ID_LIST_BELOW)
    if (!Number.isSafeInteger(frameSizeLimit) || frameSizeLimit < MIN_FRAME_SIZE_LIMIT) {
      throw new ReconcileError('bad_state', `frameSizeLimit must be at least ${MIN_FRAME_SIZE_LIMIT}`)
    }
  }

  initiate (): Uint8Array {
    if (this.started) throw new ReconcileError('bad_state', 'initiate once, before any reconcile')
    this.started = true
    this.initiator = true
    const out = new Writer()
    out.push([PROTOCOL_VERSION])
    this.splitRange(0, this.storage.size(), { timestamp: MAX_TIMESTAMP, id: new Uint8Array(0) }, out, new Deltas())
    return out.bytes()
  }

  reconcile (query: Uint8Array): ReconcileResult {
    if (this.initiator !== this.started) throw new ReconcileError('bad_state', 'a responder must not initiate')
    const have: Uint8Array[] = []
    const need: Uint8Array[] = []
    const full = new Writer()
    full.push([PROTOCOL_VERSION])
    const q = new Reader(query)
    const version = q.byte()
    if (version < 0x60 || version > 0x6f) {
      throw new ReconcileError('bad_message', `not a negentropy message (first byte ${version})`)
    }
    if (version !== PROTOCOL_VERSION) {
      if (this.initiator) {
        throw new ReconcileError('unsupported_version', `the peer speaks negentropy 0x${version.toString(16)}`)
      }
      // A responder answers its own version alone, as the spec says, so the initiator can tell.
      return { output: full.bytes(), have, need }
    }
    const size = this.storage.size()
    const st = new Deltas()
    let prevBound: Bound = { timestamp: 0, id: new Uint8Array(0) }
    let prevIndex = 0
    let skip = false
    while (q.remaining > 0) {
      const o = new Writer()
      const doSkip = (): void => {
        if (!skip) return
        skip = false
        o.push(encodeBound(prevBound, st))
        o.push(encodeVarint(Mode.Skip))
      }
      const currBound = decodeBound(q, st)
      if (compareItems(currBound, prevBound) < 0) throw new ReconcileError('bad_message', 'ranges out of order')
      const mode = q.varint()
      const lower = prevIndex
      let upper = this.storage.findLowerBound(prevIndex, size, currBound)
      if (mode === Mode.Skip) {
        skip = true
      } else if (mode === Mode.Fingerprint) {
        const theirs = q.bytes(FINGERPRINT_BYTES)
        const ours = this.storage.fingerprint(lower, upper)
        if (Buffer.compare(theirs, ours) !== 0) {
          doSkip()
          this.splitRange(lower, upper, currBound, o, st)
        } else {
          skip = true
        }
      } else if (mode === Mode.IdList) {
        const n = q.varint()
        if (n * ID_BYTES > q.remaining) {
          throw new ReconcileError('bad_message', `id list of ${n} longer than the message`)
        }
        if (this.initiator) {
          const theirs = new Map<string, Uint8Array>()
          for (let i = 0; i < n; i++) {
            const id = q.bytes(ID_BYTES)
            theirs.set(Buffer.from(id).toString('hex'), id)
          }
          skip = true
          for (let i = lower; i < upper; i++) {
            const id = this.storage.item(i).id
            const k = Buffer.from(id).toString('hex')
            if (theirs.has(k)) theirs.delete(k)
            else have.push(id)
          }
          for (const id of theirs.values()) need.push(id.slice())
        } else {
          q.bytes(n * ID_BYTES) // a responder answers with its own list; it learns nothing from the initiator's
          doSkip()
          const ids = new Writer()
          let count = 0
          let endBound = currBound
          for (let i = lower; i < upper; i++) {
            if (this.exceeded(full.length + ids.length)) {
              endBound = this.storage.item(i)
              upper = i // the rest of the range goes into the closing fingerprint
              break
            }
            ids.push(this.storage.item(i).id)
            count++
          }
          o.push(encodeBound(endBound, st))
          o.push(encodeVarint(Mode.IdList))
          o.push(encodeVarint(count))
          o.push(ids.bytes())
          full.push(o.bytes())
          o.length = 0
        }
      } else {
        throw new ReconcileError('bad_message', `unknown range mode ${mode}`)
      }
      if (this.exceeded(full.length + o.length)) {
        // Over the frame limit: stop here and send one fingerprint for everything not yet covered.
        const rest = this.storage.fingerprint(upper, size)
        full.push(encodeBound({ timestamp: MAX_TIMESTAMP, id: new Uint8Array(0) }, st))
        full.push(encodeVarint(Mode.Fingerprint))
        full.push(rest)
        break
      }
      full.push(o.bytes())
      prevIndex = upper
      prevBound = currBound
    }
    const output = full.length === 1 && this.initiator ? null : full.bytes()
    return { output, have, need }
  }

  private exceeded (n: number): boolean {
    return n > this.frameSizeLimit - FRAME_SLACK
  }

  private splitRange (lower: number, upper: number, upperBound: Bound, o: Writer, st: Deltas): void {
    const n = upper - lower
    if (n < this.idListBelow) {
      o.push(encodeBound(upperBound, st))
      o.push(encodeVarint(Mode.IdList))
      o.push(encodeVarint(n))
      for (let i = lower; i < upper; i++) o.push(this.storage.item(i).id)
      return
    }
    const buckets = Math.min(BUCKETS, n)
    const per = Math.floor(n / buckets)
    const extra = n % buckets
    let curr = lower
    for (let b = 0; b < buckets; b++) {
      const size = per + (b < extra ? 1 : 0)
      const fp = this.storage.fingerprint(curr, curr + size)
      curr += size
      const next = curr === upper ? upperBound : minimalBound(this.storage.item(curr - 1), this.storage.item(curr))
      o.push(encodeBound(next, st))
      o.push(encodeVarint(Mode.Fingerprint))
      o.push(fp)
    }
  }
}

/** The shortest bound that separates two adjacent items. */
export function minimalBound (prev: Item, curr: Item): Bound {
  if (curr.timestamp !== prev.timestamp) return { timestamp: curr.timestamp, id: new Uint8Array(0) }
  let shared = 0
  while (shared < ID_BYTES && curr.id[shared] === prev.id[shared]) shared++
  return { timestamp: curr.timestamp, id: curr.id.slice(0, shared + 1) }
}

function encodeBound (b: Bound, st: Deltas): Uint8Array {
  const w = new Writer()
  if (b.timestamp === MAX_TIMESTAMP) {
    st.lastOut = MAX_TIMESTAMP
    w.push(encodeVarint(0))
  } else {
    const delta = b.timestamp - st.lastOut
    st.lastOut = b.timestamp
    w.push(encodeVarint(delta + 1))
  }
  w.push(encodeVarint(b.id.byteLength))
  w.push(b.id)
  return w.bytes()
}

function decodeBound (q: Reader, st: Deltas): Bound {
  const raw = q.varint()
  let timestamp: number
  if (raw === 0 || st.lastIn === MAX_TIMESTAMP) {
    timestamp = MAX_TIMESTAMP
  } else {
    timestamp = raw - 1 + st.lastIn
    if (!Number.isSafeInteger(timestamp)) throw new ReconcileError('bad_message', 'bound timestamp beyond 2^53 - 1')
  }
  st.lastIn = timestamp
  const len = q.varint()
  if (len > ID_BYTES) throw new ReconcileError('bad_message', `bound id prefix of ${len} bytes (at most ${ID_BYTES})`)
  return { timestamp, id: q.bytes(len) }
}
