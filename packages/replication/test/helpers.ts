import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { gossipsub, type GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { signerFromSeed, type Signer } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import { eventually } from '@kiez/testing'
import { feedGossipsubOptions, feedTopic, replication, type Replication, type ReplicationInit } from '../src/index.js'

export const MESH = 'test'

export interface TestNode {
  node: Libp2p<{ identify: unknown, pubsub: any, replication: Replication }>
  store: FeedStore
  repl: Replication
  pubsub: any
}

/** A temp dir per suite; everything under it is removed in cleanup(). */
export class Lab {
  private dir = ''
  private readonly nodes: Array<{ stop: () => Promise<void> }> = []

  async init (): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'kiez-repl-'))
  }

  async store (name: string): Promise<FeedStore> {
    const store = await FeedStore.open({ path: join(this.dir, name) })
    this.nodes.push({
      stop: async () => {
        await store.close()
      }
    })
    return store
  }

  /** A real libp2p node on 127.0.0.1 with gossipsub and the replication service over `store`. */
  async node (
    store: FeedStore,
    init: Partial<ReplicationInit> = {},
    gossip: Partial<GossipsubOpts> = {}
  ): Promise<TestNode> {
    const node = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { inboundConnectionThreshold: 1000 },
      services: {
        identify: identify(),
        pubsub: gossipsub({ ...feedGossipsubOptions(MESH), ...gossip }),
        replication: replication({ store, mesh: MESH, syncIntervalMs: 0, ...init })
      }
    })
    await node.start()
    this.nodes.unshift({
      stop: async () => {
        await node.stop()
      }
    })
    return { node: node as any, store, repl: node.services.replication, pubsub: node.services.pubsub }
  }

  /** A libp2p node with only gossipsub: a peer that can publish anything. */
  async rawNode (): Promise<Libp2p<{ identify: unknown, pubsub: any }>> {
    const node = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), pubsub: gossipsub({ ...feedGossipsubOptions(MESH) }) }
    })
    await node.start()
    this.nodes.unshift({
      stop: async () => {
        await node.stop()
      }
    })
    return node as any
  }

  async cleanup (): Promise<void> {
    for (const n of this.nodes.splice(0)) await n.stop().catch(() => {})
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true })
  }
}

export async function connect (
  a: { node: Libp2p<any> } | Libp2p<any>,
  b: { node: Libp2p<any> } | Libp2p<any>
): Promise<void> {
  const na = 'node' in a ? a.node : a
  const nb = 'node' in b ? b.node : b
  await na.dial(nb.getMultiaddrs()[0]!)
}

/** Waits until `a` has `b` in its gossipsub mesh for the feed topic (both directions matter for forwarding). */
export async function meshed (a: TestNode | Libp2p<any>, b: TestNode | Libp2p<any>): Promise<void> {
  const na = 'node' in a ? a.node : a
  const nb = 'node' in b ? b.node : b
  const topic = feedTopic(MESH)
  const ready = (x: Libp2p<any>, y: Libp2p<any>): boolean =>
    x.services.pubsub.getMeshPeers(topic).includes(y.peerId.toString()) &&
    // gossipsub sends only on its outbound stream; a peer can be in the mesh before that stream is open
    x.services.pubsub.streamsOutbound.has(y.peerId.toString())
  await eventually(() => ready(na, nb) && ready(nb, na), { what: 'gossipsub mesh', timeoutMs: 15_000, intervalMs: 25 })
}

/** Connects the nodes in a line, each to the next, and waits until every neighbouring pair is meshed on the feed topic. */
export async function line (...nodes: Array<TestNode | Libp2p<any>>): Promise<void> {
  for (let i = 1; i < nodes.length; i++) await connect(nodes[i - 1]!, nodes[i]!)
  for (let i = 1; i < nodes.length; i++) await meshed(nodes[i - 1]!, nodes[i]!)
}

export function newAuthor (): Signer {
  return signerFromSeed(randomBytes(32))
}
