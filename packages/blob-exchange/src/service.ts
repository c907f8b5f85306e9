import { MAX_BLOB_BYTES, sha256 } from '@kiez/feed'
import type { Connection, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import {
  BLOB_PROTOCOL,
  CHUNK_BYTES,
  decodeFrame,
  encodeFrame,
  MAX_FRAME_BYTES,
  MAX_HOPS,
  type WireErrorCode
} from './wire.js'

export type BlobExchangeErrorCode =
  | 'not_found' // no neighbour asked had it
  | 'timeout' // nobody answered in time
  | 'busy' // too many fetches waiting on this box
  | 'not_started'

export class BlobExchangeError extends Error {
  constructor (readonly code: BlobExchangeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'BlobExchangeError'
  }
}

/** What the exchange needs of libp2p: handling a protocol and opening streams (the daemon adapts its node). */
export interface BlobHost {
  handle(
    protocol: string,
    handler: (stream: Stream, connection: Connection) => void,
    opts: { maxInboundStreams: number, maxOutboundStreams: number }
  ): Promise<void>
  unhandle(protocol: string): Promise<void>
  openStream(peerId: string, protocol: string, opts: { signal: AbortSignal }): Promise<Stream>
  /** peer ids of the connected neighbours */
  connected(): string[]
}

export interface BlobExchangeInit {
  host: BlobHost
  /** the blob's bytes when this box holds it (served; a read counts as a view) */
  get: (hash: Uint8Array) => Promise<Uint8Array | undefined>
  /** keeps a blob this box fetched to pass on (relayed); already checked against its hash */
  put: (hash: Uint8Array, bytes: Uint8Array) => Promise<void>
  /**
   * Whether this box may relay a want for the blob (fetch it from its other neighbours): the daemon
   * says yes only for blobs an entry it holds names, so a want of made-up hashes fans out nowhere.
   *
   * @default every blob
   */
  relays?: (hash: Uint8Array) => boolean
  /** a blob was fetched from `peer` (the daemon asks that neighbour first for the entry's other images) */
  onFetched?: (hash: Uint8Array, peer: string) => void
  /**
   * One hop's share of a neighbour's deadline for a whole blob (want → last chunk), ms: a want with
   * `hops` left gets (hops + 1) × this, so a relaying box can finish asking further first.
   *
   * @default 5000
   */
  hopTimeoutMs?: number
  /**
   * Blobs served at once to one neighbour: its in-flight bytes are at most this × 1 MiB.
   *
   * @default 2
   */
  maxServesPerPeer?: number
  /**
   * Blobs served at once in all.
   *
   * @default 16
   */
  maxServes?: number
  /**
   * Blobs fetched at once (each from one neighbour at a time).
   *
   * @default 8
   */
  maxFetches?: number
  /**
   * Fetches waiting for a slot; past it a fetch fails at once with `busy`.
   *
   * @default 256
   */
  maxWaiting?: number
  /**
   * Neighbours asked for one blob at most (the announcers first, then the rest).
   *
   * @default 8
   */
  maxPeersPerBlob?: number
}

export interface BlobExchangeCounters {
  /** blobs this box fetched, checked and took */
  fetched: number
  fetchedBytes: number
  /** blobs this box sent to neighbours */
  served: number
  servedBytes: number
  /** blobs a neighbour sent that did not match their hash (or size): refused, that neighbour scored down */
  refused: number
  /** fetches no neighbour could answer */
  failed: number
  /** requests refused because this box was serving its bound */
  busy: number
}

export interface FetchOptions {
  /** neighbours to ask first: those that sent or announced the blob's entry */
  prefer?: string[]
  /** neighbours never to ask (the one a relayed want came from) */
  exclude?: string[]
  /**
   * How far each neighbour may relay the want.
   *
   * @default MAX_HOPS
   */
  hops?: number
  signal?: AbortSignal
}

/** Refusals after which a neighbour is asked for nothing more (until the box restarts). */
const MAX_LIES = 3

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex')

/**
 * /kiez/blob/1.0.0: serves the blobs this box holds and fetches the ones it
 * lacks, one blob per stream. A fetched blob is whole and matches its hash
 * before it is handed on; a neighbour that sends other bytes is not asked
 * for that blob again, and after MAX_LIES such blobs not at all.
 */
export class BlobExchange {
  readonly counters: BlobExchangeCounters = {
    fetched: 0,
    fetchedBytes: 0,
    served: 0,
    servedBytes: 0,
    refused: 0,
    failed: 0,
    busy: 0
  }

  private readonly servingPer = new Map<string, number>()
  private serving = 0
  private fetching = 0
  private readonly waiting: Array<() => void> = []
  private readonly pending = new Map<string, Promise<Uint8Array>>()
  /** per neighbour: the blobs it lied about */
  private readonly lies = new Map<string, Set<string>>()
  private shutdown = new AbortController()
  private started = false
  private readonly opts: Required<Omit<BlobExchangeInit, 'host' | 'get' | 'put' | 'onFetched' | 'relays'>>

  constructor (private readonly init: BlobExchangeInit) {
    this.opts = {
      hopTimeoutMs: init.hopTimeoutMs ?? 5_000,
      maxServesPerPeer: init.maxServesPerPeer ?? 2,
      maxServes: init.maxServes ?? 16,
      maxFetches: init.maxFetches ?? 8,
      maxWaiting: init.maxWaiting ?? 256,
      maxPeersPerBlob: init.maxPeersPerBlob ?? 8
    }
  }

  async start (): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    await this.init.host.handle(BLOB_PROTOCOL, (stream, connection) => {
      void this.serve(stream, connection.remotePeer.toString())
    }, {
      // one over the bound per peer is answered `busy` rather than reset
      maxInboundStreams: this.opts.maxServesPerPeer + 1,
      maxOutboundStreams: this.opts.maxFetches
    })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort()
    for (const wake of this.waiting.splice(0)) wake()
    await this.init.host.unhandle(BLOB_PROTOCOL).catch(() => {})
  }

  /** Neighbours that sent blobs not matching their hash, and how many. */
  liars (): Array<{ peerId: string, blobs: number }> {
    return [...this.lies].map(([peerId, s]) => ({ peerId, blobs: s.size }))
  }

  /**
   * The blob `hash`, from the neighbours in `prefer` first (those that sent or announced its entry),
   * then any connected one but those in `exclude`; checked against its hash, not stored (the caller
   * keeps it). `hops`: how far each neighbour may relay the want. Concurrent fetches of one blob share one.
   */
  async fetch (hash: Uint8Array, opts: FetchOptions = {}): Promise<Uint8Array> {
    if (!this.started) throw new BlobExchangeError('not_started', 'the blob exchange is not running')
    const key = hex(hash)
    const running = this.pending.get(key)
    if (running !== undefined) return await running
    const p = this.fetchOnce(hash, key, opts).finally(() => this.pending.delete(key))
    this.pending.set(key, p)
    return await p
  }

  private async fetchOnce (hash: Uint8Array, key: string, opts: FetchOptions): Promise<Uint8Array> {
    await this.slot()
    try {
      const connected = new Set(this.init.host.connected())
      for (const p of opts.exclude ?? []) connected.delete(p)
      const hops = Math.max(0, Math.min(MAX_HOPS, opts.hops ?? MAX_HOPS))
      const order = [...new Set([...(opts.prefer ?? []).filter((p) => connected.has(p)), ...connected])]
        .filter((p) => (this.lies.get(p)?.has(key) !== true) && (this.lies.get(p)?.size ?? 0) < MAX_LIES)
        .slice(0, this.opts.maxPeersPerBlob)
      let timedOut = false
      for (const peer of order) {
        if (opts.signal?.aborted === true || this.shutdown.signal.aborted) break
        try {
          const bytes = await this.ask(peer, hash, key, hops, opts.signal)
          if (bytes !== undefined) {
            this.init.onFetched?.(hash, peer)
            this.counters.fetched++
            this.counters.fetchedBytes += bytes.byteLength
            return bytes
          }
        } catch (err) {
          if (err instanceof BlobExchangeError && err.code === 'timeout') timedOut = true
        }
      }
      this.counters.failed++
      if (timedOut || opts.signal?.aborted === true) {
        throw new BlobExchangeError('timeout', 'no neighbour sent the blob in time')
      }
      throw new BlobExchangeError('not_found', `none of ${order.length} neighbours asked has the blob`)
    } finally {
      this.release()
    }
  }

  /** One neighbour, one blob: the checked bytes, undefined when it has none (or lied), throws on timeout. */
  private async ask (
    peer: string,
    hash: Uint8Array,
    key: string,
    hops: number,
    outer?: AbortSignal
  ): Promise<Uint8Array | undefined> {
    const signal = AbortSignal.any([
      this.shutdown.signal,
      AbortSignal.timeout(this.opts.hopTimeoutMs * (hops + 1)),
      ...(outer !== undefined ? [outer] : [])
    ])
    let stream: Stream
    try {
      stream = await this.init.host.openStream(peer, BLOB_PROTOCOL, { signal })
    } catch {
      if (signal.aborted) throw new BlobExchangeError('timeout', `no stream to ${peer} in time`)
      return undefined
    }
    try {
      // the server writes its chunks without waiting: the buffer may hold a whole blob (the bound in flight)
      const lp = lpStream(stream, {
        maxDataLength: MAX_FRAME_BYTES,
        maxBufferSize: MAX_BLOB_BYTES + 2 * MAX_FRAME_BYTES
      })
      await lp.write(encodeFrame({ type: 'want', hash, hops }), { signal })
      const first = decodeFrame((await lp.read({ signal })).subarray())
      if (first.type === 'error') {
        await stream.close({ signal }).catch(() => {})
        return undefined
      }
      if (first.type !== 'have' || Buffer.compare(first.hash, hash) !== 0 || first.size > MAX_BLOB_BYTES) {
        this.lied(peer, key)
        stream.abort(new Error('a wrong answer to a want'))
        return undefined
      }
      const out = new Uint8Array(first.size)
      let got = 0
      while (got < first.size) {
        const f = decodeFrame((await lp.read({ signal })).subarray())
        if (f.type !== 'chunk' || got + f.data.byteLength > first.size) {
          this.lied(peer, key)
          stream.abort(new Error('chunks past the announced size'))
          return undefined
        }
        out.set(f.data, got)
        got += f.data.byteLength
      }
      await stream.close({ signal }).catch(() => {})
      if (Buffer.compare(sha256(out), hash) !== 0) {
        this.lied(peer, key)
        return undefined
      }
      return out
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      if (signal.aborted) throw new BlobExchangeError('timeout', `${peer} did not send the blob in time`)
      return undefined
    }
  }

  private lied (peer: string, key: string): void {
    this.counters.refused++
    let s = this.lies.get(peer)
    if (s === undefined) {
      // bounded: a box meets a street of neighbours, not thousands
      if (this.lies.size >= 1024) this.lies.delete(this.lies.keys().next().value as string)
      s = new Set()
      this.lies.set(peer, s)
    }
    s.add(key)
  }

  private async serve (stream: Stream, peer: string): Promise<void> {
    // the longest an asker waits (a want of MAX_HOPS), and a hop more
    const signal = AbortSignal.any([
      this.shutdown.signal,
      AbortSignal.timeout(this.opts.hopTimeoutMs * (MAX_HOPS + 2))
    ])
    // a want is 34 bytes: anything more is refused
    const lp = lpStream(stream, { maxDataLength: 64, maxBufferSize: 1024 })
    const refuse = async (code: WireErrorCode, message: string): Promise<void> => {
      await lp.write(encodeFrame({ type: 'error', code, message }), { signal })
      await stream.close({ signal })
    }
    const mine = this.servingPer.get(peer) ?? 0
    const full = mine >= this.opts.maxServesPerPeer || this.serving >= this.opts.maxServes
    this.servingPer.set(peer, mine + 1)
    this.serving++
    try {
      const want = decodeFrame((await lp.read({ signal })).subarray())
      if (want.type !== 'want') return await refuse('bad_request', 'a stream starts with a want')
      if (full) {
        this.counters.busy++
        return await refuse('busy', 'serving too many blobs; ask again later')
      }
      const bytes = await this.init.get(want.hash) ?? await this.relay(want.hash, want.hops, peer)
      if (bytes === undefined) return await refuse('not_found', 'this box does not hold that blob')
      await lp.write(encodeFrame({ type: 'have', hash: want.hash, size: bytes.byteLength }), { signal })
      for (let o = 0; o < bytes.byteLength; o += CHUNK_BYTES) {
        await lp.write(encodeFrame({ type: 'chunk', data: bytes.subarray(o, o + CHUNK_BYTES) }), { signal })
      }
      await stream.close({ signal })
      this.counters.served++
      this.counters.servedBytes += bytes.byteLength
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    } finally {
      this.serving--
      const n = (this.servingPer.get(peer) ?? 1) - 1
      if (n <= 0) this.servingPer.delete(peer)
      else this.servingPer.set(peer, n)
    }
  }

  /**
   * A blob this box lacks, asked for by `peer` with `hops` left: fetched from the other neighbours
   * (kept, so the next asker is served from here), or undefined. A blob already being fetched is
   * not waited for: the want may have come round a loop of boxes back to one that is asking.
   */
  private async relay (hash: Uint8Array, hops: number, peer: string): Promise<Uint8Array | undefined> {
    if (hops < 1 || this.pending.has(hex(hash)) || this.init.relays?.(hash) === false) return undefined
    try {
      const bytes = await this.fetch(hash, { hops: hops - 1, exclude: [peer] })
      await this.init.put(hash, bytes)
      return bytes
    } catch {
      return undefined
    }
  }

  private async slot (): Promise<void> {
    if (this.fetching < this.opts.maxFetches) {
      this.fetching++
      return
    }
    if (this.waiting.length >= this.opts.maxWaiting) {
      throw new BlobExchangeError('busy', 'too many blob fetches waiting')
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve))
    if (!this.started) throw new BlobExchangeError('not_started', 'the blob exchange stopped')
    this.fetching++
  }

  private release (): void {
    this.fetching--
    this.waiting.shift()?.()
  }
}
