// Test-only: real daemons in this process (real store, libp2p on 127.0.0.1, gateway on 127.0.0.1:0) and a raw HTTP client.
import { request } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, createMeshNode, Daemon, DEFAULT_CONFIG, type DaemonInit, type KiezConfig } from '@kiez/daemon'
import { onTestFinished } from 'vitest'

export interface Box {
  daemon: Daemon
  dataDir: string
  /** http://127.0.0.1:PORT */
  base: string
  /** Host header value that the box accepts */
  host: string
}

export class Boxes {
  private readonly boxes: Box[] = []
  private readonly dirs: string[] = []

  async dir (): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'kiez-gw-'))
    this.dirs.push(d)
    return d
  }

  async start (
    opts: {
      dataDir?: string
      bootstrap?: string[]
      webRoot?: string
      config?: Partial<KiezConfig>
      http?: DaemonInit['http']
    } = {}
  ): Promise<Box> {
    const dataDir = opts.dataDir ?? join(await this.dir(), 'box')
    const config: KiezConfig = {
      ...DEFAULT_CONFIG,
      dataDir,
      http: '127.0.0.1:0',
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      logLevel: 'silent',
      bootstrap: opts.bootstrap ?? [],
      ...opts.config
    }
    // generous write rates unless a test is about them: most tests post a lot
    const init: DaemonInit = { config, http: opts.http ?? { postRate: { capacity: 1000, refillPerSec: 100 } } }
    if (opts.webRoot !== undefined) init.webRoot = opts.webRoot
    const daemon = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, init)
    await daemon.start()
    const url = new URL(daemon.httpUrl as string)
    const box = { daemon, dataDir, base: `http://127.0.0.1:${url.port}`, host: `127.0.0.1:${url.port}` }
    this.boxes.push(box)
    return box
  }

  async stop (box: Box): Promise<void> {
    this.boxes.splice(this.boxes.indexOf(box), 1)
    await box.daemon.stop()
  }

  async close (): Promise<void> {
    for (const b of this.boxes.splice(0)) await b.daemon.stop().catch(() => {})
    for (const d of this.dirs.splice(0)) await rm(d, { recursive: true, force: true })
  }
}

/** What a raw request needs of a box: any gateway, in this process or not (a `kiez daemon` process too). */
export type Target = Pick<Box, 'base' | 'host'>

/** The Target for a gateway URL such as `http://127.0.0.1:41234/`. */
export function targetOf (url: string): Target {
  const u = new URL(url)
  return { base: `http://${u.host}`, host: u.host }
}

export interface Res {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

export interface Req {
  method?: string
  headers?: Record<string, string>
  /** an object is sent as JSON with Content-Type: application/json */
  body?: unknown
  /** Host header (default: the box's own) */
  host?: string
  /** source address (a 127.0.0.x), so per-address limits see another client */
  localAddress?: string
  /** send the body with Transfer-Encoding: chunked (no Content-Length), in 64 KiB chunks */
  chunked?: boolean
}

/** A raw request: fetch() would not let us forge Host, Origin or Sec-Fetch-Site. */
export async function call (box: Target, path: string, r: Req = {}): Promise<Res> {
  const u = new URL(box.base)
  const headers: Record<string, string | number> = { host: r.host ?? box.host, ...r.headers }
  let payload: Buffer | undefined
  if (r.body !== undefined) {
    payload = Buffer.isBuffer(r.body)
      ? r.body
      : Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body))
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json'
    }
    if (r.chunked !== true) headers['content-length'] = payload.byteLength
  }
  return await new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname,
      port: u.port,
      method: r.method ?? 'GET',
      path,
      headers,
      timeout: 15_000,
      ...(r.localAddress !== undefined ? { localAddress: r.localAddress } : {})
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: any
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer`)))
    req.on('error', reject)
    if (r.chunked === true && payload !== undefined) {
      for (let i = 0; i < payload.byteLength; i += 64 * 1024) req.write(payload.subarray(i, i + 64 * 1024))
      req.end()
    } else req.end(payload)
  })
}

/** Headers our own page's fetch() would send for a state-changing request. */
export function sameOrigin (box: Target, cookie?: string): Record<string, string> {
  const h: Record<string, string> = { origin: box.base.replace('127.0.0.1', '127.0.0.1') }
  if (cookie !== undefined) h.cookie = cookie
  return h
}

/**
 * Pairs through the real flow (a code from the daemon, POST /api/v1/pair) and returns the Cookie header value;
 * with `member`, a code from `kiez pair --member NAME`.
 */
export async function pair (box: Box, member?: string): Promise<string> {
  const { code } = await box.daemon.pair(member === undefined ? {} : { member })
  const r = await call(box, '/api/v1/pair', { method: 'POST', headers: sameOrigin(box), body: { code } })
  if (r.status !== 201) throw new Error(`pairing failed: ${r.status} ${r.text}`)
  const set = [r.headers['set-cookie']].flat()[0] as string
  return set.split(';')[0] as string
}

export interface SseEvent {
  id?: string
  event: string
  data: string
}

/** A live SSE stream; `events` fills as they arrive. */
export class Sse {
  readonly events: SseEvent[] = []
  status = 0
  /** the server ended the stream */
  ended = false
  headers: Record<string, string | string[] | undefined> = {}
  private buf = ''
  private cur: Partial<SseEvent> & { data?: string } = {}
  private req: ReturnType<typeof request> | undefined
  readonly opened: Promise<void>

  constructor (box: Box, lastEventId?: string) {
    const u = new URL(box.base)
    this.opened = new Promise((resolve, reject) => {
      const headers: Record<string, string> = { host: box.host, accept: 'text/event-stream' }
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
      this.req = request({ host: u.hostname, port: u.port, path: '/api/v1/events', headers }, (res) => {
        this.status = res.statusCode ?? 0
        this.headers = res.headers
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          this.push(c)
        })
        res.on('end', () => {
          this.ended = true
        })
        res.on('error', () => {})
        resolve()
      })
      this.req.on('error', reject)
      this.req.end()
    })
  }

  private push (chunk: string): void {
    this.buf += chunk
    let i
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i)
      this.buf = this.buf.slice(i + 1)
      if (line === '') {
        if (this.cur.event !== undefined || this.cur.data !== undefined) {
          this.events.push({
            event: this.cur.event ?? 'message',
            data: this.cur.data ?? '',
            ...(this.cur.id !== undefined ? { id: this.cur.id } : {})
          })
        }
        this.cur = {}
      } else if (line.startsWith('id: ')) this.cur.id = line.slice(4)
      else if (line.startsWith('event: ')) this.cur.event = line.slice(7)
      else if (line.startsWith('data: ')) {
        this.cur.data = (this.cur.data === undefined ? '' : this.cur.data + '\n') + line.slice(6)
      }
    }
  }

  entries (): any[] {
    return this.events.filter((e) => e.event === 'entry').map((e) => JSON.parse(e.data))
  }

  close (): void {
    this.req?.destroy()
  }
}

/** An event stream on `box`, closed when the test finishes, failed or not; a test may close it earlier. */
export function openSse (box: Box, lastEventId?: string): Sse {
  const s = new Sse(box, lastEventId)
  onTestFinished(() => s.close())
  return s
}
