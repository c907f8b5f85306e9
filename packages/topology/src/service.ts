import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ComponentLogger, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import { MAX_DEPTH, MAX_FRAME_BYTES, MAX_NEIGHBOURS, MAX_REPORTS, TOPOLOGY_PROTOCOL } from './constants.js'
import { TopologyError } from './errors.js'
import { PeerRateLimit } from './rate.js'
import {
  decodeAnswer,
  decodeRequest,
  encodeAnswer,
  encodeRequest,
  type Neighbour,
  type Report,
  type TopologyAnswer
} from './wire.js'

export interface TopologyInit {
  /**
   * This box's neighbours as the mesh sees them (connected first); called per answer.
   *
   * @default none (required)
   */
  neighbours: () => Promise<Neighbour[]>
  /**
   * Deadline of a depth-0 query in milliseconds; each level of relay adds as much again.
   *
   * @default 2000
   */
  timeoutMsPerHop?: number
  /**
   * Neighbours a relaying box asks on a requester's behalf.
   *
   * @default 16
   */
  maxRelayFanout?: number
  /**
   * Requests per second answered per remote peer (sustained).
   *
   * @default 2
   */
  requestsPerSecond?: number
  /**
   * Requests a remote peer may send at once above `requestsPerSecond`.
   *
   * @default 6
   */
  requestBurst?: number
  /**
   * An answer is reused this long (milliseconds), so a burst of requests fans out once.
   *
   * @default 2000
   */
  cacheMs?: number
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
}

export interface TopologyComponents {
  peerId: PeerId
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

export interface QueryResult extends TopologyAnswer {
  /** request sent → answer read, ms */
  rttMs: number
  /** when the request was sent (our clock): clockMs − (sentAtMs + rttMs/2) estimates the clock offset */
  sentAtMs: number
}

export interface Topology extends Startable {
  /** our own report, as we would answer a depth-0 request */
  self(): Promise<Report>
  /** asks `peer` (dialing it if needed) for its report and, with depth > 0, the ones it relays */
  query(peer: PeerId | string, depth: number, opts?: { signal?: AbortSignal }): Promise<QueryResult>
}

/** Answers /kiez/topology/1.0.0 and asks others; see docs/TOPOLOGY.md. */
export class TopologyService implements Topology {
  private readonly log: Logger
  private readonly hop: number
  private readonly fanout: number
  private readonly rate: PeerRateLimit
  private readonly cacheMs: number
  private readonly now: () => number
  /** per depth: the answer being built or recently built */
  private readonly cache = new Map<number, { at: number, answer: Promise<TopologyAnswer> }>()
  private shutdown = new AbortController()
  private started = false

  constructor (private readonly components: TopologyComponents, private readonly init: TopologyInit) {
    this.log = components.logger.forComponent('kiez:topology')
    this.hop = init.timeoutMsPerHop ?? 2_000
    this.fanout = init.maxRelayFanout ?? 16
    this.rate = new PeerRateLimit(init.requestsPerSecond ?? 2, init.requestBurst ?? 6)
    this.cacheMs = init.cacheMs ?? 2_000
    this.now = init.now ?? Date.now
  }

  readonly [Symbol.toStringTag] = '@kiez/topology'

  async start (): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    await this.components.registrar.handle(TOPOLOGY_PROTOCOL, (stream, connection) => {
      this.onStream(stream, connection).catch((err) => {
        this.log('topology stream failed: %e', err)
      })
    }, { maxInboundStreams: 2, maxOutboundStreams: 2 * MAX_DEPTH + this.fanout })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort()
    this.cache.clear()
    await this.components.registrar.unhandle(TOPOLOGY_PROTOCOL)
  }

  isStarted (): boolean {
    return this.started
  }

  async self (): Promise<Report> {
    const all = await this.init.neighbours()
    const me = this.components.peerId.toString()
    return { peerId: me, neighbours: all.filter((n) => n.peerId !== me).slice(0, MAX_NEIGHBOURS) }
  }

  /** The deadline of a query at `depth`: a relaying box must finish its own queries first. */
  timeoutFor (depth: number): number {
    return this.hop * (depth + 1)
  }

  async query (peer: PeerId | string, depth: number, opts: { signal?: AbortSignal } = {}): Promise<QueryResult> {
    if (!this.started) throw new TopologyError('not_started', 'the topology service is not running')
    const id = typeof peer === 'string' ? peerIdFromString(peer) : peer
    const signal = AbortSignal.any([
      this.shutdown.signal,
      AbortSignal.timeout(this.timeoutFor(depth)),
      ...(opts.signal !== undefined ? [opts.signal] : [])
    ])
    let stream: Stream
    try {
      stream = await this.components.connectionManager.openStream(id, TOPOLOGY_PROTOCOL, { signal })
    } catch (err) {
      if (signal.aborted) throw new TopologyError('timeout', `no stream to ${id.toString()} in time`, { cause: err })
      throw new TopologyError(
        'unreachable',
        `cannot open a topology stream to ${id.toString()}: ${(err as Error).message}`,
        { cause: err }
      )
    }
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES, maxBufferSize: MAX_FRAME_BYTES + 1024 })
      const sentAtMs = this.now()
      const t0 = performance.now()
      await lp.write(encodeRequest({ depth }), { signal })
      const frame = await lp.read({ signal })
      const rttMs = performance.now() - t0
      const answer = decodeAnswer(frame.subarray())
      // the stream is authenticated: the first report must be the box we asked, or it speaks for someone else
      if (answer.reports[0]?.peerId !== id.toString()) {
        throw new TopologyError('wrong_peer', `${id.toString()} answered as ${answer.reports[0]?.peerId ?? 'nobody'}`)
      }
      await stream.close({ signal }).catch(() => {})
      return { ...answer, rttMs, sentAtMs }
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw toTopologyError(err, signal)
    }
  }

  private async onStream (stream: Stream, connection: Connection): Promise<void> {
    const requester = connection.remotePeer.toString()
    if (!this.rate.take(requester)) {
      stream.abort(new TopologyError('busy', 'too many topology requests'))
      return
    }
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.timeoutFor(MAX_DEPTH) + this.hop)])
    try {
      // a request is a few bytes: cap its frame far below the answer's
      const lp = lpStream(stream, { maxDataLength: 256, maxBufferSize: 1024 })
      const req = decodeRequest((await lp.read({ signal })).subarray())
      const answer = await this.answer(req.depth, requester)
      await lp.write(encodeAnswer(answer), { signal })
      await stream.close({ signal })
    } catch (err) {
      this.log('topology request from %s refused: %s', requester, (err as Error).message)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** Our report plus, for depth > 0, what our neighbours (not the requester) report; cached briefly. */
  private async answer (depth: number, requester: string): Promise<TopologyAnswer> {
    const hit = this.cache.get(depth)
    if (hit !== undefined && this.now() - hit.at < this.cacheMs) return await hit.answer
    const answer = this.build(depth, requester)
    this.cache.set(depth, { at: this.now(), answer })
    answer.catch(() => {
      this.cache.delete(depth)
    })
    return await answer
  }

  private async build (depth: number, requester: string): Promise<TopologyAnswer> {
    const me = await this.self()
    const reports = [me]
    if (depth > 0) {
      const ask = me.neighbours.filter((n) => n.connected && n.peerId !== requester).slice(0, this.fanout)
      const answers = await Promise.allSettled(ask.map(async (n) => await this.query(n.peerId, depth - 1)))
      const seen = new Set([me.peerId])
      for (const a of answers) {
        if (a.status !== 'fulfilled') continue
        for (const r of a.value.reports) {
          if (seen.has(r.peerId) || reports.length >= MAX_REPORTS) continue
          seen.add(r.peerId)
          reports.push(r)
        }
      }
    }
    return { clockMs: this.now(), reports }
  }
}

function toTopologyError (err: unknown, signal: AbortSignal): unknown {
  if (err instanceof TopologyError) return err
  const name = (err as Error)?.name
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'StreamBufferError') {
    return new TopologyError('too_large', (err as Error).message, { cause: err })
  }
  if (signal.aborted || name === 'AbortError' || name === 'TimeoutError') {
    return new TopologyError('timeout', 'no topology answer in time', { cause: err })
  }
  return new TopologyError('unreachable', `topology query failed: ${(err as Error)?.message ?? String(err)}`, {
    cause: err
  })
}

/** The libp2p service factory: `services: { topology: topology({ neighbours }) }`. */
export function topology (init: TopologyInit): (components: TopologyComponents) => Topology {
  return (components) => new TopologyService(components, init)
}
