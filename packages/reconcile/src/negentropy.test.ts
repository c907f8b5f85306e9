import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  encodeVarint,
  Negentropy,
  PROTOCOL_VERSION,
  ReconcileError,
  reconcileInMemory,
  SortedItems,
  type Item
} from './index.js'

const OPTS = { frameSizeLimit: 64 * 1024, maxRounds: 64 }
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const idOf = (n: number): Uint8Array => new Uint8Array(createHash('sha256').update(`item ${n}`).digest())
const item = (n: number, timestamp = n): Item => ({ timestamp, id: idOf(n) })

describe('varint', () => {
  it('is most significant group first', () => {
    expect([...encodeVarint(0)]).toEqual([0])
    expect([...encodeVarint(127)]).toEqual([0x7f])
    expect([...encodeVarint(128)]).toEqual([0x81, 0x00])
    expect([...encodeVarint(16384)]).toEqual([0x81, 0x80, 0x00])
  })
})

describe('negentropy V1', () => {
  it('two equal sets: one fingerprint message, a one-byte answer, done', () => {
    const items = Array.from({ length: 1000 }, (_, i) => item(i))
    const r = reconcileInMemory(new SortedItems(items), new SortedItems(items), OPTS)
    expect(r.have).toEqual([])
    expect(r.need).toEqual([])
    expect(r.rounds).toBe(1)
    expect(r.bytesIn).toBe(1) // the responder's answer is the version byte alone: every range skipped
    expect(r.bytesOut).toBeLessThan(400)
  })

  it('finds one difference each way in a large set', () => {
    const common = Array.from({ length: 20000 }, (_, i) => item(i))
    const r = reconcileInMemory(
      new SortedItems([...common, item(-1, 5)]),
      new SortedItems([...common, item(-2, 7)]),
      OPTS
    )
    expect(r.have.map(hexOf)).toEqual([hexOf(idOf(-1))])
    expect(r.need.map(hexOf)).toEqual([hexOf(idOf(-2))])
  })

  it('empty against full fits in several frames under the limit', () => {
    const all = Array.from({ length: 5000 }, (_, i) => item(i))
    const small = { frameSizeLimit: 4096, maxRounds: 200 }
    const a = new Negentropy(new SortedItems([]), small.frameSizeLimit)
    const b = new Negentropy(new SortedItems(all), small.frameSizeLimit)
    const need = new Set<string>()
    let rounds = 0
    for (let msg: Uint8Array | null = a.initiate(); msg !== null; rounds++) {
      expect(msg.byteLength).toBeLessThanOrEqual(small.frameSizeLimit)
      const answer = b.reconcile(msg).output as Uint8Array
      expect(answer.byteLength).toBeLessThanOrEqual(small.frameSizeLimit)
      const r = a.reconcile(answer)
      for (const id of r.need) need.add(hexOf(id))
      msg = r.output
    }
    expect(need.size).toBe(5000)
    expect(rounds).toBeGreaterThan(1)
  })

  it('the first message of a small set, byte for byte (docs/SYNC.md §7)', () => {
    const items = [item(1, 1), item(2, 1), item(3, 2)]
    const msg = new Negentropy(new SortedItems(items), 4096).initiate()
    // 61 version; bound: 00 (timestamp infinity) 00 (no id prefix); 02 IdList; 03 count; then the three ids sorted
    const sorted = [items[0], items[1]].map((i) => i!.id).sort(Buffer.compare)
    expect(hexOf(msg)).toBe('6100000203' + sorted.map(hexOf).join('') + hexOf(idOf(3)))
  })

  it('the vector in docs/SYNC.md §3.7, byte for byte', () => {
    const ids = [1, 2, 3].map((b) => new Uint8Array(32).fill(b))
    const set = new SortedItems([{ timestamp: 2, id: ids[2]! }, { timestamp: 1, id: ids[1]! }, {
      timestamp: 1,
      id: ids[0]!
    }])
    const initiator = new Negentropy(set, 4096)
    const first = initiator.initiate()
    expect(hexOf(first)).toBe('6100000203' + '01'.repeat(32) + '02'.repeat(32) + '03'.repeat(32))
    // a responder answers an IdList with its own ids in the range: holding the same three, the same bytes
    const answer = new Negentropy(set, 4096).reconcile(first).output!
    expect(hexOf(answer)).toBe(hexOf(first))
    // and the initiator, finding no difference, is done
    expect(initiator.reconcile(answer)).toEqual({ output: null, have: [], need: [] })
    // 40 items (timestamps 0..39): 16 fingerprint buckets of 3, 3, 3, 3, 3, 3, 3, 3, 2, …; the first bound is
    // timestamp 3 (varint 3 + 1 = 04, no id prefix 00), mode 01, 16 bytes of fingerprint
    const forty = new SortedItems(
      Array.from({ length: 40 }, (_, i) => ({ timestamp: i, id: new Uint8Array(32).fill(i) }))
    )
    const m = new Negentropy(forty, 4096).initiate()
    expect(hexOf(m.subarray(0, 4))).toBe('61040001')
    expect(hexOf(m.subarray(4, 20))).toBe(hexOf(forty.fingerprint(0, 3)))
    expect(m.byteLength).toBe(1 + 16 * (3 + 16))
  })

  it('a fingerprint is sha256(sum mod 2^256 ‖ varint(count))[0..16]', () => {
    const ones = new Uint8Array(32).fill(0xff)
    const one = new Uint8Array(32)
    one[0] = 1
    const s = new SortedItems([{ timestamp: 0, id: ones }, { timestamp: 1, id: one }])
    // 0xff…ff + 1 = 0 mod 2^256
    const want = createHash('sha256').update(new Uint8Array(32)).update(Uint8Array.of(2)).digest().subarray(0, 16)
    expect(hexOf(s.fingerprint(0, 2))).toBe(hexOf(want))
  })

  it('refuses malformed messages with bad_message', () => {
    const bad = [
      Uint8Array.of(),
      Uint8Array.of(0x01),
      Uint8Array.of(0x61, 0x00),
      Uint8Array.of(0x61, 0x00, 0x21), // id prefix over 32 bytes
      Uint8Array.of(0x61, 0x00, 0x00, 0x07), // unknown mode
      Uint8Array.of(0x61, 0x00, 0x00, 0x01, 0x00), // fingerprint cut short
      Uint8Array.of(0x61, 0x00, 0x00, 0x02, 0x05), // id list longer than the message
      Uint8Array.of(0x61, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), // varint over 8 bytes
      Uint8Array.of(0x61, 0x05, 0x01, 0x05, 0x00, 0x01, 0x01, 0x01, 0x00) // second bound (4, 01…) below the first (4, 05…)
    ]
    for (const m of bad) {
      let err: unknown
      try {
        new Negentropy(new SortedItems([item(1)]), 4096).reconcile(m)
      } catch (e) {
        err = e
      }
      expect(err, hexOf(m)).toBeInstanceOf(ReconcileError)
      expect((err as ReconcileError).code).toBe('bad_message')
    }
  })

  it('a responder answers another version with its own version byte; an initiator refuses it', () => {
    const r = new Negentropy(new SortedItems([]), 4096).reconcile(Uint8Array.of(0x62, 0x00, 0x00, 0x00))
    expect([...(r.output as Uint8Array)]).toEqual([PROTOCOL_VERSION])
    const a = new Negentropy(new SortedItems([]), 4096)
    a.initiate()
    expect(() => a.reconcile(Uint8Array.of(0x60))).toThrow(/negentropy 0x60/)
  })

  it('property: two random sets reconcile to their exact difference', () => {
    // an item's timestamp is a function of its id (as a head's seq is of its head id); few timestamps, so many ties
    const arbItems = fc.uniqueArray(
      fc.integer({ min: 0, max: 3000 }).map((n) => ({ n, t: (n * 7919) % 13 })),
      {
        selector: (x) => x.n,
        maxLength: 600
      }
    )
    fc.assert(
      fc.property(
        arbItems,
        arbItems,
        arbItems,
        fc.constantFrom(4096, 65536),
        fc.constantFrom(2, 8, 32),
        fc.constantFrom(2, 8, 32),
        (shared, onlyA, onlyB, limit, leafA, leafB) => {
          const sharedSet = new Set(shared.map((x) => x.n))
          const a = [...shared, ...onlyA.filter((x) => !sharedSet.has(x.n))]
          const aSet = new Set(a.map((x) => x.n))
          const b = [...shared, ...onlyB.filter((x) => !sharedSet.has(x.n))]
          const bSet = new Set(b.map((x) => x.n))
          const r = reconcileInMemory(
            new SortedItems(a.map((x) => item(x.n, x.t))),
            new SortedItems(b.map((x) => item(x.n, x.t))),
            // each side's leaf size is its own choice: different ones must interoperate
            { frameSizeLimit: limit, maxRounds: 500, idListBelow: leafA, responderIdListBelow: leafB }
          )
          const want = (xs: typeof a, other: Set<number>): string[] =>
            xs.filter((x) => !other.has(x.n)).map((x) => hexOf(idOf(x.n))).sort()
          expect([...new Set(r.have.map(hexOf))].sort()).toEqual(want(a, bSet))
          expect([...new Set(r.need.map(hexOf))].sort()).toEqual(want(b, aSet))
        }
      ),
      { numRuns: 100 }
    )
  })
})
