import { chmod } from 'node:fs/promises'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { lazySchemaController } from '@kiez/gateway/compilers'
import type { Logger } from 'pino'
import { ApiError } from '../errors.js'
import {
  dhtFindRoute,
  dhtTableRoute,
  deleteRoute,
  editRoute,
  feedRoute,
  searchRoute,
  pairRoute,
  browserSessionsRoute,
  revokeOneRoute,
  peersRoute,
  pingRoute,
  postRoute,
  profileRoute,
  revokeRoute,
  statusRoute,
  syncRoute,
  topologyRoute,
  whyRoute,
  doctorRoute
} from './schemas.js'
import { EventHub } from './events.js'
import type { ModerationControlApi } from './moderation-client.js'
import { moderationRoutes } from './moderation-routes.js'
import type { MessageControlApi } from './message-client.js'
import { messageRoutes } from './message-routes.js'
import type { MemberControlApi } from './member-client.js'
import { memberRoutes } from './member-routes.js'
import { claimSocketPath } from './socket.js'
import { narrowSync } from '../sync-json.js'
import type {
  ControlErrorCode,
  DhtFindJson,
  DhtTableJson,
  EditRequest,
  EntryJson,
  FeedJson,
  PairJson,
  PairRequest,
  BrowserSessionsJson,
  PeersJson,
  PingJson,
  PingRequest,
  PostRequest,
  ProfileRequest,
  RevokeJson,
  StatusJson,
  SyncJson,
  TopologyJson,
  WhyJson,
  DoctorFactsJson,
  UploadedBlobJson
} from './types.js'

/** What the control endpoint serves; the daemon implements it, tests can too. */
export interface ControlApi {
  status(): Promise<StatusJson>
  peers(): Promise<PeersJson>
  post(req: PostRequest): Promise<EntryJson>
  /** an image upload (`kiez post --image`): JPEG/PNG/WebP/AVIF by its bytes, ≤ 1 MiB; absent: POST /blobs answers 404 */
  uploadBlob?(bytes: Uint8Array): Promise<UploadedBlobJson>
  /** deletes one of this box's own entries (or member `as`'s); answers the delete entry */
  deleteEntry(id: string, as?: string): Promise<EntryJson>
  /** replaces the text of one of this box's own posts or replies (or member `as`'s); answers the edit entry */
  editEntry(id: string, text: string, as?: string): Promise<EntryJson>
  /** a profile entry: the box's display name, or a member's */
  profile(req: ProfileRequest): Promise<EntryJson>
  /** `kind`: only entries of that kind (docs/HTTP-API.md, "Kinds of post") */
  feed(query: { limit: number, before?: string, kind?: string }): Promise<FeedJson>
  /** `kiez search`: what the feed shows, matching the words, newest first (docs/CLI.md) */
  search(query: { q: string, kind?: string, limit?: number }): Promise<FeedJson>
  ping(req: Required<PingRequest>): Promise<PingJson>
  dhtFind(peerId: string): Promise<DhtFindJson>
  dhtTable(): Promise<DhtTableJson>
  sync(): Promise<SyncJson>
  /** the mesh as far as neighbours report it */
  topology(): Promise<TopologyJson>
  /** what `kiez doctor` needs from the running daemon */
  doctor(): Promise<DoctorFactsJson>
  /** why an entry is or is not here; author/seq are hints for an entry nobody offered */
  why(id: string, hint: { author?: string, seq?: number }): Promise<WhyJson>
  /** a one-time code that pairs a browser with the web gateway (as `member`, by name) */
  pair(req?: PairRequest): Promise<PairJson>
  /** the paired browsers */
  browserSessions(): Promise<BrowserSessionsJson>
  /** ends one paired browser's session; 404 session_not_found */
  revokeSession(id: string): Promise<RevokeJson>
  /** forgets every paired browser */
  revokeSessions(): Promise<RevokeJson>
  /**
   * Calls `fn` with every entry stored from now on; returns the unsubscribe.
   * `wanted` is asked first: turning an entry into JSON (CID, peer id) costs
   * more than storing it during a catch-up, so it is skipped when nobody listens.
   */
  onEntry(fn: (e: EntryJson) => void, wanted?: () => boolean): () => void
  /** blocks, followed moderation lists, publishing moderation entries; undefined while starting or stopping */
  moderation?(): ModerationControlApi | undefined
  /** private messages (`kiez dm …`); undefined while starting or stopping */
  messages?(): MessageControlApi | undefined
  /** the household's people (`kiez member …`); undefined while starting or stopping */
  members?(): MemberControlApi | undefined
}

export interface ControlServerInit {
  /**
   * Unix socket to listen on (mode 0600); a stale one left by a dead daemon is replaced.
   *
   * @default none (required; the daemon uses `<dataDir>/control.sock`)
   */
  socketPath: string
  /**
   * The data dir the socket belongs to.
   *
   * @default none (required)
   */
  dataDir: string
  /**
   * Largest request body, in bytes; a post is at most 8 KiB of text, so this is generous.
   *
   * @default 65536 (64 KiB)
   */
  bodyLimit?: number
}

export interface ControlServerComponents {
  api: ControlApi
  logger: Logger
}

/** Fastify's own errors a client can cause, mapped to our stable codes. */
const FASTIFY_CODES: Record<string, { status: number, code: ControlErrorCode }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' }
}

/**
 * The local control endpoint: HTTP over a unix socket that only the data
 * dir's owner can open (the socket is 0600 inside a 0700 dir), so it needs
 * no credential of its own. The `kiez` CLI is its client.
 */
export class ControlServer {
  private readonly init: ControlServerInit
  private readonly components: ControlServerComponents
  private app: FastifyInstance | undefined
  private readonly events = new EventHub()
  private unsubscribe: (() => void) | undefined

  constructor (components: ControlServerComponents, init: ControlServerInit) {
    this.components = components
    this.init = init
  }

  async start (): Promise<void> {
    if (this.app !== undefined) return
    await claimSocketPath(this.init.socketPath, this.init.dataDir)
    const app = this.build()
    // The socket is born with the umask's mode: narrow it for the instant before chmod
    // (the 0700 data dir already shuts others out; this is belt and braces).
    const umask = process.umask(0o177)
    try {
      await app.listen({ path: this.init.socketPath })
    } finally {
      process.umask(umask)
    }
    await chmod(this.init.socketPath, 0o600)
    this.app = app
    this.unsubscribe = this.components.api.onEntry((e) => {
      this.events.entry(e)
    }, () => this.events.size > 0)
  }

  async stop (): Promise<void> {
    const app = this.app
    this.app = undefined
    this.unsubscribe?.()
    this.events.close()
    // Fastify unlinks the socket file on close.
    await app?.close()
  }

  /** The Fastify app with every route, not listening: `inject()` works on it in tests. */
  build (): FastifyInstance {
    const { api, logger } = this.components
    const app = Fastify({
      loggerInstance: logger.child({ component: 'control' }) as FastifyBaseLogger,
      // One log line per CLI call would drown the mesh's lines; failures are logged by the error handler.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: this.init.bodyLimit ?? 64 * 1024,
      // A stop must not wait for a client that keeps a connection open.
      forceCloseConnections: true,
      // each route's validators and serializers compile on its first call, not at the start
      schemaController: lazySchemaController({ allErrors: true })
    })

    app.setErrorHandler((err: Error & { code?: string, validation?: unknown, statusCode?: number }, req, reply) => {
      if (err instanceof ApiError) {
        return reply.status(err.status).send({ error: { code: err.code, message: err.message } })
      }
      if (err.validation !== undefined) {
        return reply.status(400).send({ error: { code: 'invalid_request', message: err.message } })
      }
      const known = err.code !== undefined ? FASTIFY_CODES[err.code] : undefined
      if (known !== undefined) {
        return reply.status(known.status).send({ error: { code: known.code, message: err.message } })
      }
      req.log.error({ err, url: req.url }, 'control request failed')
      return reply.status(500).send({
        error: { code: 'internal', message: 'internal error; the daemon log has the details' }
      })
    })
    app.setNotFoundHandler((req, reply) => {
      void reply.status(404).send({
        error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` }
      })
    })

    app.get('/status', { schema: statusRoute }, async () => await api.status())
    app.get('/peers', { schema: peersRoute }, async () => await api.peers())
    app.post<{ Body: PostRequest }>('/posts', { schema: postRoute }, async (req, reply) => {
      const entry = await api.post(req.body)
      return await reply.status(201).send(entry)
    })
    // an image as base64 in JSON (the socket speaks JSON only): 1 MiB is ~1.4 MiB of base64
    app.post<{ Body: { data: string } }>('/blobs', {
      bodyLimit: 1_500_000,
      schema: {
        body: {
          type: 'object',
          required: ['data'],
          additionalProperties: false,
          properties: { data: { type: 'string', minLength: 1, maxLength: 1_450_000 } }
        }
      }
    }, async (req, reply) => {
      if (api.uploadBlob === undefined) throw new ApiError(404, 'blob_not_found', 'this daemon keeps no images')
      return await reply.status(201).send(await api.uploadBlob(Buffer.from(req.body.data, 'base64')))
    })
    app.delete<{ Params: { id: string }, Querystring: { as?: string } }>(
      '/entries/:id',
      { schema: deleteRoute },
      async (req) => await api.deleteEntry(req.params.id, req.query.as)
    )
    app.put<{ Params: { id: string }, Body: EditRequest }>(
      '/entries/:id',
      { schema: editRoute },
      async (req) => await api.editEntry(req.params.id, req.body.text, req.body.as)
    )
    app.post<{ Body: ProfileRequest }>('/profile', { schema: profileRoute }, async (req, reply) => {
      return await reply.status(201).send(await api.profile(req.body))
    })
    app.get<{ Querystring: { limit: number, before?: string, kind?: string } }>(
      '/feed',
      { schema: feedRoute },
      async (req) => await api.feed(req.query)
    )
    app.get<{ Querystring: { q: string, kind?: string, limit: number } }>(
      '/search',
      { schema: searchRoute },
      async (req) => await api.search(req.query)
    )
    app.post<{ Body: Required<PingRequest> }>('/ping', { schema: pingRoute }, async (req) => await api.ping(req.body))
    app.get<{ Params: { peerId: string } }>(
      '/dht/find/:peerId',
      { schema: dhtFindRoute },
      async (req) => await api.dhtFind(req.params.peerId)
    )
    app.get('/dht/table', { schema: dhtTableRoute }, async () => await api.dhtTable())
    app.get<{ Querystring: { author?: string } }>('/sync', { schema: syncRoute }, async (req) => {
      const s = await api.sync()
      return req.query.author === undefined ? s : narrowSync(s, req.query.author)
    })
    app.get('/topology', { schema: topologyRoute }, async () => await api.topology())
    app.get('/doctor', { schema: doctorRoute }, async () => await api.doctor())
    app.get<{ Params: { id: string }, Querystring: { author?: string, seq?: number } }>('/why/:id', {
      schema: whyRoute
    }, async (req) => await api.why(req.params.id, req.query))
    // the socket's 0600 mode is the credential; the body (optional) names the member
    app.post<{ Body: PairRequest | undefined }>(
      '/pair',
      {
        schema: pairRoute,
        // a bare POST (the CLI before members) is a code for the box
        preValidation: async (req) => {
          req.body ??= {}
        }
      },
      async (req) => await api.pair(req.body ?? {})
    )
    app.post('/sessions/revoke', { schema: revokeRoute }, async () => await api.revokeSessions())
    app.get('/sessions', { schema: browserSessionsRoute }, async () => await api.browserSessions())
    app.delete<{ Params: { id: string } }>(
      '/sessions/:id',
      { schema: revokeOneRoute },
      async (req) => await api.revokeSession(req.params.id)
    )
    moderationRoutes(app, () => api.moderation?.())
    messageRoutes(app, () => api.messages?.())
    memberRoutes(app, () => api.members?.())
    app.get('/events', async (req, reply) => {
      if (this.events.full()) throw new ApiError(503, 'too_many_streams', 'too many event streams are open')
      reply.hijack()
      this.events.add(reply.raw)
    })
    return app
  }
}
