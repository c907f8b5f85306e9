import { encode } from 'cborg'
import { ENTRY_VERSION } from './constants.js'
import { sha256, signerFromSeed, type Signer } from './crypto.js'
import { encodeEnvelope, type KnownBody } from './encoding.js'
import { createEntry, entryId, readEntry, readPayload, signedBytes, type Entry } from './entry.js'
import { VECTOR_NOW, type FeedVector } from './vectors.js'

/**
 * Test vectors of the kinds of neighbourhood life (PROTOCOL.md §2,
 * "Neighbourhood life"): test/vectors/life-entries.json, in full in
 * docs/PROTOCOL.md §10. One author, Hof 7, in one log: apply them in order
 * from an empty state, the receiver's clock at `now`, and check each payload
 * against its own header, as for feed-entries.json. Every header is valid.
 */

/** The seed of these vectors: 32 consecutive byte values from 160 (PROTOCOL.md §10). */
export const LIFE_VECTOR_SEED_FIRST = 160

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export function buildLifeVectors (): FeedVector[] {
  const hof7: Signer = signerFromSeed(new Uint8Array(32).map((_, i) => LIFE_VECTOR_SEED_FIRST + i))
  const t = VECTOR_NOW - 3_600_000
  const out: FeedVector[] = []
  let seq = 0
  let previous: Uint8Array | null = null
  const hashes: Uint8Array[] = []
  const push = (
    description: string,
    d: { header: Uint8Array, signature: Uint8Array, bytes: Uint8Array, payload: Uint8Array },
    payloadError?: string
  ): Uint8Array => {
    const hash = sha256(d.bytes)
    out.push({
      description,
      publicKey: hex(hof7.publicKey),
      header: hex(d.header),
      signedBytes: hex(signedBytes(d.header)),
      signature: hex(d.signature),
      entryBytes: hex(d.bytes),
      hash: hex(hash),
      id: entryId(hash),
      payload: hex(d.payload),
      valid: true,
      ...(payloadError !== undefined ? { payloadError } : {}),
      now: VECTOR_NOW
    })
    previous = hash
    hashes.push(hash)
    return hash
  }
  const make = (description: string, body: KnownBody): Uint8Array => {
    seq++
    const e: Entry = createEntry(hof7, { seq, previous, timestamp: t + seq * 1000, body })
    return push(description, {
      header: e.header,
      signature: e.signature,
      bytes: e.bytes,
      payload: e.payload as Uint8Array
    })
  }
  /** Signs a payload value as given, so vectors can hold what createEntry would never make. */
  const raw = (description: string, kind: string, content: unknown[], payloadError?: string): Uint8Array => {
    seq++
    const payload = encode(content)
    const header = encode([
      ENTRY_VERSION,
      hof7.publicKey,
      seq,
      previous,
      t + seq * 1000,
      kind,
      sha256(payload),
      payload.byteLength
    ])
    const signature = hof7.sign(signedBytes(header))
    return push(description, { header, signature, bytes: encodeEnvelope(header, signature), payload }, payloadError)
  }
  const day = 86_400_000
  const offer = make('valid: seq 1, an offer with a price', {
    type: 'offer',
    text: 'Sofa zu verschenken, abholen bis Freitag',
    price: '0 €'
  })
  make('valid: seq 2, an offer without a price (null)', {
    type: 'offer',
    text: 'Bohrmaschine zu verleihen',
    price: null
  })
  make('valid: seq 3, a request', { type: 'request', text: 'Wer kann Samstag Nachmittag babysitten?' })
  const event = make('valid: seq 4, an event with an end', {
    type: 'event',
    title: 'Hoffest',
    starts: VECTOR_NOW + 5 * day,
    ends: VECTOR_NOW + 5 * day + 4 * 3_600_000,
    place: 'Hof 3, Hinterhaus',
    text: 'Bringt Kuchen mit'
  })
  make('valid: seq 5, an event with an open end and no description', {
    type: 'event',
    title: 'Flohmarkt',
    starts: VECTOR_NOW + 12 * day,
    ends: null,
    place: 'Marktplatz',
    text: ''
  })
  make('valid: seq 6, a lost', { type: 'lost', text: 'Graue Katze, hört auf Mimi' })
  make('valid: seq 7, a found', { type: 'found', text: 'Schlüsselbund am Spielplatz' })
  make('valid: seq 8, a recommendation', { type: 'recommendation', text: 'Die Fahrradwerkstatt in der Ecke ist super' })
  make('valid: seq 9, an alert', { type: 'alert', text: 'Strom weg in der ganzen Straße. Wer braucht Hilfe?' })
  const poll = make('valid: seq 10, a single-choice poll of three options', {
    type: 'poll',
    question: 'Wann Hoffest?',
    options: ['Samstag', 'Sonntag', 'egal'],
    multiple: false,
    closesAt: VECTOR_NOW + 3 * day
  })
  make('valid: seq 11, a vote for option 1 of seq 10', { type: 'vote', poll, choices: [1] })
  make('valid: seq 12, an rsvp "going" to seq 4', { type: 'rsvp', event, answer: 'going' })
  make('valid: seq 13, a done of the offer of seq 1', { type: 'done', target: offer })
  raw(
    'valid: seq 14, kind "petition", unknown to this version: opaque, shown as a post of its first item',
    'petition',
    [
      'Mehr Bänke am Platz',
      42
    ]
  )
  raw('valid: seq 15, a request with a third item a later version appended (ignored)', 'request', [
    'Leiter gesucht',
    'x',
    3
  ])
  raw(
    'malformed_content: seq 16, a poll of 11 options (its header is valid)',
    'poll',
    ['Farbe?', Array.from({ length: 11 }, (_, i) => `Farbe ${i}`), false, VECTOR_NOW + day],
    'malformed_content'
  )
  raw(
    'malformed_content: seq 17, a poll of 1 option',
    'poll',
    ['Farbe?', ['rot'], false, VECTOR_NOW + day],
    'malformed_content'
  )
  raw('malformed_content: seq 18, an event whose start is a text, not an integer', 'event', [
    'Hoffest',
    'Samstag',
    null,
    'Hof 3',
    ''
  ], 'malformed_content')
  raw('malformed_content: seq 19, a poll whose multiple is 0, not a boolean', 'poll', [
    'Farbe?',
    ['rot', 'blau'],
    0,
    VECTOR_NOW + day
  ], 'malformed_content')
  raw('malformed_content: seq 20, a vote whose choices are not ascending', 'vote', [poll, [2, 0]], 'malformed_content')
  raw('valid: seq 21, a vote for option 7 of a poll of three: valid here, refused by the tally', 'vote', [poll, [7]])
  raw('malformed_content: seq 22, an rsvp answering "yes"', 'rsvp', [event, 'yes'], 'malformed_content')
  raw(
    'malformed_content: seq 23, an offer whose price is 65 bytes',
    'offer',
    ['Sofa', 'x'.repeat(65)],
    'malformed_content'
  )
  raw('malformed_content: seq 24, an alert of 1025 bytes', 'alert', ['!'.repeat(1025)], 'malformed_content')
  raw('malformed_content: seq 25, an event that ends before it starts', 'event', [
    'Hoffest',
    VECTOR_NOW + 2 * day,
    VECTOR_NOW + day,
    'Hof 3',
    ''
  ], 'malformed_content')

  // Guard the generator itself: every payload above must give the result it says.
  for (const v of out) {
    const read = readEntry(Buffer.from(v.entryBytes, 'hex'), { now: VECTOR_NOW })
    if (!read.ok) throw new Error(`vector "${v.description}" does not read`)
    const body = readPayload(read.value, Buffer.from(v.payload as string, 'hex'))
    if ((body.ok ? undefined : body.code) !== v.payloadError) {
      throw new Error(`vector "${v.description}": payload result differs (${body.ok ? 'valid' : body.message})`)
    }
  }
  return out
}
