/**
 * The ROGUE BOX: a real libp2p node that speaks Kiez's protocols from
 * docs/SYNC.md (gossipsub on the mesh topic with StrictNoSign, raw
 * `/kiez/sync/2.0.0` frames) but says whatever a test tells it to.
 * It announces the mesh's DHT protocol (a no-op handler) so boxes take it
 * for one of theirs instead of hanging up on it as foreign.
 */
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { gossipsub } from '@libp2p/gossipsub'
import { preSharedKey } from '@libp2p/pnet'
import { lpStream } from '@libp2p/utils'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from 'node:crypto'
import { createEntry, encodeEnvelope, signedBytes, type Entry, type Signer } from '@kiez/feed'
import {
  decodeMessage,
  encodeGossip,
  encodeMessage,
  feedTopic,
  SYNC_PROTOCOL,
  type SyncMessage,
  type WireHead
} from '@kiez/replication'
import type { Connection, Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import type { GossipSub } from '@libp2p/gossipsub'

/** An entry as it travels (docs/SYNC.md §3, ENTRIES items): its bytes, and its payload unless header only. */
export interface WireItem {
  entry: Uint8Array
  payload?: Uint8Array
}

export interface RogueInit {
  mesh?: string
  psk?: Uint8Array
  /** run gossipsub (default true); false = a free rider that never pushes or forwards */
  gossip?: boolean
  /** feeds served honestly on `/kiez/sync/2.0.0` (author hex → items by seq, 1-based contiguous; an item without payload is served header only) */
  serve?: Map<string, WireItem[]>
  listen?: string[]
  /** its identity (default: a fresh Ed25519 key); give the key of a feed it signs to be that feed's author on the wire too */
  privateKey?: PrivateKey
}

export interface Rogue {
  readonly node: Libp2p<any>
  readonly topic: string
  readonly peerId: string
  addr(): string
  dial(addr: string): Promise<Connection>
  /** publishes raw gossip data (kind byte + body); each call is sent, even when the body repeats */
  publish(data: Uint8Array): Promise<void>
  /** peers that told us they are subscribed to the mesh topic */
  topicPeers(): string[]
  openSync(peer: string | Connection): Promise<RawSync>
  stop(): Promise<void>
}

/** One raw sync stream: typed frames, raw bytes, and counted bytes both ways. */
export class RawSync {
  bytesOut = 0
  bytesIn = 0
  private readonly lp
  readonly stream: Stream
  constructor (stream: Stream) {
    this.stream = stream
    this.lp = lpStream(stream, { maxDataLength: 4 * 1024 * 1024 })
  }

  async send (m: SyncMessage): Promise<void> {
    const b = encodeMessage(m)
    this.bytesOut += b.byteLength + 3
    await this.lp.write(b)
  }

  /** bytes exactly as given, no length prefix added (for lying prefixes) */
  sendRaw (bytes: Uint8Array): boolean {
    this.bytesOut += bytes.byteLength
    return this.stream.send(bytes)
  }

  async recv (timeoutMs = 10_000): Promise<SyncMessage | undefined> {
    try {
      const frame = await this.lp.read({ signal: AbortSignal.timeout(timeoutMs) })
      this.bytesIn += frame.byteLength + 3
      return decodeMessage(frame.subarray())
    } catch (err) {
      if ((err as Error).name === 'UnexpectedEOFError') return undefined
      throw err
    }
  }

  async close (): Promise<void> {
    await this.stream.close().catch(() => {
      this.stream.abort(new Error('close failed'))
    })
  }
}

export async function createRogue (init: RogueInit = {}): Promise<Rogue> {
  const mesh = init.mesh ?? 'kiez'
  const topic = feedTopic(mesh)
  let counter = 0
  const services: Record<string, any> = { identify: identify() }
  if (init.gossip !== false) {
    services.pubsub = gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      // a unique id per publish, so our own seen-cache never stops a replay; the box computes its own id
      msgIdFn: () => {
        const b = new Uint8Array(8)
        new DataView(b.buffer).setFloat64(0, ++counter)
        return b
      },
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
      doPX: false
    })
  }
  const node = await createLibp2p({
    privateKey: init.privateKey ?? await generateKeyPair('Ed25519'),
    addresses: { listen: init.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: 10_000, maxOutboundStreams: 20_000 })],
    ...(init.psk != null ? { connectionProtector: preSharedKey({ psk: init.psk }) } : {}),
    connectionManager: { inboundConnectionThreshold: 10_000, maxConnections: 10_000 },
    services
  }) as unknown as Libp2p<any>
  // Looks like a box of this mesh to identify.
  await node.handle(`/kiez/${mesh}/kad/1.0.0`, (stream: Stream) => {
    void stream.close().catch(() => {})
  })
  if (init.serve !== undefined) {
    const serve = init.serve
    await node.handle(SYNC_PROTOCOL, (stream: Stream) => {
      void serveHonestly(stream, serve).catch(() => {
        stream.abort(new Error('rogue serve failed'))
      })
    }, { maxInboundStreams: 32 })
  }
  const pubsub = services.pubsub !== undefined ? node.services.pubsub as GossipSub : undefined
  pubsub?.subscribe(topic)

  return {
    node,
    topic,
    peerId: node.peerId.toString(),
    addr: () => node.getMultiaddrs()[0]!.toString(),
    dial: async (addr) => await node.dial(multiaddr(addr)),
    publish: async (data) => {
      if (pubsub === undefined) throw new Error('this rogue runs no gossip')
      await pubsub.publish(topic, data)
    },
    topicPeers: () => pubsub?.getSubscribers(topic).map((p) => p.toString()) ?? [],
    openSync: async (peer) => {
      const stream = typeof peer === 'string'
        ? await node.dialProtocol(multiaddr(peer), SYNC_PROTOCOL)
        : await peer.newStream(SYNC_PROTOCOL)
      return new RawSync(stream)
    },
    stop: async () => {
      await node.stop()
    }
  }
}

/** A by-the-book responder (SYNC.md §3.1) over a fixed set of feeds. */
async function serveHonestly (stream: Stream, feeds: Map<string, WireItem[]>): Promise<void> {
  const s = new RawSync(stream)
  for (;;) {
    const m = await s.recv(60_000)
    if (m === undefined) break
    if (m.type === 'heads') {
      if (m.more) continue
      const heads: WireHead[] = [...feeds].filter(([, es]) => es.length > 0).map(([hex, es]) => ({
        author: Buffer.from(hex, 'hex'),
        seq: es.length,
        hash: sha(es[es.length - 1]!.entry)
      }))
      await s.send({ type: 'heads', heads, more: false })
    } else if (m.type === 'get') {
      const es = feeds.get(Buffer.from(m.author).toString('hex')) ?? []
      await s.send({
        type: 'entries',
        author: m.author,
        items: es.slice(m.from - 1, Math.min(m.to, m.from - 1 + 500))
      })
    } else if (m.type === 'getFork') {
      await s.send({ type: 'fork', author: m.author, proof: null })
    } else {
      await s.send({ type: 'error', code: 'bad_message', message: 'unexpected' })
      break
    }
  }
  await s.close()
}

import { createHash } from 'node:crypto'
function sha (b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(b).digest())
}

// ---- entries, honest and not ----------------------------------------------

export function randomSigner (): { seed: Uint8Array } {
  return { seed: new Uint8Array(randomBytes(32)) }
}

/** An entry as it travels, from a decoded one. */
export function item (e: Entry): WireItem {
  return e.payload === undefined ? { entry: e.bytes } : { entry: e.bytes, payload: e.payload }
}

/** A valid chain of `n` posts by `signer`, seq 1..n, each with its payload. */
export function chain (signer: Signer, n: number, text = (i: number) => `post ${i}`, now = Date.now()): WireItem[] {
  const out: WireItem[] = []
  let prev: Uint8Array | null = null
  for (let i = 1; i <= n; i++) {
    const e = createEntry(signer, {
      seq: i,
      previous: prev,
      timestamp: now - (n - i),
      body: { type: 'post', text: text(i) }
    })
    out.push(item(e))
    prev = e.hash
  }
  return out
}

/**
 * A well-formed seq-1 post, with its matching payload, whose signature over
 * the header does not verify (one bit of the signature flipped).
 */
export function forged (signer: Signer, text: string): WireItem {
  const e = createEntry(signer, { seq: 1, previous: null, timestamp: Date.now(), body: { type: 'post', text } })
  const bytes = Uint8Array.from(e.bytes)
  bytes[bytes.length - 1]! ^= 0x01
  return { entry: bytes, payload: e.payload! }
}

/** Signs arbitrary header bytes correctly: the entry is authentic, only its header is wrong. */
export function signRaw (signer: Signer, header: Uint8Array): Uint8Array {
  return encodeEnvelope(header, signer.sign(signedBytes(header)))
}

/** A gossip message (kind 0x03) carrying the item: [entry, payload] or [entry, null]. */
export const gossipEntry = (i: WireItem): Uint8Array =>
  encodeGossip({ kind: 'entry', entry: i.entry, ...(i.payload !== undefined ? { payload: i.payload } : {}) })
