/**
 * Fuzzing the decoders every byte from the network goes through: entries
 * (readEntry / validateEntry of @kiez/feed, verifyForkProof), payloads
 * (readPayload) and sync messages
 * (decodeMessage of @kiez/replication). 100 000 runs each by default,
 * 1 000 000 with KIEZ_SOAK=1. Total functions must never throw; the message
 * decoder may only throw its typed ReplicationError.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { encode } from 'cborg'
import {
  createEntry,
  PublicKeyCache,
  readEntry,
  readPayload,
  sha256,
  signerFromSeed,
  validateEntry,
  verifyForkProof,
  ValidationCodes
} from '@kiez/feed'
import { decodeMessage, encodeMessage, ReplicationError } from '@kiez/replication'
import { report } from './daemons.ts'

const RUNS = process.env.KIEZ_SOAK === '1' ? 1_000_000 : 100_000
const signer = signerFromSeed(new Uint8Array(32).fill(9))
const now = 1_767_225_540_000
const e1 = createEntry(signer, {
  seq: 1,
  previous: null,
  timestamp: now,
  body: { type: 'post', text: 'Hallo Kiez! Wer hat eine Leiter? ✓' }
})
const e2 = createEntry(signer, {
  seq: 2,
  previous: e1.hash,
  timestamp: now + 1,
  body: { type: 'reply', text: 'ja', replyTo: e1.hash }
})
const e3 = createEntry(signer, {
  seq: 3,
  previous: e2.hash,
  timestamp: now + 2,
  body: { type: 'profile', name: 'Ada' }
})
const seeds = [e1.bytes, e2.bytes, e3.bytes]
const messages = [
  encodeMessage({
    type: 'heads',
    heads: [{ author: signer.publicKey, seq: 3, hash: e3.hash, forkedAt: 2, timestamp: now }, {
      author: signer.publicKey,
      seq: 0,
      hash: new Uint8Array(0)
    }],
    more: false
  }),
  encodeMessage({ type: 'get', author: signer.publicKey, from: 1, to: 500 }),
  // e3 header only: its item carries null where a payload would be
  encodeMessage({
    type: 'entries',
    author: signer.publicKey,
    items: [{ entry: e1.bytes, payload: e1.payload! }, { entry: e2.bytes, payload: e2.payload! }, { entry: e3.bytes }]
  }),
  encodeMessage({ type: 'getFork', author: signer.publicKey }),
  encodeMessage({ type: 'fork', author: signer.publicKey, proof: encode([e1.bytes, e2.bytes]) }),
  encodeMessage({ type: 'error', code: 'busy', message: 'later' }),
  encodeMessage({ type: 'getPayloads', hashes: [e1.hash, e2.hash] }),
  encodeMessage({ type: 'payloads', payloads: [{ hash: e1.hash, payload: e1.payload! }, { hash: e3.hash }] })
]
const payloadSeeds = [e1.payload!, e2.payload!, e3.payload!]
/** known kinds (neighbourhood life's among them) and one a later version might bring (its payload is checked only as CBOR) */
const KINDS = [
  'post',
  'reply',
  'profile',
  'delete',
  'edit',
  'offer',
  'event',
  'poll',
  'vote',
  'rsvp',
  'done',
  'petition'
]

/** Mutations of a valid seed: bit flips, byte overwrites, truncation, insertion, splicing two seeds. */
function mutated (base: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(
    fc.nat(base.length - 1),
    fc.array(fc.tuple(fc.nat(5), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    fc.nat(base.length - 1)
  ).map(([i, edits, j]) => {
    let b = Array.from(base[i]!)
    for (const [kind, at, v] of edits) {
      const p = b.length === 0 ? 0 : at % b.length
      if (kind === 0) b[p] = (b[p] ?? 0) ^ (1 << (v % 8))
      else if (kind === 1) b[p] = v
      else if (kind === 2) b = b.slice(0, p)
      else if (kind === 3) b.splice(p, 0, v)
      else if (kind === 4) b.splice(p, 1)
      else b = [...b.slice(0, p), ...Array.from(base[j]!).slice(p)]
    }
    return Uint8Array.from(b)
  })
}

/** CBOR of arbitrary nested values (what a liar would build with a real encoder). */
const cborValue = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.nat(),
    fc.maxSafeNat(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie('v'), { maxLength: 6 })
  )
})).v
const cborBytes = fc.oneof(
  cborValue.map((v) => encode(v)),
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.array(cborValue, { maxLength: 6 })).map(([t, rest]) =>
    encode([t, ...rest])
  )
)

describe('adversarial: decoder fuzzing', () => {
  it(`entries: readEntry / validateEntry / verifyForkProof never throw (${RUNS} runs)`, () => {
    const keys = new PublicKeyCache()
    const codes = new Map<string, number>()
    const input = fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 11_000 }) },
      { weight: 4, arbitrary: mutated(seeds) },
      { weight: 1, arbitrary: cborBytes }
    )
    const t0 = performance.now()
    fc.assert(
      fc.property(input, (bytes) => {
        const r = readEntry(bytes, { now })
        const v = validateEntry(bytes, {
          keys,
          now,
          state: { seq: 1, hash: e1.hash },
          storedHashAt: (s) => s === 1 ? e1.hash : undefined
        })
        const p = verifyForkProof(bytes, keys)
        for (const x of [r, v, p]) {
          if (!x.ok) {
            if (!(ValidationCodes as readonly string[]).includes(x.code)) return false
            codes.set(x.code, (codes.get(x.code) ?? 0) + 1)
          }
        }
        return true
      }),
      { numRuns: RUNS, seed: Number(process.env.ADV_SEED ?? 4242) }
    )
    const ms = performance.now() - t0
    report({
      case: 'fuzz',
      name: 'entry decoders',
      runs: RUNS,
      runsPerSecond: Math.round(RUNS / (ms / 1000)),
      codes: Object.fromEntries(codes)
    })
  }, 600_000)

  it(`payloads: readPayload never throws, against a header that commits to the bytes (${RUNS} runs)`, () => {
    const codes = new Map<string, number>()
    const input = fc.tuple(
      fc.oneof(
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 11_000 }) },
        { weight: 4, arbitrary: mutated(payloadSeeds) },
        { weight: 2, arbitrary: cborBytes }
      ),
      fc.constantFrom(...KINDS)
    )
    const t0 = performance.now()
    fc.assert(
      fc.property(input, ([bytes, kind]) => {
        // the header commits to exactly these bytes, so every check after size and hash is reached
        const r = readPayload({ kind, payloadHash: sha256(bytes), payloadSize: bytes.byteLength }, bytes)
        if (!r.ok) {
          if (!(ValidationCodes as readonly string[]).includes(r.code)) return false
          codes.set(r.code, (codes.get(r.code) ?? 0) + 1)
        }
        return true
      }),
      { numRuns: RUNS, seed: Number(process.env.ADV_SEED ?? 4242) }
    )
    const ms = performance.now() - t0
    report({
      case: 'fuzz',
      name: 'payload decoder',
      runs: RUNS,
      runsPerSecond: Math.round(RUNS / (ms / 1000)),
      codes: Object.fromEntries(codes)
    })
  }, 600_000)

  it(`sync messages: decodeMessage throws nothing but ReplicationError (${RUNS} runs)`, () => {
    const thrown = new Map<string, number>()
    let decoded = 0
    const input = fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }) },
      { weight: 4, arbitrary: mutated(messages) },
      { weight: 2, arbitrary: cborBytes }
    )
    const t0 = performance.now()
    fc.assert(
      fc.property(input, (bytes) => {
        try {
          const m = decodeMessage(bytes)
          decoded++
          // what decodes re-encodes to a message that decodes the same (no lossy accept)
          expect(decodeMessage(encodeMessage(m))).toEqual(m)
        } catch (err) {
          if (!(err instanceof ReplicationError)) throw err
          thrown.set(err.code, (thrown.get(err.code) ?? 0) + 1)
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.ADV_SEED ?? 4242) }
    )
    const ms = performance.now() - t0
    report({
      case: 'fuzz',
      name: 'sync message decoder',
      runs: RUNS,
      runsPerSecond: Math.round(RUNS / (ms / 1000)),
      decoded,
      refused: Object.fromEntries(thrown)
    })
    expect(decoded).toBeGreaterThan(0)
  }, 600_000)
})
