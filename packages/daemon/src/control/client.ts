import { request } from 'node:http'
import type {
  ControlErrorCode,
  DhtFindJson,
  DhtTableJson,
  EntryJson,
  FeedJson,
  PairJson,
  PairRequest,
  BrowserSessionsJson,
  PeersJson,
  PingJson,
  PingRequest,
  PostRequest,
  UploadedBlobJson,
  ProfileRequest,
  RevokeJson,
  StatusJson,
  SyncJson,
  TopologyJson,
  WhyJson,
  DoctorFactsJson
} from './types.js'
import { moderationClient, type ModerationControlApi } from './moderation-client.js'
import { messageClient, type MessageControlApi } from './message-client.js'
import { memberClient, type MemberControlApi } from './member-client.js'

export type ControlClientErrorCode = 'daemon_unreachable' | 'bad_response' | ControlErrorCode

/** A failed control call: `daemon_unreachable`, `bad_response`, or the daemon's own error code. */
export class ControlClientError extends Error {
  readonly code: ControlClientErrorCode
  readonly status: number | undefined
  constructor (code: ControlClientErrorCode, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ControlClientError'
    this.code = code
    this.status = status
  }
}

export interface ControlClientInit {
  /**
   * The daemon's control socket (see controlSocketPath).
   *
   * @default none (required)
   */
  socketPath: string
  /**
   * How long one call may take before the daemon counts as unreachable, in milliseconds
   * (`ping` allows more, by its count and timeout).
   *
   * @default 10000
   */
  timeoutMs?: number
  /**
   * Refuse bigger responses, in bytes: the daemon is local but its replies still get bounded.
   *
   * @default 16777216 (16 MiB)
   */
  maxResponseBytes?: number
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ECONNRESET', 'EACCES', 'EPERM'])

/** The CLI's side of the control endpoint (HTTP over the daemon's unix socket). */
export class ControlClient {
  private readonly socketPath: string
  private readonly timeoutMs: number
  private readonly maxResponseBytes: number

  constructor (init: ControlClientInit) {
    this.socketPath = init.socketPath
    this.timeoutMs = init.timeoutMs ?? 10_000
    this.maxResponseBytes = init.maxResponseBytes ?? 16 * 1024 * 1024
  }

  async status (): Promise<StatusJson> {
    return await this.call('GET', '/status')
  }
  async peers (): Promise<PeersJson> {
    return await this.call('GET', '/peers')
  }
  async post (req: PostRequest): Promise<EntryJson> {
    return await this.call('POST', '/posts', req)
  }

  /** uploads an image (≤ 1 MiB of JPEG/PNG/WebP/AVIF) for a post's `images`; resolves with its blob id */
  async uploadBlob (bytes: Uint8Array): Promise<UploadedBlobJson> {
    return await this.call('POST', '/blobs', { data: Buffer.from(bytes).toString('base64') })
  }
  /** deletes one of this box's own entries (or member `as`'s); resolves with the delete entry */
  async deleteEntry (id: string, as?: string): Promise<EntryJson> {
    const qs = as === undefined ? '' : `?${new URLSearchParams({ as }).toString()}`
    return await this.call('DELETE', `/entries/${encodeURIComponent(id)}${qs}`)
  }
  /** replaces the text of one of this box's own posts or replies (or member `as`'s); resolves with the edit entry */
  async editEntry (id: string, text: string, as?: string): Promise<EntryJson> {
    return await this.call('PUT', `/entries/${encodeURIComponent(id)}`, as === undefined ? { text } : { text, as })
  }
  /** a profile entry: the box's display name, or member `as`'s */
  async profile (req: ProfileRequest): Promise<EntryJson> {
    return await this.call('POST', '/profile', req)
  }
  /** the household's people (`kiez member …`) */
  get members (): MemberControlApi {
    return memberClient(async (method, path, body) => await this.call(method, path, body))
  }

  // Lookups and pings wait on the network (a DHT walk takes up to 15 s, each ping up to its timeout): allow for that.
  async dhtFind (peerId: string): Promise<DhtFindJson> {
    return await this.call('GET', `/dht/find/${encodeURIComponent(peerId)}`, undefined, 30_000)
  }
  async dhtTable (): Promise<DhtTableJson> {
    return await this.call('GET', '/dht/table')
  }
  /** with an author (peer id): every neighbour's row for that author alone */
  async sync (query: { author?: string } = {}): Promise<SyncJson> {
    return await this.call(
      'GET',
      query.author === undefined ? '/sync' : `/sync?${new URLSearchParams({ author: query.author }).toString()}`
    )
  }
  // the crawl has a 10 s deadline of its own
  async why (id: string, hint: { author?: string, seq?: number } = {}): Promise<WhyJson> {
    const qs = new URLSearchParams()
    if (hint.author !== undefined) qs.set('author', hint.author)
    if (hint.seq !== undefined) qs.set('seq', String(hint.seq))
    const s = qs.toString()
    return await this.call('GET', `/why/${encodeURIComponent(id)}${s === '' ? '' : `?${s}`}`)
  }

  // asks neighbours for their clocks (2 s each, in parallel)
  async doctor (): Promise<DoctorFactsJson> {
    return await this.call('GET', '/doctor', undefined, 20_000)
  }
  async topology (): Promise<TopologyJson> {
    return await this.call('GET', '/topology', undefined, 30_000)
  }
  async pair (req: PairRequest = {}): Promise<PairJson> {
    // no body unless a member is named: a daemon from before members takes a bare POST
    return await this.call('POST', '/pair', req.member === undefined ? undefined : req)
  }
  async browserSessions (): Promise<BrowserSessionsJson> {
    return await this.call('GET', '/sessions')
  }
  async revokeSession (id: string): Promise<RevokeJson> {
    return await this.call('DELETE', `/sessions/${encodeURIComponent(id)}`)
  }
  async revokeSessions (): Promise<RevokeJson> {
    return await this.call('POST', '/sessions/revoke')
  }
  /** private messages (`kiez dm …`) */
  get dm (): MessageControlApi {
    return messageClient(async (method, path, body) => await this.call(method, path, body))
  }
  /** blocks and followed moderation lists (`kiez block`, `kiez moderation …`) */
  get moderation (): ModerationControlApi {
    return moderationClient(async (method, path, body) => await this.call(method, path, body))
  }
  // two DHT walks at most (before, and after stale addresses failed), then each round trip
  async ping (req: PingRequest): Promise<PingJson> {
    return await this.call('POST', '/ping', req, 32_000 + (req.count ?? 3) * ((req.timeoutMs ?? 5_000) + 1_000))
  }

  /**
   * Follows the daemon's entry stream (SSE) until it ends or `signal` aborts.
   * Resolves when the stream ends, rejects if it cannot be opened.
   */
  async follow (
    onEntry: (e: EntryJson) => void,
    opts: { signal?: AbortSignal, onOpen?: () => void } = {}
  ): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath,
        method: 'GET',
        path: '/events',
        headers: { accept: 'text/event-stream' },
        signal: opts.signal
      }, (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          reject(
            new ControlClientError(
              'bad_response',
              `the daemon answered ${res.statusCode ?? '?'} to /events`,
              res.statusCode
            )
          )
          return
        }
        opts.onOpen?.()
        const parser = new SseParser((event, data) => {
          if (event !== 'entry') return
          try {
            onEntry(JSON.parse(data) as EntryJson)
          } catch { /* a line we cannot read is skipped, not fatal */ }
        })
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          if (!parser.push(chunk)) {
            req.destroy()
            reject(new ControlClientError('bad_response', 'the event stream sent an over-long line'))
          }
        })
        res.on('end', () => resolve())
        res.on('error', () => resolve())
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') {
          resolve()
          return
        }
        reject(
          new ControlClientError(
            'daemon_unreachable',
            `cannot reach the daemon at ${this.socketPath} (${err.code ?? err.message})`,
            undefined,
            { cause: err }
          )
        )
      })
      req.end()
    })
  }

  async feed (query: { limit?: number, before?: string, kind?: string } = {}): Promise<FeedJson> {
    const qs = new URLSearchParams()
    if (query.kind !== undefined) qs.set('kind', query.kind)
    if (query.limit !== undefined) qs.set('limit', String(query.limit))
    if (query.before !== undefined) qs.set('before', query.before)
    const s = qs.toString()
    return await this.call('GET', s === '' ? '/feed' : `/feed?${s}`)
  }

  async search (query: { q: string, kind?: string, limit?: number }): Promise<FeedJson> {
    const qs = new URLSearchParams({ q: query.q })
    if (query.kind !== undefined) qs.set('kind', query.kind)
    if (query.limit !== undefined) qs.set('limit', String(query.limit))
    return await this.call('GET', `/search?${qs.toString()}`)
  }

  async call<T> (method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    return await new Promise<T>((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json' }
      if (payload !== undefined) {
        headers['content-type'] = 'application/json'
        headers['content-length'] = payload.byteLength
      }
      const req = request({ socketPath: this.socketPath, method, path, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.byteLength
          if (size > this.maxResponseBytes) {
            req.destroy()
            reject(new ControlClientError('bad_response', `the daemon's answer is over ${this.maxResponseBytes} bytes`))
            return
          }
          chunks.push(c)
        })
        res.on(
          'error',
          (err) =>
            reject(
              new ControlClientError('daemon_unreachable', `the daemon hung up: ${err.message}`, undefined, {
                cause: err
              })
            )
        )
        res.on('end', () => {
          let json: unknown
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
          } catch {
            reject(
              new ControlClientError(
                'bad_response',
                `the daemon answered ${res.statusCode ?? '?'} with a body that is not JSON`,
                res.statusCode
              )
            )
            return
          }
          const status = res.statusCode ?? 0
          if (status >= 200 && status < 300) {
            resolve(json as T)
            return
          }
          const e = (json as { error?: { code?: unknown, message?: unknown } }).error
          reject(
            new ControlClientError(
              // the daemon is this install's own: its codes are ControlErrorCode, trusted as its answers' shapes are
              typeof e?.code === 'string' ? e.code as ControlErrorCode : 'bad_response',
              typeof e?.message === 'string' ? e.message : `the daemon answered ${status}`,
              status
            )
          )
        })
      })
      req.on(
        'timeout',
        () =>
          req.destroy(new ControlClientError('daemon_unreachable', `the daemon did not answer within ${timeoutMs} ms`))
      )
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ControlClientError) {
          reject(err)
          return
        }
        if (err.code !== undefined && UNREACHABLE.has(err.code)) {
          reject(
            new ControlClientError(
              'daemon_unreachable',
              `cannot reach the daemon at ${this.socketPath} (${err.code})`,
              undefined,
              { cause: err }
            )
          )
        } else {reject(
            new ControlClientError(
              'daemon_unreachable',
              `cannot reach the daemon at ${this.socketPath}: ${err.message}`,
              undefined,
              { cause: err }
            )
          )}
      })
      req.end(payload)
    })
  }
}

/** Minimal text/event-stream parser: `event:` and `data:` fields, bounded line length. */
class SseParser {
  private buf = ''
  private event = 'message'
  private data: string[] = []
  constructor (private readonly emit: (event: string, data: string) => void, private readonly maxLine = 1024 * 1024) {}

  /** false when a line exceeds the bound (the caller drops the stream) */
  push (chunk: string): boolean {
    this.buf += chunk
    let i
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '')
      this.buf = this.buf.slice(i + 1)
      if (line === '') {
        if (this.data.length > 0) this.emit(this.event, this.data.join('\n'))
        this.event = 'message'
        this.data = []
      } else if (line.startsWith('event:')) this.event = line.slice(6).trim()
      else if (line.startsWith('data:')) this.data.push(line.slice(5).replace(/^ /, ''))
    }
    return this.buf.length <= this.maxLine
  }
}
