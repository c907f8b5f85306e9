import { encode } from 'cborg'
import { ENTRY_VERSION } from './constants.js'
import { sha256, signerFromSeed, type Signer } from './crypto.js'
import { encodeEnvelope } from './encoding.js'
import { createEntry, entryId, readEntry, readPayload, signedBytes, type Entry } from './entry.js'
import { VECTOR_NOW, type FeedVector } from './vectors.js'

/**
 * Test vectors of the kinds of households and neighbours (household, vouch,
 * a member's profile): test/vectors/household-entries.json, in full in
 * docs/PROTOCOL.md §9. Several authors: apply them in order with one state
 * per author (by `publicKey`), starting empty, the receiver's clock at `now`,
 * and check each payload against its own header, as for feed-entries.json.
 */

/** The seeds of these vectors: 32 consecutive byte values from `first` (PROTOCOL.md §9). */
export const HOUSEHOLD_VECTOR_SEEDS = { hof3: 32, anna: 64, ben: 96, hof5: 128 } as const

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const seed = (first: number): Uint8Array => new Uint8Array(32).map((_, i) => first + i)
const ascending = (keys: Uint8Array[]): Uint8Array[] => [...keys].sort((a, b) => Buffer.compare(a, b))

interface Delivery {
  author: Uint8Array
  header: Uint8Array
  signature: Uint8Array
  bytes: Uint8Array
  payload?: Uint8Array
}

export function buildHouseholdVectors (): FeedVector[] {
  const hof3 = signerFromSeed(seed(HOUSEHOLD_VECTOR_SEEDS.hof3))
  const anna = signerFromSeed(seed(HOUSEHOLD_VECTOR_SEEDS.anna))
  const ben = signerFromSeed(seed(HOUSEHOLD_VECTOR_SEEDS.ben))
  const hof5 = signerFromSeed(seed(HOUSEHOLD_VECTOR_SEEDS.hof5))
  const t = VECTOR_NOW - 60_000
  const out: FeedVector[] = []
  const push = (description: string, d: Delivery, payloadError?: string): void => {
    out.push({
      description,
      publicKey: hex(d.author),
      header: hex(d.header),
      signedBytes: hex(signedBytes(d.header)),
      signature: hex(d.signature),
      entryBytes: hex(d.bytes),
      hash: hex(sha256(d.bytes)),
      id: entryId(sha256(d.bytes)),
      ...(d.payload !== undefined ? { payload: hex(d.payload) } : {}),
      valid: true,
      ...(payloadError !== undefined ? { payloadError } : {}),
      now: VECTOR_NOW
    })
  }
  const full = (e: Entry): Delivery => ({
    author: e.author,
    header: e.header,
    signature: e.signature,
    bytes: e.bytes,
    payload: e.payload
  })
  /** Signs a payload value as given, so vectors can hold what createEntry would never make. */
  const raw = (
    signer: Signer,
    seq: number,
    previous: Uint8Array | null,
    timestamp: number,
    kind: string,
    content: unknown[]
  ) => {
    const payload = encode(content)
    const header = encode([
      ENTRY_VERSION,
      signer.publicKey,
      seq,
      previous,
      timestamp,
      kind,
      sha256(payload),
      payload.byteLength
    ])
    const signature = signer.sign(signedBytes(header))
    return { author: signer.publicKey, header, signature, bytes: encodeEnvelope(header, signature), payload }
  }

  const h1 = createEntry(hof3, {
    seq: 1,
    previous: null,
    timestamp: t,
    body: { type: 'household', name: 'Hof 3', members: ascending([anna.publicKey, ben.publicKey]) }
  })
  push('valid: Hof 3 seq 1, a household naming Anna and Ben (ascending)', full(h1))
  const a1 = createEntry(anna, {
    seq: 1,
    previous: null,
    timestamp: t + 1000,
    body: { type: 'profile', name: 'Anna', about: 'Bohrmaschine zu verleihen', household: hof3.publicKey }
  })
  push('valid: Anna seq 1, a profile naming Hof 3 as her household', full(a1))
  const b1 = createEntry(ben, {
    seq: 1,
    previous: null,
    timestamp: t + 2000,
    body: { type: 'profile', name: 'Ben', about: '', household: hof3.publicKey }
  })
  push('valid: Ben seq 1, a profile with an empty about, naming Hof 3', full(b1))
  const h2 = createEntry(hof3, {
    seq: 2,
    previous: h1.hash,
    timestamp: t + 3000,
    body: { type: 'vouch', box: hof5.publicKey, seenAt: t + 2500 }
  })
  push('valid: Hof 3 seq 2, a vouch: Hof 3 saw Hof 5 on its link', full(h2))
  const h3 = createEntry(hof3, {
    seq: 3,
    previous: h2.hash,
    timestamp: t + 4000,
    body: { type: 'household', name: 'Hof 3', members: [ben.publicKey] }
  })
  push('valid: Hof 3 seq 3, a household naming Ben alone (it replaces seq 1)', full(h3))
  const a2 = createEntry(anna, {
    seq: 2,
    previous: a1.hash,
    timestamp: t + 5000,
    body: { type: 'profile', name: 'Anna', about: 'Bohrmaschine zu verleihen', household: hof5.publicKey }
  })
  push('valid: Anna seq 2, a profile naming Hof 5: she moved', full(a2))
  const descending = ascending([anna.publicKey, ben.publicKey]).reverse()
  const h4 = raw(hof3, 4, h3.hash, t + 6000, 'household', ['Hof 3', descending])
  push(
    'malformed_content: Hof 3 seq 4, a household whose members are in descending order (its header is valid)',
    h4,
    'malformed_content'
  )
  const crowd = Array.from({ length: 65 }, (_, i) => new Uint8Array(32).fill(i))
  const h5 = raw(hof3, 5, sha256(h4.bytes), t + 7000, 'household', ['Hof 3', crowd])
  push('malformed_content: Hof 3 seq 5, a household naming 65 members (its header is valid)', h5, 'malformed_content')
  const h6 = raw(hof3, 6, sha256(h5.bytes), t + 8000, 'vouch', [hof5.publicKey.subarray(0, 31), t + 7500])
  push(
    'malformed_content: Hof 3 seq 6, a vouch whose box key is 31 bytes (its header is valid)',
    h6,
    'malformed_content'
  )
  const b2 = raw(ben, 2, b1.hash, t + 9000, 'profile', ['Ben', 'x'.repeat(281), hof3.publicKey])
  push(
    'malformed_content: Ben seq 2, a profile whose about is 281 bytes (its header is valid)',
    b2,
    'malformed_content'
  )
  const h7 = raw(hof3, 7, sha256(h6.bytes), t + 10_000, 'household', ['Hof 3', [ben.publicKey], 'Hinterhaus'])
  push('valid: Hof 3 seq 7, a household with a third item a later version appended (ignored)', h7)

  // Guard the generator itself: every payload above must give the result it says.
  for (const v of out) {
    const read = readEntry(Buffer.from(v.entryBytes, 'hex'), { now: VECTOR_NOW })
    if (!read.ok) throw new Error(`vector "${v.description}" does not read`)
    const body = readPayload(read.value, Buffer.from(v.payload as string, 'hex'))
    if ((body.ok ? undefined : body.code) !== v.payloadError) {
      throw new Error(`vector "${v.description}": payload result differs`)
    }
  }
  return out
}
