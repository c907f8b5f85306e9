import { createHash } from 'node:crypto'
import { ReconcileError } from './errors.js'
import { compareBytes, encodeVarint } from './varint.js'

export const ID_BYTES = 32
export const FINGERPRINT_BYTES = 16
/** The "infinity" timestamp of a bound (encoded as 0 on the wire). */
export const MAX_TIMESTAMP = Number.POSITIVE_INFINITY

/** One item of the set: `timestamp` a safe unsigned integer, `id` 32 bytes. Sorted by (timestamp, id). */
export interface Item {
  timestamp: number
  id: Uint8Array
}

/** A range boundary: items strictly below it precede it. `id` is a prefix (0..32 bytes), zero-padded when compared. */
export interface Bound {
  timestamp: number
  id: Uint8Array
}

/**
 * A read-only view of the sorted item set, by index. The in-memory
 * `SortedItems` implements it; a LevelDB-backed view (an index keyed by
 * timestamp ‖ id, with cached fingerprints) can implement the same five
 * methods later without touching the engine.
 */
export interface ReconcileStorage {
  size: () => number
  item: (i: number) => Item
  /** the first index in [first, last) whose item is ≥ bound, else last */
  findLowerBound: (first: number, last: number, bound: Bound) => number
  /** the 16-byte negentropy fingerprint of items [begin, end) */
  fingerprint: (begin: number, end: number) => Uint8Array
}

/** (timestamp, id) order; a bound's short id compares as if zero-padded to 32 bytes. */
export function compareItems (a: Bound, b: Bound): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1
  return comparePadded(a.id, b.id)
}

function comparePadded (a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (x !== y) return x - y
  }
  return 0
}

/** The spec's fingerprint: sha256(sum of ids as 256-bit little-endian integers mod 2^256 ‖ varint(count))[0..16]. */
export function fingerprintOf (sum: Uint8Array, count: number): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update(sum).update(encodeVarint(count)).digest().subarray(0, FINGERPRINT_BYTES)
  )
}

/** Adds a 32-byte id into a 32-byte little-endian accumulator, mod 2^256. */
export function addId (acc: Uint8Array, id: Uint8Array, offset = 0): void {
  let carry = 0
  for (let i = 0; i < ID_BYTES; i++) {
    const s = (acc[i] as number) + (id[offset + i] as number) + carry
    acc[i] = s & 0xff
    carry = s >>> 8
  }
}

/** A sorted, sealed in-memory item set: timestamps in a Float64Array, ids packed in one buffer. */
export class SortedItems implements ReconcileStorage {
  private readonly timestamps: Float64Array
  private readonly ids: Uint8Array

  /** Sorts a copy of `items`; refuses duplicates, ids not 32 bytes long, timestamps that are not safe unsigned integers. */
  constructor (items: Iterable<Item>) {
    const list = [...items]
    for (const it of list) {
      if (it.id.byteLength !== ID_BYTES) throw new ReconcileError('bad_items', `an id must be ${ID_BYTES} bytes`)
      if (!Number.isSafeInteger(it.timestamp) || it.timestamp < 0) {
        throw new ReconcileError('bad_items', 'a timestamp must be a safe unsigned integer')
      }
    }
    list.sort((a, b) => a.timestamp - b.timestamp || compareBytes(a.id, b.id))
    this.timestamps = new Float64Array(list.length)
    this.ids = new Uint8Array(list.length * ID_BYTES)
    list.forEach((it, i) => {
      const prev = list[i - 1]
      if (prev !== undefined && prev.timestamp === it.timestamp && compareBytes(prev.id, it.id) === 0) {
        throw new ReconcileError('bad_items', 'duplicate item')
      }
      this.timestamps[i] = it.timestamp
      this.ids.set(it.id, i * ID_BYTES)
    })
  }

  size (): number {
    return this.timestamps.length
  }

  item (i: number): Item {
    return { timestamp: this.timestamps[i] as number, id: this.ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES) }
  }

  findLowerBound (first: number, last: number, bound: Bound): number {
    let lo = first
    let hi = last
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareItems(this.item(mid), bound) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  fingerprint (begin: number, end: number): Uint8Array {
    const acc = new Uint8Array(ID_BYTES)
    for (let i = begin; i < end; i++) addId(acc, this.ids, i * ID_BYTES)
    return fingerprintOf(acc, end - begin)
  }
}
