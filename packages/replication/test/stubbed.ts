/**
 * A ReplicationService over stubbed components (sinon-ts `stubInterface`, as
 * js-libp2p tests its services): no sockets, no LevelDB, so its scheduling,
 * budgets and verdicts can be pinned under fake timers in milliseconds. Sync
 * streams are in-memory pairs (@libp2p/utils `streamPair`); the far end is
 * scripted by the test.
 */
import { createEntry, signerFromSeed, type Entry } from '@kiez/feed'
import type { EntryListener, FeedStore, ForkListener, Head, MissingPayload, PayloadCounts } from '@kiez/store'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type {
  ComponentLogger,
  Connection,
  Logger,
  Peer,
  PeerId,
  PeerStore,
  Stream,
  StreamHandler,
  Topology
} from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import sinon from 'sinon'
import { stubInterface, type StubbedInstance } from 'sinon-ts'
import { onTestFinished, vi } from 'vitest'
import { Framed } from '../src/framing.js'
import type { SyncMessage, WireHead } from '../src/messages.js'
import { type FeedPubSub, type ReplicationInit, ReplicationService } from '../src/replication.js'

export const MESH = 'unit'

export async function newPeerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** The far end of a sync stream, scripted by a test. */
export type Script = (f: Framed, peer: PeerId) => Promise<void>

export interface Harness {
  service: ReplicationService
  store: StubbedInstance<FeedStore>
  registrar: StubbedInstance<Registrar>
  connectionManager: StubbedInstance<ConnectionManager>
  pubsub: StubbedInstance<FeedPubSub>
  /** peers `getConnections` reports a connection to */
  connected: Set<string>
  /** the protocols the peer store holds for a peer (what its identify said), by peer id */
  identified: Map<string, string[]>
  /** what the service logged as errors (its own bugs, never a peer's fault) */
  errors: unknown[][]
  /** the topology the service registered for /kiez/sync */
  topology: () => Topology
  /** the /kiez/sync handler the service registered */
  handler: () => StreamHandler
  /** a peer that supports sync connects (the registrar would call the topology) */
  connect: (peer: PeerId) => void
  /**
   * a peer connected and identified with `protocols` (undefined: not identified yet) while no
   * topology was registered: no callback comes
   */
  connectUnseen: (peer: PeerId, protocols: string[] | undefined) => void
  disconnect: (peer: PeerId) => void
  /** outbound sync streams are answered by `script` */
  answerWith: (script: Script) => void
  /** outbound sync streams wait in `held` until the test answers or fails them (or the signal aborts) */
  holdStreams: () => Held[]
  /** opens an inbound sync stream from `peer`; the test holds the initiator's end */
  inbound: (peer: PeerId) => Promise<Framed>
  /** hands one gossip message to the service's topic validator */
  validate: (from: PeerId, data: Uint8Array) => Promise<TopicValidatorResult>
}

export function stubLogger (errors: unknown[][] = []): ComponentLogger {
  const log: Logger = Object.assign(() => {}, {
    error: (...args: unknown[]) => {
      errors.push(args)
    },
    trace: () => {},
    enabled: false,
    newScope: () => log
  })
  return { forComponent: () => log }
}

/** An outbound sync stream the service asked for, not yet opened. */
export interface Held {
  peer: PeerId
  signal: AbortSignal
  answer: (script: Script) => Promise<void>
  fail: (err: Error) => void
}

/**
 * A started service (start + afterStart) over stubs; the store knows nothing unless a test says so.
 * Turns on fake timers, and stops the service and restores real timers when the test finishes.
 */
export async function harness (init: Partial<ReplicationInit> = {}): Promise<Harness> {
  vi.useFakeTimers()
  onTestFinished(() => {
    vi.useRealTimers()
  })
  const connected = new Set<string>()
  const errors: unknown[][] = []
  const store = stubInterface<FeedStore>({
    heads: sinon.stub<[], Head[]>().returns([]),
    head: sinon.stub<[Uint8Array], Head | undefined>().returns(undefined),
    onEntry: sinon.stub<[EntryListener], () => void>().returns(() => {}),
    onFork: sinon.stub<[ForkListener], () => void>().returns(() => {}),
    // no missing payloads unless a test says so: sessions end after the pull
    missingPayloads: sinon.stub<[], Promise<MissingPayload[]>>().resolves([])
  })
  const registrar = stubInterface<Registrar>()
  registrar.register.resolves('topology-1')
  const connectionManager = stubInterface<ConnectionManager>()
  const peerIds = new Map<string, PeerId>()
  connectionManager.getConnections.callsFake((peer?: PeerId) => {
    if (peer === undefined) {
      return [...connected].map((k) => stubInterface<Connection>({ remotePeer: peerIds.get(k) }))
    }
    return connected.has(peer.toString()) ? [stubInterface<Connection>({ remotePeer: peer })] : []
  })
  const identified = new Map<string, string[]>()
  const peerStore = stubInterface<PeerStore>()
  peerStore.get.callsFake(async (peer: PeerId) => {
    const protocols = identified.get(peer.toString())
    if (protocols === undefined) throw Object.assign(new Error('not found'), { name: 'NotFoundError' })
    return stubInterface<Peer>({ id: peer, protocols })
  })
  connectionManager.closeConnections.resolves()
  connectionManager.openStream.rejects(new Error('no script for outbound streams'))
  const pubsub = stubInterface<FeedPubSub>({ globalSignaturePolicy: 'StrictNoSign', topicValidators: new Map() })
  const service = new ReplicationService({
    peerId: await newPeerId(),
    registrar,
    connectionManager,
    peerStore,
    logger: stubLogger(errors),
    pubsub
  }, { store, mesh: MESH, ...init })
  // registered after the timers' restore, so it runs first (newest first): stop under the fake clock
  onTestFinished(async () => {
    await service.stop()
  })
  await service.start()
  service.afterStart()
  const topology = (): Topology => {
    const t = registrar.register.firstCall.args[1]
    if (t === undefined) throw new Error('no topology registered')
    return t
  }
  const handler = (): StreamHandler => registrar.handle.firstCall.args[1]
  return {
    service,
    store,
    registrar,
    connectionManager,
    pubsub,
    connected,
    identified,
    errors,
    topology,
    handler,
    connect: (peer) => {
      peerIds.set(peer.toString(), peer)
      connected.add(peer.toString())
      void topology().onConnect?.(peer, stubInterface<Connection>({ remotePeer: peer }))
    },
    connectUnseen: (peer, protocols) => {
      peerIds.set(peer.toString(), peer)
      if (protocols !== undefined) identified.set(peer.toString(), protocols)
      connected.add(peer.toString())
    },
    disconnect: (peer) => {
      connected.delete(peer.toString())
      void topology().onDisconnect?.(peer)
    },
    answerWith: (script) => {
      connectionManager.openStream.callsFake(async (peer) => {
        const [out, inb] = await streamPair()
        script(new Framed(inb), peer as PeerId).catch(() => inb.abort(new Error('script failed')))
        return out
      })
    },
    holdStreams: () => {
      const held: Held[] = []
      connectionManager.openStream.callsFake(async (peer, _protocol, opts) => {
        const d = deferred<Stream>()
        const signal = opts?.signal ?? new AbortController().signal
        signal.addEventListener('abort', () => {
          d.reject(new Error('aborted'))
        })
        held.push({
          peer: peer as PeerId,
          signal,
          answer: async (script) => {
            const [out, inb] = await streamPair()
            script(new Framed(inb), peer as PeerId).catch(() => inb.abort(new Error('script failed')))
            d.resolve(out)
          },
          fail: d.reject
        })
        return await d.promise
      })
      return held
    },
    inbound: async (peer) => {
      const [out, inb] = await streamPair()
      void handler()(inb, stubInterface<Connection>({ remotePeer: peer }))
      return new Framed(out)
    },
    validate: async (from, data) => {
      const validator = pubsub.topicValidators.get(service.topic)
      if (validator === undefined) throw new Error('no topic validator')
      const msg: Message = { type: 'unsigned', topic: service.topic, data }
      return await validator(from, msg)
    }
  }
}

/** Lets in-memory streams and promise chains run without moving the fake clock. */
export async function settle (rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await vi.advanceTimersByTimeAsync(0)
}

/** A responder that answers HEADS with `heads` and records every request it reads. */
export function responder (
  heads: WireHead[] = [],
  onGet: (m: Extract<SyncMessage, { type: 'get' }>) => Uint8Array[] = () => []
): { script: Script, seen: SyncMessage[][] } {
  const seen: SyncMessage[][] = []
  const script: Script = async (f) => {
    const session: SyncMessage[] = []
    seen.push(session)
    for (let m = await f.recv(); m !== undefined; m = await f.recv()) {
      session.push(m)
      if (m.type === 'heads' && !m.more) await f.send({ type: 'heads', heads, more: false })
      if (m.type === 'get') {
        await f.send({ type: 'entries', author: m.author, items: onGet(m).map((entry) => ({ entry })) })
      }
      if (m.type === 'getFork') await f.send({ type: 'fork', author: m.author, proof: null })
    }
    await f.stream.close()
  }
  return { script, seen }
}

/** The payload counts of a RangeIngestResult, all zero unless given */
export function payloadCounts (counts: Partial<PayloadCounts> = {}): PayloadCounts {
  return { stored: 0, had: 0, absent: 0, mismatch: 0, invalid: 0, refused: 0, ...counts }
}

/** A promise and its resolve/reject, to hold an outbound stream open until a test lets it go. */
export function deferred<T> (): { promise: Promise<T>, resolve: (v: T) => void, reject: (err: Error) => void } {
  let resolve!: (v: T) => void
  let reject!: (err: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Entries of one author, seq 1..n, hash-linked and signed (the store is stubbed, but verdicts look at author/seq). */
export function entries (seed: number, n: number): Entry[] {
  const signer = signerFromSeed(new Uint8Array(32).fill(seed))
  const out: Entry[] = []
  for (let seq = 1; seq <= n; seq++) {
    out.push(createEntry(signer, {
      seq,
      previous: out.at(-1)?.hash ?? null,
      timestamp: 1_000 + seq,
      body: { type: 'post', text: `${seed}/${seq}` }
    }))
  }
  return out
}
