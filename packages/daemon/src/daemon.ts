import { join } from 'node:path'
import { FeedError, parseEntryId, type EntryBody, type Signer } from '@kiez/feed'
import { feedSignerFromKey, loadOrCreateIdentity, MeshError } from '@kiez/mesh'
import { FeedStore, StoreError } from '@kiez/store'
import type { Logger } from 'pino'
import type { KiezConfig } from './config.js'
import { ControlServer, type ControlApi } from './control/server.js'
import { claimSocketPath } from './control/socket.js'
import type { DhtFindJson, DhtTableJson, EntryJson, FeedJson, PeersJson, PingJson, PingRequest, PostRequest, StatusJson, SyncJson } from './control/types.js'
import { prepareDataDir } from './datadir.js'
import { authorName, entryToJson } from './entry-json.js'
import { ApiError, DaemonError, hasSystemCode, someCause } from './errors.js'
import type { DaemonNode, NodeFactory } from './node.js'
import { controlSocketPath, DATA_DIR_FILES } from './paths.js'
import { readPskFile } from './psk.js'
import { packageVersion } from './version.js'

export interface DaemonInit {
  config: KiezConfig
}

export interface DaemonComponents {
  logger: Logger
  /** builds and starts the mesh node (the real one comes from @kiez/mesh) */
  createNode: NodeFactory
  now?: () => number
}

type Stoppable = { name: string, stop: () => Promise<void> }

/**
 * The composition root: data dir → identity → feed store → mesh node →
 * control endpoint, started in that order and stopped in reverse. A failed
 * start stops whatever had started, so a half-open daemon never lingers.
 */
export class Daemon implements ControlApi {
  readonly config: KiezConfig
  private readonly components: DaemonComponents
  private readonly now: () => number
  private readonly version = packageVersion()
  private started: Stoppable[] = []
  private startedAt = 0
  private store: FeedStore | undefined
  private node: DaemonNode | undefined
  private signer: Signer | undefined
  private stopping: Promise<void> | undefined

  constructor (components: DaemonComponents, init: DaemonInit) {
    this.components = components
    this.config = init.config
    this.now = components.now ?? Date.now
  }

  get socketPath (): string { return controlSocketPath(this.config.dataDir) }

  async start (): Promise<void> {
    try {
      await this.doStart()
    } catch (err) {
      await this.stop().catch(() => {})
      throw err
    }
  }

  private async doStart (): Promise<void> {
    const { logger } = this.components
    const { dataDir } = this.config
    const dir = await prepareDataDir(dataDir)
    if (dir.looseMode !== undefined) logger.warn({ dataDir, mode: dir.looseMode }, 'the data dir can be entered by other users; chmod 700 it')
    // Before the store: a second daemon would otherwise fail on LevelDB's lock with a cryptic message.
    await claimSocketPath(this.socketPath, dataDir)

    const identity = await loadOrCreateIdentity(dataDir).catch((err: Error) => {
      throw new DaemonError('identity_unreadable', err.message, { cause: err })
    })
    if (identity.created) logger.info({ path: identity.path }, 'created a new identity key')
    this.signer = feedSignerFromKey(identity.privateKey)

    const psk = this.config.psk === undefined ? undefined : await readPskFile(this.config.psk)

    const feedPath = join(dataDir, DATA_DIR_FILES.feed)
    const store = await FeedStore.open({ path: feedPath }).catch((err: Error) => {
      // LevelDB's own words, a few causes deep: "IO error: lock …/LOCK: Resource temporarily unavailable"
      if (someCause(err, (e) => typeof e.message === 'string' && /IO error: lock /.test(e.message))) {
        throw new DaemonError('already_running', `the feed database ${feedPath} is locked: another daemon is using data dir ${dataDir}`, { cause: err })
      }
      throw new DaemonError('store_unavailable', err.message, { cause: err })
    })
    this.store = store
    this.started.push({ name: 'store', stop: async () => { await store.close() } })
    // A fork is evidence of a stolen or cloned author key: worth a warning line, not just a counter.
    store.onFork((author, seq) => { logger.warn({ author: authorName(author), seq }, 'an author signed two different entries at one seq; their feed is frozen there') })
    if (store.recovery !== undefined && (store.recovery.repaired.length > 0 || store.recovery.unrepairable.length > 0)) logger.warn({ recovery: store.recovery }, 'repaired the feed store after an unclean stop')

    const node = await this.components.createNode({ config: this.config, privateKey: identity.privateKey, psk, store, logger: logger.child({ component: 'mesh' }) })
      .catch((err: Error) => {
        if (err instanceof DaemonError) throw err
        if (hasSystemCode(err, 'EADDRINUSE')) {
          throw new DaemonError('address_in_use', `cannot listen on ${this.config.listen.join(', ')}: the address is already in use (pick another with --listen)`, { cause: err })
        }
        if (hasSystemCode(err, 'EADDRNOTAVAIL')) {
          throw new DaemonError('listen_failed', `cannot listen on ${this.config.listen.join(', ')}: no such address on this machine (check --listen)`, { cause: err })
        }
        if (hasSystemCode(err, 'EACCES')) {
          throw new DaemonError('listen_failed', `cannot listen on ${this.config.listen.join(', ')}: permission denied (ports below 1024 need privileges)`, { cause: err })
        }
        throw new DaemonError('node_failed', `the mesh node did not start: ${firstLine(err.message)}`, { cause: err })
      })
    this.node = node
    this.started.push({ name: 'node', stop: async () => { await node.stop() } })

    const control = new ControlServer({ api: this, logger }, { socketPath: this.socketPath, dataDir })
    await control.start()
    this.started.push({ name: 'control', stop: async () => { await control.stop() } })

    this.startedAt = this.now()
    logger.info({
      peerId: node.peerId,
      mesh: this.config.mesh,
      listenAddrs: node.listenAddrs(),
      dataDir,
      controlSocket: this.socketPath,
      version: this.version
    }, 'daemon started')
    // The gateway is a later package; say so rather than silently not serving.
    logger.info({ http: this.config.http }, 'the HTTP gateway is not served yet by this version')
  }

  /** Stops everything that started, in reverse order; safe to call twice or concurrently. */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      const errors: unknown[] = []
      for (const part of this.started.reverse()) {
        try {
          await part.stop()
        } catch (err) {
          errors.push(err)
          this.components.logger.error({ err, part: part.name }, 'stopping failed')
        }
      }
      this.started = []
      if (errors.length > 0) throw new AggregateError(errors, 'the daemon did not stop cleanly')
    })()
    await this.stopping
  }

  // ---- control API ---------------------------------------------------------

  private running (): { store: FeedStore, node: DaemonNode, signer: Signer } {
    if (this.store === undefined || this.node === undefined || this.signer === undefined || this.stopping !== undefined) {
      throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
    }
    return { store: this.store, node: this.node, signer: this.signer }
  }

  async status (): Promise<StatusJson> {
    const { store, node } = this.running()
    const peers = await node.peers()
    const stats = store.stats()
    return {
      peerId: node.peerId,
      mesh: this.config.mesh,
      listenAddrs: node.listenAddrs(),
      uptimeMs: Math.max(0, this.now() - this.startedAt),
      counts: { peers: peers.filter((p) => p.connected).length, authors: stats.authors, entries: stats.entries },
      store: { forks: stats.forks, duplicates: stats.duplicates, rejected: stats.rejected as Record<string, number> },
      version: this.version,
      dataDir: this.config.dataDir,
      http: { address: this.config.http, serving: false }
    }
  }

  async peers (): Promise<PeersJson> {
    return { peers: await this.running().node.peers() }
  }

  /** A local post: signed with the box's key and synced to disk before we answer. */
  async post (req: PostRequest): Promise<EntryJson> {
    const { store, signer } = this.running()
    let body: EntryBody = { type: 'post', text: req.text }
    if (req.replyTo !== undefined) {
      const hash = parseEntryId(req.replyTo)
      if (hash === undefined) throw new ApiError(400, 'invalid_reply_to', `replyTo "${req.replyTo}" is not an entry id`)
      body = { type: 'reply', text: req.text, replyTo: hash }
    }
    try {
      const entry = entryToJson(await store.append(signer, body))
      this.components.logger.info({ id: entry.id, seq: entry.seq, type: entry.type }, 'posted')
      return entry
    } catch (err) {
      if (err instanceof FeedError) throw new ApiError(400, err.code, err.message)
      if (err instanceof StoreError && err.code === 'author_forked') throw new ApiError(409, err.code, err.message)
      if (err instanceof StoreError) throw new ApiError(503, err.code, err.message)
      throw err
    }
  }

  async ping (req: Required<PingRequest>): Promise<PingJson> {
    const { node } = this.running()
    const rtts = await meshCall(async () => await node.ping(req.target, req.count))
    return { target: req.target, count: req.count, rttsMs: rtts, lost: req.count - rtts.length }
  }

  async dhtFind (peerId: string): Promise<DhtFindJson> {
    const { node } = this.running()
    return await meshCall(async () => await node.dhtFind(peerId))
  }

  async dhtTable (): Promise<DhtTableJson> {
    return { peers: await this.running().node.dhtTable() }
  }

  async sync (): Promise<SyncJson> {
    return this.running().node.sync() ?? { available: false, peers: [], counters: {} }
  }

  onEntry (fn: (e: EntryJson) => void, wanted: () => boolean = () => true): () => void {
    return this.running().store.onEntry((entry) => { if (wanted()) fn(entryToJson(entry)) })
  }

  async feed (query: { limit: number, before?: string }): Promise<FeedJson> {
    const { store } = this.running()
    try {
      const page = await store.timeline(query.before === undefined ? { limit: query.limit } : { limit: query.limit, before: query.before })
      const out: FeedJson = { entries: page.entries.map(entryToJson) }
      if (page.next !== undefined) out.next = page.next
      return out
    } catch (err) {
      if (err instanceof StoreError && err.code === 'bad_input') throw new ApiError(400, 'bad_cursor', err.message)
      throw err
    }
  }
}

/** Mesh failures a diagnostic can hit, as HTTP statuses: the target's fault, not the daemon's. */
const MESH_STATUS: Record<string, number> = { bad_target: 400, no_route: 404, no_reply: 504, not_started: 503 }

async function meshCall<T> (fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof MeshError) throw new ApiError(MESH_STATUS[err.code] ?? 500, err.code, err.message)
    throw err
  }
}

function firstLine (s: string): string {
  return s.split('\n').filter((l) => l.trim() !== '').slice(0, 2).join(' ').slice(0, 300)
}
