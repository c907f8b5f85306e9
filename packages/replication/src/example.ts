import { createEntry, entryId, signerFromSeed } from '@kiez/feed'
import type { Message } from '@libp2p/gossipsub'
import { feedTopic, SYNC_PROTOCOL } from './constants.js'
import { encodeGossip, feedMsgId } from './gossip.js'
import { encodeMessage, type SyncMessage } from './messages.js'

/** Unsigned LEB128: the frame length prefix. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
  return Uint8Array.from(out)
}

export function frame (m: SyncMessage): Uint8Array {
  const body = encodeMessage(m)
  return Uint8Array.from([...varint(body.byteLength), ...body])
}

function hexBlock (b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex')
  return (h.match(/.{1,64}/g) ?? ['']).join('\n')
}

/**
 * The worked example of docs/SYNC.md, generated from the real encoders with a
 * fixed key and clock so it is byte-stable (ed25519 signatures are deterministic).
 */
export function syncExample (): string {
  const author = signerFromSeed(new Uint8Array(32).fill(7))
  const t0 = 1_767_225_600_000 // 2026-01-01T00:00:00Z
  const e1 = createEntry(author, { seq: 1, previous: null, timestamp: t0, body: { type: 'post', text: 'Hallo Kiez!' } })
  const e2 = createEntry(author, {
    seq: 2,
    previous: e1.hash,
    timestamp: t0 + 60_000,
    body: { type: 'post', text: 'Flohmarkt am Samstag' }
  })
  const steps: Array<[string, SyncMessage]> = [
    ['1. initiator → responder: HEADS (its store is empty)', { type: 'heads', heads: [], more: false }],
    ['2. responder → initiator: HEADS (one author at seq 2)', {
      type: 'heads',
      heads: [{ author: author.publicKey, seq: 2, hash: e2.hash, timestamp: e2.timestamp }],
      more: false
    }],
    ['3. initiator → responder: GET seq 1..2 of that author', {
      type: 'get',
      author: author.publicKey,
      from: 1,
      to: 2
    }],
    ['4. responder → initiator: ENTRIES (each entry with its payload)', {
      type: 'entries',
      author: author.publicKey,
      items: [{ entry: e1.bytes, payload: e1.payload! }, { entry: e2.bytes, payload: e2.payload! }]
    }],
    ['5. (had step 4 carried entry 1 without its payload) initiator → responder: GET_PAYLOADS', {
      type: 'getPayloads',
      hashes: [e1.hash]
    }],
    ['6. responder → initiator: PAYLOADS', { type: 'payloads', payloads: [{ hash: e1.hash, payload: e1.payload! }] }]
  ]
  const gossip = encodeGossip({ kind: 'entry', entry: e2.bytes, payload: e2.payload! })
  const msgId = feedMsgId({ type: 'unsigned', topic: feedTopic('kiez'), data: gossip } satisfies Message)
  const lines: string[] = [
    `Author public key (ed25519, from the seed 32 × 0x07): \`${Buffer.from(author.publicKey).toString('hex')}\``,
    '',
    `Entry 1 id \`${entryId(e1.hash)}\`, entry 2 id \`${entryId(e2.hash)}\`.`,
    '',
    `Stream protocol: \`${SYNC_PROTOCOL}\`. Each block is one frame exactly as written to the stream (varint length, then the CBOR message). After step 4 the initiator feeds the two entries and their payloads to its store's range path; after its payload round (steps 5–6, when the store lists payloads as missing) it closes its side of the stream; the responder sees the end between frames and closes too.`,
    ''
  ]
  for (const [title, m] of steps) {
    lines.push(`${title}:`, '', '```', hexBlock(frame(m)), '```', '')
  }
  lines.push(
    'An error the responder sends before closing (here for a frame announcing more than 1 MiB):',
    '',
    '```',
    hexBlock(frame({ type: 'error', code: 'too_large', message: 'frame over 1048576 bytes' })),
    '```',
    '',
    `The gossip message announcing entry 2 on topic \`${
      feedTopic('kiez')
    }\` (kind 0x03, then the CBOR array [entry, payload]):`,
    '',
    '```',
    hexBlock(gossip),
    '```',
    '',
    `Its gossipsub message id (sha2-256 of the whole message: kind byte, entry and payload): \`${
      Buffer.from(msgId).toString('hex')
    }\``
  )
  return lines.join('\n')
}
