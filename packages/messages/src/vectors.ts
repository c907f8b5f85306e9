import { createHash } from 'node:crypto'
import { encodeBody, signerFromSeed } from '@kiez/feed'
import { dmKeyPairFromSeed, seal } from './envelope.js'

/** A deterministic "random" stream for vectors: sha256(label ‖ counter), never for real messages. */
export function vectorRandom (label: string): (n: number) => Uint8Array {
  let counter = 0
  return (n) => {
    const out = new Uint8Array(n)
    for (let at = 0; at < n; at += 32) {
      const block = createHash('sha256').update(`${label}/${counter++}`).digest()
      out.set(block.subarray(0, Math.min(32, n - at)), at)
    }
    return out
  }
}

function seedOf (name: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`kiez test member ${name}`).digest())
}

export interface MessageVector {
  description: string
  /**
   * hex of each person's 32-byte ed25519 seed, their author key, their derived X25519 key pair, and the
   * payload of a member's `profile` publishing it: [name, about "", household null, dmKey]
   */
  people: Record<string, { seed: string, author: string, dmSecret: string, dmKey: string, profilePayload: string }>
  sender: string
  recipients: string[]
  /** who can open it: the sender and the recipients; the others cannot */
  readers: string[]
  text: string
  /** the random stream: sha256("<label>/<n>") for n = 0, 1, …, each call taking what it needs from fresh blocks */
  randomLabel: string
  envelope: string
  /** the `message` entry's payload: [envelope] in deterministic CBOR */
  payload: string
}

/** The message vectors of test/vectors/message-envelopes.json (regenerate with scripts/message-vectors.ts). */
export function messageVectors (): MessageVector[] {
  const names = ['anna', 'ben', 'carla', 'mallory']
  const people: MessageVector['people'] = {}
  for (const n of names) {
    const seed = seedOf(n)
    const k = dmKeyPairFromSeed(seed)
    people[n] = {
      seed: hex(seed),
      author: hex(signerFromSeed(seed).publicKey),
      dmSecret: hex(k.secret),
      dmKey: hex(k.publicKey),
      profilePayload: hex(encodeBody({ type: 'profile', name: n, about: '', household: null, dmKey: k.publicKey }))
    }
  }
  const make = (
    description: string,
    sender: string,
    recipients: string[],
    text: string,
    label: string
  ): MessageVector => {
    const p = (n: string): MessageVector['people'][string] => people[n] as MessageVector['people'][string]
    const envelope = seal({
      from: bytes(p(sender).author),
      to: recipients.map((r) => bytes(p(r).author)),
      keys: [...recipients, sender].map((r) => bytes(p(r).dmKey)),
      text,
      random: vectorRandom(label)
    })
    return {
      description,
      people,
      sender,
      recipients,
      readers: [sender, ...recipients],
      text,
      randomLabel: label,
      envelope: hex(envelope),
      payload: hex(encodeBody({ type: 'message', envelope }))
    }
  }
  return [
    make(
      'anna to ben: one recipient, size class 512',
      'anna',
      ['ben'],
      'Can I pick up the drill at 6?',
      'kiez dm vector 1'
    ),
    make(
      'anna to ben and carla: two recipients, multi-byte UTF-8',
      'anna',
      ['ben', 'carla'],
      'Hoffest am Samstag – wer bringt Kuchen? 🍰',
      'kiez dm vector 2'
    ),
    make('ben to anna: 600 bytes of text, size class 1024', 'ben', ['anna'], 'x'.repeat(600), 'kiez dm vector 3')
  ]
}

function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

function bytes (h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'))
}
