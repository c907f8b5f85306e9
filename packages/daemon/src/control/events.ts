import type { ServerResponse } from 'node:http'
import type { EntryJson } from './types.js'

export interface EventHubInit {
  /**
   * Most event streams open at once; more are refused with 503.
   *
   * @default 32
   */
  maxStreams?: number
  /**
   * A stream whose unsent bytes pass this is cut (a stalled client must not grow our memory).
   *
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number
  /**
   * Comment line interval in milliseconds, so dead clients are noticed and proxies keep the stream.
   *
   * @default 15000
   */
  heartbeatMs?: number
}

/**
 * Server-Sent Events for the control socket (`kiez feed --follow`): every
 * stored entry, whatever brought it, as `event: entry`. Each stream is
 * bounded by the socket's own buffer; a slow reader is disconnected, never queued for.
 */
export class EventHub {
  private readonly streams = new Set<ServerResponse>()
  private readonly maxStreams: number
  private readonly maxBufferedBytes: number
  private readonly heartbeatMs: number
  private timer: NodeJS.Timeout | undefined

  constructor (init: EventHubInit = {}) {
    this.maxStreams = init.maxStreams ?? 32
    this.maxBufferedBytes = init.maxBufferedBytes ?? 1024 * 1024
    this.heartbeatMs = init.heartbeatMs ?? 15_000
  }

  get size (): number {
    return this.streams.size
  }

  full (): boolean {
    return this.streams.size >= this.maxStreams
  }

  add (res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
    res.write(': kiez events\n\n')
    this.streams.add(res)
    res.once('close', () => this.streams.delete(res))
    this.timer ??= setInterval(() => {
      this.broadcast(': heartbeat\n\n')
    }, this.heartbeatMs).unref()
  }

  entry (e: EntryJson): void {
    this.broadcast(`event: entry\ndata: ${JSON.stringify(e)}\n\n`)
  }

  private broadcast (chunk: string): void {
    for (const res of this.streams) {
      if (res.writableLength > this.maxBufferedBytes) {
        res.destroy()
        continue
      }
      res.write(chunk)
    }
  }

  /** Ends every stream (the daemon is stopping): clients see a clean end, not a hang. */
  close (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    for (const res of this.streams) res.end()
    this.streams.clear()
  }
}
