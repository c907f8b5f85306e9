import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createEntry, MAX_ENTRY_BYTES, MAX_PAYLOAD_BYTES, signerFromSeed, type Entry } from '@kiez/feed'
import { encode } from 'cborg'
import { describe, expect, it } from 'vitest'
import { Announcer } from './announcer.js'
import { syncExample } from './example.js'
import { decodeGossip, encodeGossip } from './gossip.js'
import {
  decodeMessage,
  encodeMessage,
  MAX_FORK_PROOF_BYTES,
  MAX_GOSSIP_BYTES,
  MAX_HEADS_PER_MESSAGE,
  MAX_PAYLOAD_HASHES,
  ReplicationError,
  diffHeads,
  planPulls,
  type SyncMessage,
  type WireHead
} from './index.js'
import { TokenBucket } from '@kiez/rate'
import { pace } from './pace.js'
import { hex } from './util.js'

const A = new Uint8Array(32).fill(1)
const B = new Uint8Array(32).fill(2)
const H = new Uint8Array(32).fill(9)

function codeOf (f: () => unknown): string | undefined {
  try {
    f()
  } catch (err) {
    return err instanceof ReplicationError ? err.code : 'other'
  }
  return undefined
}

describe('sync messages', () => {
  it('round-trips every message type', () => {
    const msgs: SyncMessage[] = [
      {
        type: 'heads',
        heads: [{ author: A, seq: 3, hash: H, forkedAt: 2, timestamp: 5 }, {
          author: B,
          seq: 0,
          hash: new Uint8Array(0)
        }],
        more: true
      },
      { type: 'get', author: A, from: 1, to: 500 },
      {
        type: 'entries',
        author: A,
        items: [{ entry: Uint8Array.of(1, 2, 3), payload: Uint8Array.of(4) }, { entry: H }]
      },
      { type: 'entries', author: A, items: [] },
      { type: 'getPayloads', hashes: [H, H] },
      {
        type: 'payloads',
        payloads: [{ hash: H, payload: Uint8Array.of(9) }, { hash: H }, { hash: H, payload: new Uint8Array(0) }]
      },
      { type: 'getFork', author: A },
      { type: 'fork', author: A, proof: null },
      { type: 'fork', author: A, proof: Uint8Array.of(7) },
      { type: 'error', code: 'busy', message: 'later' }
    ]
    for (const m of msgs) expect(decodeMessage(encodeMessage(m))).toEqual(m)
  })

  it('refuses anything that is not exactly a sync message', () => {
    const cases: unknown[] = [
      'text',
      [],
      [99],
      [1, A, 1],
      [1, A, 0, 3],
      [1, A, 5, 4],
      [1, A.subarray(1), 1, 2],
      [1, A, -1, 2],
      [1, A, 1.5, 2],
      [0, [[A, 1, H, null]], false],
      [0, [[A, 1, H.subarray(1), null, null]], false],
      [0, [], 'no'],
      [2, A, [[new Uint8Array(MAX_ENTRY_BYTES + 1), null]]],
      [2, A, [[Uint8Array.of(1), new Uint8Array(MAX_PAYLOAD_BYTES + 1)]]],
      [2, A, [Uint8Array.of(1)]], // format 1: a bare entry
      [2, A, [[Uint8Array.of(1)]]],
      [2, A, [[new Uint8Array(0), null]]],
      [2, A, [['str', null]]],
      [6, []],
      [6, Array.from({ length: MAX_PAYLOAD_HASHES + 1 }, () => H)],
      [6, [H.subarray(1)]],
      [6, H],
      [7, [[H]]],
      [7, [[H, 'text']]],
      [7, [[H, new Uint8Array(MAX_PAYLOAD_BYTES + 1)]]],
      [7, Array.from({ length: MAX_PAYLOAD_HASHES + 1 }, () => [H, null])],
      [4, A, 'proof'],
      [5, 'busy', 7]
    ]
    for (const c of cases) expect(codeOf(() => decodeMessage(encode(c as any))), JSON.stringify(c)).toBe('bad_message')
    expect(codeOf(() => decodeMessage(Uint8Array.of(0xff)))).toBe('bad_message')
    // non-canonical CBOR (an integer in a longer form than needed) is refused by strict decoding
    expect(codeOf(() => decodeMessage(Uint8Array.of(0x84, 0x01, 0x58, 0x20, ...A, 0x18, 0x01, 0x02)))).toBe(
      'bad_message'
    )
    expect(
      codeOf(() =>
        decodeMessage(
          encode([0, Array.from({ length: MAX_HEADS_PER_MESSAGE + 1 }, () => [A, 1, H, null, null]), false])
        )
      )
    ).toBe('too_many_heads')
  })

  it('keeps an unknown error code from a peer as bad_message', () => {
    expect(decodeMessage(encode([5, 'made_up', 'x']))).toEqual({ type: 'error', code: 'bad_message', message: 'x' })
  })
})

describe('gossip framing', () => {
  it('tags entries (with or without payload) and fork proofs and refuses the rest', () => {
    const e = Uint8Array.of(5, 6)
    const p = new Uint8Array(MAX_PAYLOAD_BYTES).fill(7)
    expect(decodeGossip(encodeGossip({ kind: 'entry', entry: e }))).toEqual({ kind: 'entry', entry: e })
    expect(decodeGossip(encodeGossip({ kind: 'entry', entry: e, payload: p }))).toEqual({
      kind: 'entry',
      entry: e,
      payload: p
    })
    expect(decodeGossip(encodeGossip({ kind: 'forkProof', bytes: e }))).toEqual({ kind: 'forkProof', bytes: e })
    // byte-exact: 0x03, then the CBOR array [entry, payload / null]
    expect(encodeGossip({ kind: 'entry', entry: e })).toEqual(Uint8Array.of(0x03, 0x82, 0x42, 5, 6, 0xf6))
    const biggest = encodeGossip({ kind: 'entry', entry: new Uint8Array(MAX_ENTRY_BYTES), payload: p })
    expect(biggest.byteLength).toBe(MAX_GOSSIP_BYTES)
    expect(decodeGossip(biggest)).toBeDefined()
    const refused = [
      Uint8Array.of(0x03, 1),
      Uint8Array.of(0x01),
      Uint8Array.of(0x01, 0x82, 0x42, 5, 6, 0xf6), // format 1's kind byte
      Uint8Array.of(0x03, 0x83, 0x42, 5, 6, 0xf6, 0xf6), // three elements
      Uint8Array.of(0x03, 0x82, 0x40, 0xf6), // empty entry
      Uint8Array.of(0x03, 0x82, 0x58, 0x02, 5, 6, 0xf6), // a non-canonical length
      Uint8Array.of(0x03, 0x82, 0x42, 5, 6, 0xf6, 0x00), // trailing byte
      encodeGossip({ kind: 'entry', entry: new Uint8Array(MAX_ENTRY_BYTES + 1) }),
      encodeGossip({ kind: 'entry', entry: e, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) }),
      new Uint8Array(MAX_FORK_PROOF_BYTES + 2).fill(2)
    ]
    for (const r of refused) expect(decodeGossip(r), Buffer.from(r.subarray(0, 8)).toString('hex')).toBeUndefined()
  })
})

describe('pull planning', () => {
  const head = (author: Uint8Array, seq: number, extra: Partial<WireHead> = {}): WireHead => ({
    author,
    seq,
    hash: seq === 0 ? new Uint8Array(0) : Uint8Array.of(seq),
    ...extra
  })
  const ours = (...hs: WireHead[]): Map<string, WireHead> => new Map(hs.map((h) => [hex(h.author), h]))

  it('asks for what we lack, fork proofs first, newest authors next', () => {
    const w = planPulls(ours(head(A, 2)), [
      head(A, 10, { timestamp: 1 }),
      head(B, 3, { timestamp: 9 }),
      head(H, 4, { forkedAt: 3 })
    ])
    expect(w.map((x) => [x.author[0], x.from, x.to, x.needForkProof])).toEqual([[9, 1, 2, true], [2, 1, 3, false], [
      1,
      3,
      10,
      false
    ]])
  })

  it('asks for nothing when we are ahead, and probes a same-seq divergence', () => {
    expect(planPulls(ours(head(A, 5)), [head(A, 3)])).toEqual([])
    const w = planPulls(ours(head(A, 3)), [{ author: A, seq: 3, hash: Uint8Array.of(99) }])
    expect(w.map((x) => [x.from, x.to])).toEqual([[3, 3]])
    expect(planPulls(ours(head(A, 3, { forkedAt: 2 })), [head(A, 9)])).toEqual([])
  })

  it('diffs heads both ways', () => {
    const d = diffHeads(ours(head(A, 5), head(B, 1)), [head(A, 7), head(H, 2)])
    expect(d.find((x) => x.author === hex(A))).toMatchObject({ weLack: 2, theyLack: 0 })
    expect(d.find((x) => x.author === hex(B))).toMatchObject({ weLack: 0, theyLack: 1 })
    expect(d.find((x) => x.author === hex(H))).toMatchObject({ weLack: 2, theyLack: 0 })
  })
})

describe('pacing what we serve', () => {
  it('takes at once what the bucket holds, clamps a take larger than its capacity, and fails with timeout when aborted while waiting', async () => {
    let now = 0
    const b = new TokenBucket({ ratePerSecond: 1000, capacity: 2000, now: () => now })
    await pace(b, 10_000) // clamped to the capacity: served now, not never
    expect(b.delayFor(500)).toBe(500)
    const aborted = AbortSignal.abort()
    await expect(pace(b, 500, aborted)).rejects.toMatchObject({ code: 'timeout' })
    now += 500
    await pace(b, 500, aborted) // there now: no wait, so no abort either
    expect(b.delayFor(1)).toBe(1)
  })
})

describe('announcer', () => {
  it('sheds older entries of an author first and keeps every author\'s newest', async () => {
    const a = signerFromSeed(new Uint8Array(32).fill(3))
    const b = signerFromSeed(new Uint8Array(32).fill(4))
    const published: Entry[] = []
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const ann = new Announcer({
      maxQueue: 3,
      publish: async (it) => {
        await gate
        if (it.kind === 'entry') published.push(it.entry)
      }
    })
    const mk = (s: typeof a, seq: number): Entry =>
      createEntry(s, {
        seq,
        previous: seq === 1 ? null : new Uint8Array(32),
        timestamp: 1,
        body: { type: 'post', text: `${seq}` }
      })
    ann.entry(mk(b, 1)) // taken by the drain loop at once, waits at the gate
    for (let i = 1; i <= 4; i++) ann.entry(mk(a, i))
    ann.entry(mk(b, 2))
    release()
    await new Promise((r) => setTimeout(r, 10))
    expect(ann.dropped).toBe(2)
    expect(published.map((e) => `${e.author[0] === a.publicKey[0] ? 'a' : 'b'}${e.seq}`)).toEqual([
      'b1',
      'a3',
      'a4',
      'b2'
    ])
  })
})

describe('docs/SYNC.md', () => {
  it('carries the generated worked example unchanged', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/SYNC.md', import.meta.url)), 'utf8')
    const begin = doc.indexOf('-->', doc.indexOf('<!-- example:begin')) + 3
    const end = doc.indexOf('<!-- example:end -->')
    expect(doc.slice(begin, end).trim()).toBe(syncExample().trim())
  })
})
