import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { decodeBody, encodeBody, MESSAGE_ENVELOPE_SIZES, readPayload, sha256 } from '@kiez/feed'
import { describe, expect, it } from 'vitest'
import { dmKeyPairFromSeed, ENVELOPE_SIZES, MAX_RECIPIENTS, open, seal, type DmKeyPair } from './envelope.js'
import { MessageError } from './errors.js'
import { messageVectors } from './vectors.js'

/** A payload through the feed's fast parser and content rules (readPayload) and its reference decoder (decodeBody). */
function bothRead (kind: string, bytes: Uint8Array): unknown {
  const fast = readPayload({ kind, payloadHash: sha256(bytes), payloadSize: bytes.byteLength }, bytes)
  expect(decodeBody(kind, bytes)).toEqual(fast)
  return fast
}

const VECTORS = new URL('../../../test/vectors/message-envelopes.json', import.meta.url)

function person (n: number): { author: Uint8Array, keys: DmKeyPair } {
  const seed = new Uint8Array(32).fill(n)
  return { author: new Uint8Array(32).fill(100 + n), keys: dmKeyPairFromSeed(seed) }
}

const [anna, ben, carla] = [person(1), person(2), person(3)] as const

function toBen (text = 'Can I pick up the drill at 6?'): Uint8Array {
  return seal({ from: anna.author, to: [ben.author], keys: [ben.keys.publicKey, anna.keys.publicKey], text })
}

describe('message envelope', () => {
  it('round trip: the recipient and the sender read it, a third person does not', () => {
    const env = toBen()
    for (const who of [ben, anna]) {
      const p = open(env, who.keys)
      expect(p?.text).toBe('Can I pick up the drill at 6?')
      expect(Buffer.from(p?.from ?? []).equals(anna.author)).toBe(true)
      expect(p?.to.map((t) => Buffer.from(t).toString('hex'))).toEqual([Buffer.from(ben.author).toString('hex')])
    }
    expect(open(env, carla.keys)).toBeUndefined()
  })

  it('hides how many recipients: one and eight give envelopes of the same size', () => {
    const many = Array.from({ length: MAX_RECIPIENTS }, (_, i) => person(10 + i))
    const env8 = seal({
      from: anna.author,
      to: many.map((p) => p.author),
      keys: [...many.map((p) => p.keys.publicKey), anna.keys.publicKey],
      text: 'hi'
    })
    const env1 = seal({
      from: anna.author,
      to: [ben.author],
      keys: [ben.keys.publicKey, anna.keys.publicKey],
      text: 'hi'
    })
    expect(env8.byteLength).toBe(env1.byteLength)
    for (const p of many) expect(open(env8, p.keys)?.to).toHaveLength(8)
    expect(() =>
      seal({
        from: anna.author,
        to: [...many, carla].map((p) => p.author),
        keys: [...many, carla, anna].map((p) => p.keys.publicKey),
        text: 'hi'
      })
    ).toThrow(MessageError)
  })

  it('pads to size classes: 1 and 150 bytes of text look the same, 300 bytes the next class', () => {
    expect(toBen('a').byteLength).toBe(toBen('a'.repeat(150)).byteLength)
    expect(toBen('a'.repeat(300)).byteLength).toBeGreaterThan(toBen('a').byteLength)
    expect([...ENVELOPE_SIZES]).toEqual([...MESSAGE_ENVELOPE_SIZES])
    expect(() => toBen('a'.repeat(4097))).toThrow(expect.objectContaining({ code: 'message_too_large' }))
  })

  it('detects tampering anywhere: every byte flipped makes it unreadable', () => {
    const env = toBen()
    for (const at of [0, 1, 40, 33 + 9 * 48 - 1, 33 + 9 * 48 + 5, env.byteLength - 1]) {
      const bad = env.slice()
      bad[at] = (bad[at] as number) ^ 1
      expect(open(bad, ben.keys), `byte ${at}`).toBeUndefined()
    }
    expect(open(env.subarray(1), ben.keys)).toBeUndefined()
  })

  it('is a valid `message` payload for the feed, and a wrong size is malformed', () => {
    const payload = encodeBody({ type: 'message', envelope: toBen() })
    expect(bothRead('message', payload)).toMatchObject({ ok: true, value: { type: 'message' } })
    const bad = encodeBody({ type: 'message', envelope: toBen().subarray(1) })
    expect(bothRead('message', bad)).toMatchObject({ ok: false, code: 'malformed_content' })
  })

  it('test/vectors/message-envelopes.json is what the generator gives, and its readers read it', () => {
    const stored = JSON.parse(readFileSync(VECTORS, 'utf8')) as ReturnType<typeof messageVectors>
    expect(stored).toEqual(messageVectors())
    for (const v of stored) {
      for (const [name, p] of Object.entries(v.people)) {
        const keys = dmKeyPairFromSeed(Buffer.from(p.seed, 'hex'))
        expect(Buffer.from(keys.publicKey).toString('hex')).toBe(p.dmKey)
        const got = open(Buffer.from(v.envelope, 'hex'), keys)
        expect(got?.text, `${v.description}: ${name}`).toBe(v.readers.includes(name) ? v.text : undefined)
        // the profile that publishes the key, as both of the feed's decoders read it
        const profile = bothRead('profile', new Uint8Array(Buffer.from(p.profilePayload, 'hex')))
        expect(profile).toMatchObject({
          ok: true,
          value: { type: 'profile', name, dmKey: new Uint8Array(Buffer.from(p.dmKey, 'hex')) }
        })
      }
      expect(bothRead('message', new Uint8Array(Buffer.from(v.payload, 'hex')))).toMatchObject({
        ok: true,
        value: { type: 'message', envelope: new Uint8Array(Buffer.from(v.envelope, 'hex')) }
      })
    }
  })

  const python = spawnSync('python3', ['-c', 'import cryptography.hazmat.primitives.ciphers.aead'])
  it.skipIf(python.status !== 0)('a second implementation (Python, `cryptography`) opens the vectors', () => {
    const out = execFileSync('python3', [new URL('../../../test/vectors/open-message.py', import.meta.url).pathname], {
      encoding: 'utf8'
    })
    expect(out).not.toContain('FAIL')
    expect(out.match(/^ok /gm)).toHaveLength(12)
  })
})
