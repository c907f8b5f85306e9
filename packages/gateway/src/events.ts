import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'

export interface EventStreamInit {
  /**
   * Most streams open at once; more are refused with 503.
   *
   * @default 64
   */
  maxClients?: number
  /**
   * A stream whose unsent bytes pass this is cut: a stalled client must not grow our memory.
   *
   * @default 262144 (256 KiB)
   */
  maxBufferedBytes?: number
  /**
   * How many past events a reconnecting client can resume from.
   *
   * @default 512
   */
  replayEvents?: number
  /**
   * Comment line interval in milliseconds, so dead clients are noticed and proxies keep the stream.
   *
   * @default 15000
   */
  heartbeatMs?: number
}

/** A past event; its text is built on first use (most events during a catch-up are never sent: nobody listens). */
interface Past {
  n: number
  event: string
  data: () => unknown
  chunk?: string
}

/**
 * Server-Sent Events with resumable ids. Every event gets id `<epoch>-<n>`:
 * `epoch` is random per gateway start, `n` counts up. A client reconnecting
 * with Last-Event-ID gets every event after `n` from a bounded ring; when `n`
 * has left the ring (or the epoch is another run's), it gets one `reset`
 * event instead and must reload /api/v1/feed: nothing is lost silently.
 */
export class EventStream {
  readonly epoch = randomBytes(4).toString('hex')
  private readonly clients = new Set<ServerResponse>()
  private readonly ring: Past[] = []
  private n = 0
  private readonly maxClients: number
  private readonly maxBufferedBytes: number
  private readonly replayEvents: number
  private readonly heartbeatMs: number
  private timer: NodeJS.Timeout | undefined
  /** streams cut because their client did not keep up */
  dropped = 0

  constructor (init: EventStreamInit = {}) {
    this.maxClients = init.maxClients ?? 64
    this.maxBufferedBytes = init.maxBufferedBytes ?? 256 * 1024
    this.replayEvents = init.replayEvents ?? 512
    this.heartbeatMs = init.heartbeatMs ?? 15_000
  }

  get size (): number {
    return this.clients.size
  }

  full (): boolean {
    return this.clients.size >= this.maxClients
  }

  /** Takes over `res` (headers already set by the caller's framework are kept). */
  add (res: ServerResponse, lastEventId: string | undefined): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no'
    })
    res.write('retry: 2000\n: kiez events\n\n')
    if (lastEventId !== undefined) res.write(this.replayFrom(lastEventId))
    this.clients.add(res)
    res.once('close', () => this.clients.delete(res))
    this.timer ??= setInterval(() => {
      this.send(': heartbeat\n\n')
    }, this.heartbeatMs).unref()
  }

  /** `data` is called only if the event is ever sent (live or on replay). */
  publish (event: string, data: () => unknown): void {
    const past: Past = { n: ++this.n, event, data }
    this.ring.push(past)
    if (this.ring.length > this.replayEvents) this.ring.shift()
    if (this.clients.size > 0) this.send(this.text(past))
  }

  private text (p: Past): string {
    p.chunk ??= `id: ${this.epoch}-${p.n}\nevent: ${p.event}\ndata: ${JSON.stringify(p.data())}\n\n`
    return p.chunk
  }

  private replayFrom (lastEventId: string): string {
    const m = /^([0-9a-f]{8})-(\d{1,15})$/.exec(lastEventId.trim())
    const after = m !== null && m[1] === this.epoch ? Number(m[2]) : undefined
    const oldest = this.ring[0]?.n ?? this.n + 1
    // every event after `after` is still in the ring (or there were none)
    if (after !== undefined && after <= this.n && after >= oldest - 1) {
      return this.ring.filter((p) => p.n > after).map((p) => this.text(p)).join('')
    }
    const reason = m === null ? 'bad_id' : m[1] !== this.epoch ? 'restarted' : 'too_old'
    return `id: ${this.epoch}-${this.n}\nevent: reset\ndata: ${JSON.stringify({ reason })}\n\n`
  }

  private send (chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength > this.maxBufferedBytes) {
        this.dropped++
        this.clients.delete(res)
        res.destroy()
        continue
      }
      res.write(chunk)
    }
  }

  /** Ends every stream (the gateway is stopping): clients see a clean end, then reconnect elsewhere or later. */
  close (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    for (const res of this.clients) res.end()
    this.clients.clear()
  }
}
