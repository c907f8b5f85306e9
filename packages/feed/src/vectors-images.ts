import { encode } from 'cborg'
import { ENTRY_VERSION } from './constants.js'
import { sha256, signerFromSeed, type Signer } from './crypto.js'
import { encodeEnvelope } from './encoding.js'
import { createEntry, entryId, readEntry, readPayload, signedBytes, type Entry } from './entry.js'
import { imageValue, type ImageRef } from './images.js'
import { VECTOR_NOW, type FeedVector } from './vectors.js'

/**
 * Test vectors of posts and replies with images: test/vectors/image-entries.json,
 * described in docs/PROTOCOL.md §2 "Images". One author (seed: 32 bytes from 160),
 * applied in order from an empty state, the receiver's clock at `now`.
 */

export const IMAGE_VECTOR_SEED = 160

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const seed = (first: number): Uint8Array => new Uint8Array(32).map((_, i) => first + i)

/** The blob bytes the vectors' image hashes name (stand-ins, not real images: the feed never reads blobs). */
export const IMAGE_VECTOR_BLOBS = { photo: 'kiez photo', thumb: 'kiez thumb' } as const

export function buildImageVectors (): FeedVector[] {
  const cora = signerFromSeed(seed(IMAGE_VECTOR_SEED))
  const t = VECTOR_NOW - 60_000
  const out: FeedVector[] = []
  const push = (
    description: string,
    d: { header: Uint8Array, signature: Uint8Array, bytes: Uint8Array, payload?: Uint8Array },
    payloadError?: string
  ): void => {
    out.push({
      description,
      publicKey: hex(cora.publicKey),
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
    return { header, signature, bytes: encodeEnvelope(header, signature), payload }
  }
  const thumb = {
    hash: sha256(Buffer.from(IMAGE_VECTOR_BLOBS.thumb)),
    type: 'image/jpeg',
    bytes: 10,
    width: 320,
    height: 240,
    alt: 'Fahrrad'
  }
  const photo: ImageRef = {
    hash: sha256(Buffer.from(IMAGE_VECTOR_BLOBS.photo)),
    type: 'image/jpeg',
    bytes: 921_600,
    width: 1600,
    height: 1200,
    alt: 'Fahrrad',
    thumb
  }
  const p1: Entry = createEntry(cora, {
    seq: 1,
    previous: null,
    timestamp: t,
    body: { type: 'post', text: 'Fahrrad zu verschenken', images: [photo] }
  })
  push('valid: Cora seq 1, a post with one JPEG image and its thumbnail', p1)
  const r2: Entry = createEntry(cora, {
    seq: 2,
    previous: p1.hash,
    timestamp: t + 1000,
    body: { type: 'reply', text: '', replyTo: p1.hash, images: [{ ...photo, type: 'image/png', alt: '', thumb: null }] }
  })
  push('valid: Cora seq 2, a reply with no text and one PNG image without a thumbnail', r2)
  const five = Array.from({ length: 5 }, () => imageValue(photo, true))
  const p3 = raw(cora, 3, r2.hash, t + 2000, 'post', ['fünf', five])
  push('malformed_content: Cora seq 3, a post with 5 images (its header is valid)', p3, 'malformed_content')
  const p4 = raw(cora, 4, sha256(p3.bytes), t + 3000, 'post', ['svg', [
    imageValue({ ...photo, type: 'image/svg+xml' }, true)
  ]])
  push(
    'malformed_content: Cora seq 4, a post naming an image/svg+xml image (its header is valid)',
    p4,
    'malformed_content'
  )
  const p5 = raw(cora, 5, sha256(p4.bytes), t + 4000, 'post', ['leer', []])
  push(
    'malformed_content: Cora seq 5, a post with an empty images array (its header is valid)',
    p5,
    'malformed_content'
  )
  const big = imageValue({ ...photo, thumb: { ...thumb, width: 321 } }, true)
  const p6 = raw(cora, 6, sha256(p5.bytes), t + 5000, 'post', ['groß', [big]])
  push(
    'malformed_content: Cora seq 6, a post whose thumbnail is 321 px wide (its header is valid)',
    p6,
    'malformed_content'
  )

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
