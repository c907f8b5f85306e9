import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { hostname } from 'node:os'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest
} from 'fastify'
import { lazySchemaController } from './compilers.js'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { entryId, type Entry } from '@kiez/feed'
import { EntryFormatter, isShown } from './entry-json.js'
import { asClientError, GatewayError, type GatewayErrorCode } from './errors.js'
import { EventStream } from './events.js'
import { FailureWindow, RateLimiter } from './limits.js'
import { GatewayMetrics } from './metrics.js'
import { MemberSessions } from './members.js'
import { PairingCodes, type SessionInfo, SessionStore, sessionCookie } from './pairing.js'
import { ProfileNames } from './profiles.js'
import type { RouteContext } from './routes/context.js'
import { registerReports } from './routes/reports.js'
import { ModerationView } from './moderation.js'
import { registerEntries } from './routes/entries.js'
import { registerEvents } from './routes/events.js'
import { registerFeed } from './routes/feed.js'
import { registerSearch } from './routes/search.js'
import { registerMetrics } from './routes/metrics.js'
import { registerPairing, SESSION_COOKIE } from './routes/pairing.js'
import { registerPeers } from './routes/peers.js'
import { registerMembers } from './routes/members.js'
import { registerMessages } from './routes/messages.js'
import { registerBlobs } from './routes/blobs.js'
import { registerProfile } from './routes/profile.js'
import { registerStatus } from './routes/status.js'
import { registerTopology } from './routes/topology.js'
import { defaultAllowedHosts, HostCheck, isJson, sameOrigin, SECURITY_HEADERS, setSecurityHeaders } from './security.js'
import { registerStatic } from './static.js'
import { HttpAnnouncer } from './announce.js'
import { TopologyWatch } from './topology-watch.js'
import type { EntryJson, GatewayBackend, ShownEntry, TopologyView } from './types.js'

export const API_PREFIX = '/api/v1'
export { SESSION_COOKIE }

export interface GatewayInit {
  /**
   * Address to listen on; '0.0.0.0' or '::' for every interface.
   *
   * @default none (required; the daemon's `http.host` defaults to '0.0.0.0')
   */
  host: string
  /**
   * TCP port to listen on; 0 picks a free one.
   *
   * @default none (required; the daemon's `http.port` defaults to 7300)
   */
  port: number
  /**
   * Extra names this box answers to, on top of loopback, interface addresses and the hostname.
   *
   * @default [] (none)
   */
  allowedHosts?: string[]
  /**
   * Replace the default list of allowed Host names entirely (tests).
   *
   * @default unset: loopback, every interface address, the hostname and `<hostname>.local`, plus `allowedHosts`
   */
  onlyAllowedHosts?: string[]
  /**
   * The built web feed (packages/web/dist); without an index.html in it, only the API is served.
   *
   * @default none (no web feed)
   */
  webRoot?: string
  /**
   * File where paired browsers' session hashes persist.
   *
   * @default none (sessions in memory only)
   */
  sessionsPath?: string
  /**
   * Largest request body, in bytes.
   *
   * @default 65536 (64 KiB)
   */
  bodyLimit?: number
  /**
   * Most event streams open at once; more are refused with 503.
   *
   * @default 64
   */
  maxEventClients?: number
  /**
   * Event streams one client address may hold.
   *
   * @default 8
   */
  maxEventClientsPerIp?: number
  /**
   * Past events a reconnecting client can resume from (Last-Event-ID).
   *
   * @default 512
   */
  replayEvents?: number
  /**
   * Posts and profile updates per IP: burst (`capacity`) and steady rate (`refillPerSec`, per second).
   *
   * @default { capacity: 20, refillPerSec: 0.5 }
   */
  postRate?: { capacity: number, refillPerSec: number }
  /**
   * Pairing attempts per IP: burst and steady rate per second.
   *
   * @default { capacity: 10, refillPerSec: 0.1 }
   */
  pairRate?: { capacity: number, refillPerSec: number }
  /**
   * Wrong pairing codes before a lock-out, per IP (`perKey`) and over all IPs (`total`), in `windowMs` milliseconds.
   *
   * @default { perKey: 5, total: 50, windowMs: 900000 } (15 minutes)
   */
  pairLockout?: { perKey: number, total: number, windowMs: number }
  /**
   * Announce the web feed by mDNS/DNS-SD as _http._tcp.local (never when bound to loopback).
   *
   * @default false
   */
  announce?: boolean
  /**
   * DNS-SD instance name.
   *
   * @default "Kiez on <hostname>"
   */
  instanceName?: string
  /**
   * Most open sockets (event streams included).
   *
   * @default 256
   */
  maxConnections?: number
  /**
   * How often (milliseconds) the mesh map is re-checked for a `topology` event while a page listens; 0 = never.
   *
   * @default 10000
   */
  topologyEventMs?: number
}

export interface GatewayComponents {
  backend: GatewayBackend
  logger: Logger
  /** the daemon's one metrics registry */
  registry: Registry
}

/** Fastify's own errors a client can cause, mapped to our stable codes. */
const FASTIFY_CODES: Record<string, { status: number, code: GatewayErrorCode }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_request' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'invalid_request' }
}

const SAFE_METHODS = new Set(['GET', 'HEAD'])
/** one mesh map serves every reader this long (a crawl fans out over the neighbours) */
const TOPOLOGY_CACHE_MS = 10_000
/** a neighbour came or went: after this long the map is crawled again for the `topology` event */
const TOPOLOGY_SETTLE_MS = 2_000

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: a state-changing route that needs no session (pairing itself) */
    session?: boolean
    /** per-IP rate limit bucket for this route */
    rate?: 'post' | 'pair'
    /** true: the body is raw bytes, not JSON (an image upload); same origin and a session still required */
    raw?: boolean
  }
}

function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/** An answer written straight to the socket: Node has given up on parsing the request. */
function rawClientError (err: Error & { code?: string }, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const [status, code, reason] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'headers_too_large', 'Request Header Fields Too Large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? [408, 'request_timeout', 'Request Timeout']
    : [400, 'invalid_request', 'Bad Request']
  const body = JSON.stringify({ error: { code, message: `the request is not valid HTTP (${reason.toLowerCase()})` } })
  const headers = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n${headers}content-type: application/json; charset=utf-8\r\ncontent-length: ${
      Buffer.byteLength(body)
    }\r\nconnection: close\r\n\r\n${body}`
  )
}

function sendError (
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  retryAfterS?: number
): FastifyReply {
  if (retryAfterS !== undefined) void reply.header('retry-after', String(retryAfterS))
  return reply.status(status).send({ error: { code, message } })
}

/**
 * The LAN HTTP gateway: the web feed, /api/v1, Server-Sent Events, /metrics.
 * The LAN is not trusted: a Host check before routing (DNS rebinding),
 * same-origin + JSON + session cookie for anything that changes state,
 * bounded bodies, streams and rates, and the same strict headers on every
 * answer.
 */
/** At most one `moderation` event per this many ms. */
const MODERATION_EVENT_MS = 500

export class Gateway {
  private readonly init: GatewayInit
  private readonly components: GatewayComponents
  readonly hosts: HostCheck
  readonly pairing = new PairingCodes()
  readonly sessions: SessionStore
  readonly events: EventStream
  private readonly names: ProfileNames
  private readonly moderation: ModerationView
  private readonly people: MemberSessions
  private readonly format: EntryFormatter
  private readonly metrics: GatewayMetrics
  private readonly postLimiter: RateLimiter
  private readonly pairLimiter: RateLimiter
  private readonly pairFailures: FailureWindow
  private readonly routeTable: Array<{ method: string, url: string }> = []
  private readonly streamsByIp = new Map<string, number>()
  private app: FastifyInstance | undefined
  private announcer: HttpAnnouncer | undefined
  private unsubscribe: Array<() => void> = []
  private boundUrl: string | undefined
  private webServed = false
  private topologyCache: { at: number, pending: boolean, map: Promise<TopologyView> } | undefined
  private topologyWatch: TopologyWatch | undefined
  /** when the store last took an entry (any origin): heads a neighbour sent before it may be out of date */
  private newestStoredAt = 0

  constructor (components: GatewayComponents, init: GatewayInit) {
    this.components = components
    this.init = init
    const only = init.onlyAllowedHosts
    this.hosts = new HostCheck(
      only !== undefined ? only : () => [...defaultAllowedHosts(), ...(init.allowedHosts ?? [])]
    )
    this.sessions = new SessionStore(init.sessionsPath !== undefined ? { path: init.sessionsPath } : {})
    this.events = new EventStream({ maxClients: init.maxEventClients ?? 64, replayEvents: init.replayEvents ?? 512 })
    this.names = new ProfileNames(components.backend.feed)
    this.format = new EntryFormatter(4096, {
      claims: components.backend.claims,
      life: () => this.components.backend.life
    })
    this.moderation = new ModerationView(components.backend.moderation, this.names)
    this.people = new MemberSessions(components.backend.members)
    this.metrics = new GatewayMetrics(components.registry, components.backend)
    this.postLimiter = new RateLimiter(init.postRate ?? { capacity: 20, refillPerSec: 0.5 })
    this.pairLimiter = new RateLimiter(init.pairRate ?? { capacity: 10, refillPerSec: 0.1 })
    this.pairFailures = new FailureWindow(init.pairLockout ?? { perKey: 5, total: 50, windowMs: 15 * 60_000 })
  }

  /** `http://host:port/` once listening */
  get url (): string | undefined {
    return this.boundUrl
  }

  /** Every route as registered (method, path pattern); tests iterate it. */
  routes (): Array<{ method: string, url: string }> {
    return [...this.routeTable]
  }

  async start (): Promise<void> {
    if (this.app !== undefined) return
    const { backend, logger } = this.components
    const loaded = await this.sessions.load()
    if (!loaded.ok) {
      logger.warn(
        { path: this.init.sessionsPath, reason: loaded.reason },
        'cannot read the paired browsers\' sessions; they must pair again'
      )
    }
    const app = await this.build()
    await app.listen({ host: this.init.host, port: this.init.port })
    this.app = app
    const addr = app.server.address()
    const port = typeof addr === 'object' && addr !== null ? addr.port : this.init.port
    const shown = this.init.host === '0.0.0.0' || this.init.host === '::'
      ? `${hostname()}.local`
      : this.init.host.includes(':')
      ? `[${this.init.host}]`
      : this.init.host
    this.boundUrl = `http://${shown}:${port}/`
    this.unsubscribe.push(backend.feed.onEntry((e, origin) => {
      this.onEntry(e, origin)
    }))
    // blocks, unblocks, follows and list entries change what the feed shows: pages load it again
    const onModeration = backend.moderation?.onChange?.bind(backend.moderation)
    if (onModeration !== undefined) {
      // coalesced: a list caught up by sync changes things thousands of times in a second
      let timer: NodeJS.Timeout | undefined
      this.unsubscribe.push(
        onModeration(() => {
          timer ??= setTimeout(() => {
            timer = undefined
            this.events.publish('moderation', () => ({}))
          }, MODERATION_EVENT_MS)
        }),
        () => clearTimeout(timer)
      )
    }
    // a member added, removed or renamed: pages ask GET /session again (who they post as, the switcher)
    // a message for one of the members: the page asks /api/v1/messages (the stream is the LAN's, so no names here)
    const onMessage = backend.messages?.onMessage.bind(backend.messages)
    if (onMessage !== undefined) this.unsubscribe.push(onMessage(() => this.events.publish('messages', () => ({}))))
    const onMembers = backend.members?.onChange?.bind(backend.members)
    if (onMembers !== undefined) this.unsubscribe.push(onMembers(() => this.events.publish('members', () => ({}))))
    const onPayload = backend.feed.onPayload?.bind(backend.feed)
    if (onPayload !== undefined) {
      this.unsubscribe.push(onPayload((e) => {
        this.onLatePayload(e)
      }))
    }
    const topology = backend.topology?.bind(backend)
    const every = this.init.topologyEventMs ?? TOPOLOGY_CACHE_MS
    if (topology !== undefined && every > 0) {
      this.topologyWatch = new TopologyWatch({
        draw: async (fresh) => await this.topologyMap(topology, fresh ? TOPOLOGY_SETTLE_MS : TOPOLOGY_CACHE_MS),
        // a summary, not the map: the replay ring keeps 512 events, and the page GETs the (cached) map anyway
        publish: (map) => {
          this.events.publish(
            'topology',
            () => ({ boxes: map.boxes.length, links: map.links.length, truncated: map.truncated })
          )
        },
        listening: () => this.events.size > 0,
        everyMs: every,
        settleMs: TOPOLOGY_SETTLE_MS
      })
      this.topologyWatch.start()
    }
    this.unsubscribe.push(backend.onPeer((p) => {
      this.events.publish('peer', () => p)
      this.topologyWatch?.poke()
    }))
    // A gateway bound to loopback is not on the LAN: nothing to announce there.
    const wildcard = ['0.0.0.0', '::', ''].includes(this.init.host)
    if (this.init.announce === true && (wildcard || !isLoopback(this.init.host))) {
      this.announcer = new HttpAnnouncer({ logger: logger.child({ component: 'http-mdns' }) }, {
        port,
        instance: this.init.instanceName ?? `Kiez on ${hostname()}`,
        ...(wildcard ? {} : { onlyAddress: this.init.host })
      })
      await this.announcer.start()
    }
    logger.info({ url: this.boundUrl, port, webFeed: this.webServed }, 'http gateway listening')
  }

  async stop (): Promise<void> {
    const app = this.app
    this.app = undefined
    for (const u of this.unsubscribe.splice(0)) u()
    this.topologyWatch?.stop()
    this.topologyWatch = undefined
    await this.announcer?.stop()
    this.announcer = undefined
    this.events.close()
    await app?.close()
  }

  private onEntry (e: ShownEntry, origin?: unknown): void {
    this.newestStoredAt = Date.now()
    this.names.note(e)
    this.metrics.stored.inc({ origin: origin === 'local' ? 'local' : 'mesh' })
    if (!isShown(e)) {
      this.publishChange(e)
      return
    }
    if (this.moderation.blocked(e.author)) return
    this.events.publish('entry', () => {
      const json = this.format.entry(e, this.names.cached(e.author))
      const hidden = this.moderation.hiddenNow(e)
      return hidden === undefined ? json : { ...json, hidden }
    })
  }

  /** A payload fetched after its entry: a text the page lacked, or a delete or edit that now takes effect. */
  private onLatePayload (e: ShownEntry): void {
    if (!isShown(e)) this.publishChange(e)
    else if (!this.moderation.blocked(e.author)) {
      this.events.publish('changed', () => ({ id: entryId(e.hash), reason: 'payload' }))
    }
  }

  /** A delete or edit (with its payload, so its target is known): the page GETs the target again. */
  private publishChange (e: ShownEntry): void {
    const body = e.body
    // a vote, an RSVP or a done changes its target's tally, counts or open state: the page GETs it again
    if (body?.type === 'vote') return this.events.publish('changed', () => ({ id: entryId(body.poll), reason: 'vote' }))
    if (body?.type === 'rsvp') {
      return this.events.publish('changed', () => ({ id: entryId(body.event), reason: 'rsvp' }))
    }
    if (body?.type === 'done') {
      return this.events.publish('changed', () => ({ id: entryId(body.target), reason: 'done' }))
    }
    if (body?.type !== 'delete' && body?.type !== 'edit') return
    const reason = body.type === 'delete' ? 'deleted' : 'edited'
    this.events.publish('changed', () => ({ id: entryId(body.target), reason }))
  }

  /**
   * A crawl asks every neighbour (who relay on): any page reader could set
   * that off, so one map serves everyone for TOPOLOGY_CACHE_MS, one crawl at a time.
   */
  private async topologyMap (
    draw: () => Promise<TopologyView>,
    maxAgeMs = TOPOLOGY_CACHE_MS
  ): Promise<TopologyView & { ageMs: number }> {
    const now = Date.now()
    if (this.topologyCache === undefined || (now - this.topologyCache.at > maxAgeMs && !this.topologyCache.pending)) {
      const entry: { at: number, pending: boolean, map: Promise<TopologyView> } = {
        at: now,
        pending: true,
        map: draw()
      }
      entry.map.then(() => {
        entry.pending = false
        entry.at = Date.now()
      }, () => {
        if (this.topologyCache === entry) this.topologyCache = undefined
      })
      this.topologyCache = entry
    }
    const cached = this.topologyCache
    const map = await cached.map
    return { ...map, ageMs: Math.max(0, Date.now() - cached.at) }
  }

  private async withName (e: Entry): Promise<EntryJson> {
    return this.format.entry(e, await this.names.nameOf(e.author))
  }

  private serverFactory (handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
    const server = createServer({
      maxHeaderSize: 16 * 1024,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000
    }, (req, res) => {
      setSecurityHeaders(res)
      // Before routing: a foreign Host means a rebinding page or a misdirected request; neither gets an answer of ours.
      if (!this.hosts.allows(req.headers.host)) {
        this.metrics.http.inc({ route: 'host_refused', method: req.method ?? '?', status: '421' })
        res.writeHead(421, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
        res.end(
          JSON.stringify({
            error: { code: 'misdirected_request', message: 'this box does not answer to that Host name' }
          })
        )
        return
      }
      handler(req, res)
    })
    server.maxHeadersCount = 64
    server.maxRequestsPerSocket = 1000
    // a LAN box serves a household, not the internet: more sockets than this is an attack or a bug
    server.maxConnections = this.init.maxConnections ?? 256
    return server
  }

  /** The Fastify app with every route, not listening. */
  async build (): Promise<FastifyInstance> {
    const { backend, logger, registry } = this.components
    const app = Fastify({
      loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: this.init.bodyLimit ?? 64 * 1024,
      forceCloseConnections: true,
      return503OnClosing: true,
      // each route's validators and serializers compile on its first call, not at the start
      schemaController: lazySchemaController({ allErrors: false }),
      serverFactory: (handler) => this.serverFactory(handler),
      // malformed URLs never reach routing: answer them in our shape too
      frameworkErrors: (_err, _req, reply) => {
        void sendError(reply, 400, 'invalid_request', 'the URL is malformed')
      },
      // bytes that are not HTTP at all (bad request line, oversized headers, a header timeout)
      clientErrorHandler: (err, socket) => {
        rawClientError(err, socket)
      }
    })
    // A DELETE says everything in its URL: it carries the JSON Content-Type every write must (the
    // onRequest hook below), but may leave the body empty. Fastify's own parser, for every other body.
    const json = app.getDefaultJsonParser('error', 'error')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      if (req.method === 'DELETE' && body === '') done(null, undefined)
      else void json(req, body as string, done)
    })

    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') this.routeTable.push({ method: m, url: r.url })
    })
    app.addHook('onResponse', async (req, reply) => {
      this.metrics.http.inc({
        route: req.routeOptions.url ?? 'unmatched',
        method: req.method,
        status: String(reply.statusCode)
      })
    })
    app.setErrorHandler((err: Error & { code?: string, validation?: unknown, statusCode?: number }, req, reply) => {
      const client = asClientError(err)
      if (client !== undefined) return sendError(reply, client.status, client.code, client.message, client.retryAfterS)
      if (err.validation !== undefined) return sendError(reply, 400, 'invalid_request', err.message)
      const known = err.code !== undefined ? FASTIFY_CODES[err.code] : undefined
      if (known !== undefined) return sendError(reply, known.status, known.code, err.message)
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        // a plugin's own refusal (@fastify/static: dotfiles, path traversal)
        const code = err.statusCode === 403 ? 'forbidden' : err.statusCode === 404 ? 'not_found' : 'invalid_request'
        return sendError(
          reply,
          err.statusCode,
          code,
          code === 'forbidden' ? 'that file is not served' : 'the request is malformed'
        )
      }
      req.log.error({ err, url: req.url }, 'http request failed')
      return sendError(reply, 500, 'internal', 'internal error; the box log has the details')
    })
    app.setNotFoundHandler((req, reply) =>
      sendError(reply, 404, 'not_found', `no route ${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}`)
    )

    // Anything that changes state: JSON only, from our own origin, with a session (pairing excepted).
    app.addHook('onRequest', async (req) => {
      if (SAFE_METHODS.has(req.method)) return
      if (req.routeOptions.config.raw !== true && !isJson(req.headers['content-type'])) {
        throw new GatewayError(415, 'unsupported_media_type', 'send Content-Type: application/json')
      }
      if (!sameOrigin(req.raw)) {
        throw new GatewayError(
          403,
          'cross_origin',
          'the request does not come from this box\'s own page (Origin / Sec-Fetch-Site)'
        )
      }
      const cfg = req.routeOptions.config
      if (cfg.session !== false && !this.hasSession(req)) {
        throw new GatewayError(
          401,
          'unauthorized',
          'pair this browser first: run `kiez pair` on the box and enter the code'
        )
      }
      if (cfg.rate !== undefined) {
        const wait = (cfg.rate === 'post' ? this.postLimiter : this.pairLimiter).take(req.ip)
        if (wait > 0) throw new GatewayError(429, 'rate_limited', 'too many requests; slow down', wait)
      }
    })

    registerMetrics(app, registry)

    const ctx: RouteContext = {
      backend,
      logger,
      names: this.names,
      format: this.format,
      moderation: this.moderation,
      withName: async (e) => await this.withName(e),
      hasSession: (req) => this.hasSession(req),
      session: (req) => this.session(req),
      people: this.people,
      newestStoredAt: () => this.newestStoredAt,
      topologyMap: async (draw) => await this.topologyMap(draw),
      pairing: this.pairing,
      sessions: this.sessions,
      pairFailures: this.pairFailures,
      events: this.events,
      metrics: this.metrics,
      streamsByIp: this.streamsByIp,
      maxEventClientsPerIp: this.init.maxEventClientsPerIp ?? 8
    }
    await app.register(async (api) => {
      registerStatus(api, ctx)
      registerPeers(api, ctx)
      registerTopology(api, ctx)
      registerFeed(api, ctx)
      registerSearch(api, ctx)
      registerEntries(api, ctx)
      registerReports(api, ctx)
      registerProfile(api, ctx)
      registerPairing(api, ctx)
      registerMembers(api, ctx)
      registerMessages(api, ctx)
      registerBlobs(api, ctx)
      registerEvents(api, ctx, `${API_PREFIX}/events`)
    }, { prefix: API_PREFIX })

    this.webServed = (await registerStatic(app, this.init.webRoot)).served
    return app
  }

  private hasSession (req: FastifyRequest): boolean {
    return this.sessions.valid(sessionCookie(req.headers.cookie, SESSION_COOKIE))
  }

  /** A member by name, as `kiez pair --member NAME` names them: exactly, else ignoring case (names are unique so). */
  memberNamed (name: string): { name: string, author: Uint8Array } | undefined {
    const list = this.components.backend.members?.list() ?? []
    const want = name.normalize('NFC')
    return list.find((m) => m.name === want) ??
      list.find((m) => m.name.toLocaleLowerCase() === want.toLocaleLowerCase())
  }

  /** The paired browsers with their members' names (`kiez pair --list`); members the box dropped are left out. */
  browsers (): Array<{ id: string, createdAt: number, lastSeenAt: number, members: string[], member?: string }> {
    const names = new Map(
      (this.components.backend.members?.list() ?? []).map((m) => [Buffer.from(m.author).toString('hex'), m.name])
    )
    return this.sessions.list().map((s) => {
      const out: { id: string, createdAt: number, lastSeenAt: number, members: string[], member?: string } = {
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        members: s.members.flatMap((k) => names.get(k) ?? [])
      }
      const current = s.current === undefined ? undefined : names.get(s.current)
      if (current !== undefined) out.member = current
      return out
    })
  }

  private session (req: FastifyRequest): { token: string, info: SessionInfo } | undefined {
    const token = sessionCookie(req.headers.cookie, SESSION_COOKIE)
    const info = this.sessions.get(token)
    return token === undefined || info === undefined ? undefined : { token, info }
  }
}
