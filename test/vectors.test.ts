import { readFileSync } from 'node:fs'
import {
  buildHouseholdVectors,
  buildImageVectors,
  blobCid,
  IMAGE_VECTOR_BLOBS,
  buildLifeVectors,
  fallbackText,
  buildVectors,
  PublicKeyCache,
  sha256,
  entryId,
  readEntry,
  readPayload,
  validateEntry,
  verifySignature,
  type AuthorState,
  type FeedVector
} from '@kiez/feed'
import {
  BlobWireError,
  buildBlobVectors,
  decodeFrame,
  encodeFrame,
  frameFromJson,
  type BlobVectors
} from '@kiez/blob-exchange'
import { describe, expect, it } from 'vitest'

const file = new URL('./vectors/feed-entries.json', import.meta.url)
const vectors = JSON.parse(readFileSync(file, 'utf8')) as FeedVector[]
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

describe('test/vectors/feed-entries.json', () => {
  it('is exactly what the generator produces (run `npm run vectors` after a format change)', () => {
    expect(vectors).toEqual(buildVectors())
  })

  it('covers a valid chain of 13 and every rejection kind of entries and payloads', () => {
    expect(vectors.filter((v) => v.valid).map((v) => v.description.match(/seq (\d+)/)?.[1])).toEqual(
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13']
    )
    expect(new Set(vectors.map((v) => v.error).filter(Boolean))).toEqual(
      new Set([
        'bad_encoding',
        'non_canonical',
        'bad_signature',
        'wrong_seq',
        'wrong_previous',
        'content_too_large',
        'future_timestamp',
        'duplicate',
        'forked'
      ])
    )
    // unknown_type is no longer produced: a kind this version does not know is valid (PROTOCOL.md §2)
    expect(new Set(vectors.map((v) => v.payloadError).filter(Boolean))).toEqual(
      new Set(['payload_mismatch', 'malformed_content', 'content_too_large'])
    )
    // an entry with its payload, the same entry header only, a delete, an edit, an unknown kind, moderation, a report
    const kinds = vectors.filter((v) => v.valid).map((v) => readEntry(bytes(v.entryBytes), { now: v.now }))
    expect(kinds.map((r) => r.ok && r.value.kind)).toEqual(
      [
        'post',
        'reply',
        'profile',
        'post',
        'delete',
        'edit',
        'poll',
        'reply',
        'post',
        'mod-block',
        'mod-hide',
        'report',
        'mod-block'
      ]
    )
    expect(vectors.some((v) => v.valid && v.payload === undefined)).toBe(true)
  })

  it('ids are the CID of sha2-256(entryBytes) and signatures verify exactly where they should', () => {
    const keys = new PublicKeyCache()
    for (const v of vectors) {
      expect(v.id, v.description).toBe(entryId(sha256(bytes(v.entryBytes))))
      expect(v.hash, v.description).toBe(Buffer.from(sha256(bytes(v.entryBytes))).toString('hex'))
      expect(bytes(v.signedBytes).subarray(0, 13)).toEqual(new TextEncoder().encode('kiez/entry/2\0'))
      expect(Buffer.from(bytes(v.signedBytes).subarray(13)).toString('hex')).toBe(v.header)
      expect(verifySignature(keys, bytes(v.publicKey), bytes(v.signedBytes), bytes(v.signature)), v.description).toBe(
        v.error !== 'bad_signature'
      )
    }
  })

  it('validate in order to their stated outcome', () => {
    const keys = new PublicKeyCache()
    let state: AuthorState | undefined
    const log: Uint8Array[] = []
    for (const v of vectors) {
      const r = validateEntry(bytes(v.entryBytes), { keys, now: v.now, state, storedHashAt: (s) => log[s - 1] })
      if (v.valid) {
        expect(r.ok, v.description).toBe(true)
        if (r.ok) {
          state = { seq: r.entry.seq, hash: r.entry.hash }
          log.push(r.entry.hash)
        }
      } else {
        expect(r.ok ? 'accepted' : r.code, v.description).toBe(v.error)
      }
      // a payload is checked against the header alone, whatever became of the entry
      if (v.payload !== undefined) {
        const header = readEntry(bytes(v.entryBytes), { now: v.now })
        expect(header.ok, v.description).toBe(true)
        if (!header.ok) continue
        const p = readPayload(header.value, bytes(v.payload))
        expect(p.ok ? undefined : p.code, v.description).toBe(v.payloadError)
      }
    }
  })
})

describe('docs/PROTOCOL.md §8 (every vector in full)', () => {
  const doc = readFileSync(new URL('../docs/PROTOCOL.md', import.meta.url), 'utf8')
  const section = doc.slice(doc.indexOf('## 8. Every vector in full'))
  const blocks = [
    ...section.matchAll(
      /^### Vector (\d+): (.*)\n[\s\S]*?```\nhash  ([0-9a-f]{64})\nid    (\S+)\nsig   ([0-9a-f]+)\nbytes \((\d+)\)\n([0-9a-f\n]+)(?:payload \((\d+)\)\n([0-9a-f\n]+))?```/gm
    )
  ]

  it('gives every vector of the JSON file, in order, with the same bytes, payload, hash, id and signature', () => {
    expect(blocks.map((b) => Number(b[1]))).toEqual(vectors.map((_, i) => i + 1))
    for (const [i, v] of vectors.entries()) {
      const [, , description, hash, id, sig, length, hexBytes, payloadLength, payloadHex] =
        blocks[i] as RegExpMatchArray
      expect(payloadHex?.replace(/\n/g, ''), description).toBe(v.payload)
      expect(payloadLength === undefined ? undefined : Number(payloadLength)).toBe(
        v.payload === undefined ? undefined : v.payload.length / 2
      )
      expect(description).toBe(v.description)
      expect(hexBytes?.replace(/\n/g, '')).toBe(v.entryBytes)
      expect(Number(length)).toBe(v.entryBytes.length / 2)
      expect(hash).toBe(Buffer.from(sha256(bytes(v.entryBytes))).toString('hex'))
      expect(id).toBe(v.id)
      expect(sig).toBe(v.signature)
    }
  })

  it('names the seeds that produce the vectors\' keys', () => {
    const alice = Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => i)).toString('hex')
    expect(section).toContain(`- Alice: \`${alice}\``)
    expect(section).toContain(`public key \`${vectors[0]?.publicKey}\``)
    expect(buildVectors()[0]?.publicKey).toBe(vectors[0]?.publicKey)
  })
})

describe('test/vectors/household-entries.json (PROTOCOL.md §2 "Households, members and neighbours", §9)', () => {
  const file = new URL('./vectors/household-entries.json', import.meta.url)
  const household = JSON.parse(readFileSync(file, 'utf8')) as FeedVector[]

  it('is exactly what the generator produces (run `npm run vectors` after a format change)', () => {
    expect(household).toEqual(buildHouseholdVectors())
  })

  it('validates in order, one log per author, every entry valid and each payload to its stated result', () => {
    const keys = new PublicKeyCache()
    const logs = new Map<string, Uint8Array[]>()
    const kinds: string[] = []
    for (const v of household) {
      const log = logs.get(v.publicKey) ?? []
      logs.set(v.publicKey, log)
      const state = log.length === 0 ? undefined : { seq: log.length, hash: log[log.length - 1] as Uint8Array }
      const r = validateEntry(bytes(v.entryBytes), { keys, now: v.now, state, storedHashAt: (s) => log[s - 1] })
      expect(r.ok ? 'accepted' : r.code, v.description).toBe('accepted')
      if (!r.ok) continue
      expect(Buffer.from(r.entry.author).toString('hex')).toBe(v.publicKey)
      log.push(r.entry.hash)
      kinds.push(r.entry.kind)
      const p = readPayload(r.entry, bytes(v.payload as string))
      expect(p.ok ? undefined : p.code, v.description).toBe(v.payloadError)
      expect(verifySignature(keys, bytes(v.publicKey), bytes(v.signedBytes), bytes(v.signature))).toBe(true)
      expect(v.id).toBe(entryId(sha256(bytes(v.entryBytes))))
    }
    expect(new Set(kinds)).toEqual(new Set(['household', 'vouch', 'profile']))
    expect([...logs.values()].map((l) => l.length)).toEqual([7, 2, 2])
    expect(household.filter((v) => v.payloadError === undefined).length).toBe(7)
  })

  it('are given in full in PROTOCOL.md §9, in order, with the same bytes, payload, hash, id and signature', () => {
    const doc = readFileSync(new URL('../docs/PROTOCOL.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('## 9. Household vectors in full'))
    const blocks = [
      ...section.matchAll(
        /^### Vector H(\d+): (.*)\n[\s\S]*?```\nhash  ([0-9a-f]{64})\nid    (\S+)\nsig   ([0-9a-f]+)\nbytes \((\d+)\)\n([0-9a-f\n]+)payload \((\d+)\)\n([0-9a-f\n]+)```/gm
      )
    ]
    expect(blocks.map((b) => Number(b[1]))).toEqual(household.map((_, i) => i + 1))
    for (const [i, v] of household.entries()) {
      const [, , description, hash, id, sig, , hexBytes, , payloadHex] = blocks[i] as RegExpMatchArray
      expect(description).toBe(v.description)
      expect(hash).toBe(v.hash)
      expect(id).toBe(v.id)
      expect(sig).toBe(v.signature)
      expect(hexBytes?.replace(/\n/g, '')).toBe(v.entryBytes)
      expect(payloadHex?.replace(/\n/g, '')).toBe(v.payload)
    }
    for (const first of [32, 64, 96, 128]) {
      const seed = Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => first + i)).toString('hex')
      expect(section).toContain(`\`${seed}\``)
    }
    for (const v of household) expect(section).toContain(`public key \`${v.publicKey}\``)
  })
})

describe('test/vectors/life-entries.json (PROTOCOL.md §2 "Neighbourhood life", §10)', () => {
  const file = new URL('./vectors/life-entries.json', import.meta.url)
  const life = JSON.parse(readFileSync(file, 'utf8')) as FeedVector[]

  it('is exactly what the generator produces (run `npm run vectors` after a format change)', () => {
    expect(life).toEqual(buildLifeVectors())
  })

  it('validates in order, one log, every entry valid and each payload to its stated result', () => {
    const keys = new PublicKeyCache()
    const log: Uint8Array[] = []
    const kinds = new Set<string>()
    for (const v of life) {
      const state = log.length === 0 ? undefined : { seq: log.length, hash: log[log.length - 1] as Uint8Array }
      const r = validateEntry(bytes(v.entryBytes), { keys, now: v.now, state, storedHashAt: (s) => log[s - 1] })
      expect(r.ok ? 'accepted' : r.code, v.description).toBe('accepted')
      if (!r.ok) continue
      log.push(r.entry.hash)
      const p = readPayload(r.entry, bytes(v.payload as string))
      expect(p.ok ? undefined : p.code, v.description).toBe(v.payloadError)
      if (p.ok) kinds.add(p.value.type)
    }
    expect(kinds).toEqual(
      new Set([
        'offer',
        'request',
        'event',
        'lost',
        'found',
        'recommendation',
        'alert',
        'poll',
        'vote',
        'rsvp',
        'done',
        'unknown'
      ])
    )
    // the kind to come is shown as a post of its first item (PROTOCOL.md §2, "Kinds to come")
    const petition = life.find((v) => v.description.includes('"petition"'))
    expect(fallbackText(bytes(petition?.payload as string))).toBe('Mehr Bänke am Platz')
  })

  it('are given in full in PROTOCOL.md §10, in order, with the same bytes, payload, hash, id and signature', () => {
    const doc = readFileSync(new URL('../docs/PROTOCOL.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('## 10. Neighbourhood life vectors in full'))
    const blocks = [
      ...section.matchAll(
        /^### Vector L(\d+): (.*)\n[\s\S]*?```\nhash  ([0-9a-f]{64})\nid    (\S+)\nsig   ([0-9a-f]+)\nbytes \((\d+)\)\n([0-9a-f\n]+)payload \((\d+)\)\n([0-9a-f\n]+)```/gm
      )
    ]
    expect(blocks.map((b) => Number(b[1]))).toEqual(life.map((_, i) => i + 1))
    for (const [i, v] of life.entries()) {
      const [, , description, hash, id, sig, , hexBytes, , payloadHex] = blocks[i] as RegExpMatchArray
      expect(description).toBe(v.description)
      expect(hash).toBe(v.hash)
      expect(id).toBe(v.id)
      expect(sig).toBe(v.signature)
      expect(hexBytes?.replace(/\n/g, '')).toBe(v.entryBytes)
      expect(payloadHex?.replace(/\n/g, '')).toBe(v.payload)
    }
    expect(section).toContain(`public key \`${life[0]?.publicKey}\``)
  })
})

describe('test/vectors/image-entries.json (PROTOCOL.md §2 "Images")', () => {
  const file = new URL('./vectors/image-entries.json', import.meta.url)
  const images = JSON.parse(readFileSync(file, 'utf8')) as FeedVector[]

  it('is exactly what the generator produces (run `npm run vectors` after a format change)', () => {
    expect(images).toEqual(buildImageVectors())
  })

  it('validates in order, every entry valid and each payload to its stated result', () => {
    const keys = new PublicKeyCache()
    const log: Uint8Array[] = []
    for (const v of images) {
      const state = log.length === 0 ? undefined : { seq: log.length, hash: log[log.length - 1] as Uint8Array }
      const r = validateEntry(bytes(v.entryBytes), { keys, now: v.now, state, storedHashAt: (s) => log[s - 1] })
      expect(r.ok ? 'accepted' : r.code, v.description).toBe('accepted')
      if (!r.ok) continue
      log.push(r.entry.hash)
      const p = readPayload(r.entry, bytes(v.payload as string))
      expect(p.ok ? undefined : p.code, v.description).toBe(v.payloadError)
    }
    expect(images.filter((v) => v.payloadError === undefined).length).toBe(2)
  })

  it('names its blobs by CIDv1 raw sha2-256 ids, as PROTOCOL.md says', () => {
    const doc = readFileSync(new URL('../docs/PROTOCOL.md', import.meta.url), 'utf8')
    const photo = blobCid(sha256(Buffer.from(IMAGE_VECTOR_BLOBS.photo)))
    expect(photo.startsWith('bafkrei')).toBe(true)
    expect(doc).toContain(photo)
    expect(doc.replace(/\n/g, '')).toContain(images[0]?.payload as string)
    expect(doc).toContain(images[0]?.id as string)
  })
})

describe('test/vectors/blob-protocol.json (PROTOCOL.md §11 "Blob exchange")', () => {
  const file = new URL('./vectors/blob-protocol.json', import.meta.url)
  const v = JSON.parse(readFileSync(file, 'utf8')) as BlobVectors

  it('is exactly what the generator produces (run `npm run vectors` after a format change)', () => {
    expect(v).toEqual(buildBlobVectors())
  })

  it('each frame encodes to its body and wire bytes and decodes back; the blob is its hash', () => {
    expect(Buffer.from(sha256(bytes(v.blob.bytes))).toString('hex')).toBe(v.blob.sha256)
    for (const f of v.frames) {
      const body = bytes(f.body)
      expect(Buffer.from(encodeFrame(frameFromJson(f.frame))).toString('hex'), f.description).toBe(f.body)
      expect(decodeFrame(body), f.description).toEqual(frameFromJson(f.frame))
      // the length prefix is an unsigned varint of the body's length (all bodies here are under 128 bytes)
      expect(f.wire, f.description).toBe(Buffer.from([body.byteLength]).toString('hex') + f.body)
      // the type byte, read by hand: want 1, have 2, chunk 3, error 4
      expect(body[0], f.description).toBe({ want: 1, have: 2, chunk: 3, error: 4 }[f.frame.type])
    }
    const have = v.frames.find((f) => f.frame.type === 'have')
    // have: type, 32-byte hash, then the size as 4 bytes big-endian
    expect(Buffer.from(bytes(have?.body as string)).readUInt32BE(33)).toBe(bytes(v.blob.bytes).byteLength)
  })

  it('refuses every malformed body with malformed_frame', () => {
    for (const bad of v.invalid) {
      expect(() => decodeFrame(bytes(bad.body)), bad.description).toThrow(BlobWireError)
    }
  })

  it('PROTOCOL.md shows the exchange\'s wire bytes', () => {
    const doc = readFileSync(new URL('../docs/PROTOCOL.md', import.meta.url), 'utf8').replace(/\s+/g, '')
    for (const f of v.frames.slice(0, 4)) expect(doc, f.description).toContain(f.wire)
  })
})
