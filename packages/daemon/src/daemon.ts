import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { entryId, equalBytes, FeedError, type Entry, type KnownBody, type Signer } from '@kiez/feed'
import { Gateway, type GatewayBackend, type GatewayInit } from '@kiez/gateway'
import { feedSignerFromKey, loadOrCreateIdentity, MeshError } from '@kiez/mesh'
import { authorId, Moderation } from '@kiez/moderation'
import {
  FeedStore,
  OWN_HEAD_UNKNOWN_MESSAGE,
  OwnFeedGuard,
  StoreError,
  type IngestGate,
  type StoredEntry
} from '@kiez/store'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { parseHostPort, type KiezConfig } from './config.js'
import { ControlServer, type ControlApi } from './control/server.js'
import { claimSocketPath } from './control/socket.js'
import type {
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
  ProfileRequest,
  RevokeJson,
  StatusJson,
  SyncJson,
  TopologyJson,
  WhyJson,
  DoctorFactsJson
} from './control/types.js'
import { prepareDataDir } from './datadir.js'
import { authorName, entryToJson, isShown, type EntryJsonViews } from './entry-json.js'
import { lifeBody } from './life.js'
import { kindPage, type PostKindRequest } from '@kiez/gateway/life-json'
import { Noticeboard, type HouseholdOf } from '@kiez/life'
import { ApiError, DaemonError, hasSystemCode, someCause } from './errors.js'
import type { DaemonNode, NodeFactory } from './node.js'
import { controlSocketPath, DATA_DIR_FILES } from './paths.js'
import { readPskFile } from './psk.js'
import { packageVersion } from './version.js'
import { explainEntry } from './why.js'
import { pingToJson } from './ping-json.js'
import { watchOwnFeed } from './own-feed-watch.js'
import { openSearch, searchEntries, searchMaxDocs, type SearchRequest } from './search.js'
import type { Search } from '@kiez/search'
import { amendBody, type Amend } from './own-entries.js'
import { BoxModeration, gatewayModeration, lateGate } from './moderation.js'
import type { ModerationControlApi } from './control/moderation-client.js'
import type { MemberControlApi } from './control/member-client.js'
import { BoxMembers } from './members.js'
import { BoxMessages } from './messages.js'
import { StorageWiring } from './storage.js'
import { BoxBlobs, type UploadedBlob } from './blobs.js'
import { Neighbours } from './neighbours.js'

export interface DaemonInit {
  /**
   * The merged config (see loadConfig).
   *
   * @default none (required)
   */
  config: KiezConfig
  /**
   * The built web feed the gateway serves at `/`.
   *
   * @default packages/web/dist of this checkout
   */
  webRoot?: string
  /**
   * Gateway limits other than the defaults (tests, embedders): rates, lock-outs, stream bounds.
   *
   * @default the gateway's own defaults (see GatewayInit)
   */
  http?: Pick<
    GatewayInit,
    | 'postRate'
    | 'pairRate'
    | 'pairLockout'
    | 'maxEventClients'
    | 'maxEventClientsPerIp'
    | 'replayEvents'
    | 'bodyLimit'
    | 'maxConnections'
  >
  /**
   * Ingest gates asked before the storage budgets (a block list): composed first, so a
   * verdict of theirs is reached before a budget is spent.
   *
   * @default none
   */
  gates?: IngestGate[]
}

/**
 * packages/web/dist, next to this package in the monorepo (and in an npm install of the workspace).
 * The CLI's bundle (packages/cli/bundle/*.mjs) sits at the same depth as this file's dist/, so the
 * same relative path holds there; test/packaging/runtime.test.ts serves the page from the bundle.
 */
const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url))

export interface DaemonComponents {
  logger: Logger
  /** builds and starts the mesh node (the real one comes from @kiez/mesh) */
  createNode: NodeFactory
  now?: () => number
  /**
   * An author's household, for "N people in M households" in poll tallies.
   *
   * @default none: tallies count people only
   */
  householdOf?: HouseholdOf
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
  /** ms from the start's beginning to each part being up, for the "daemon started" line (a slow start says where) */
  private readonly readyAtMs: Record<string, number> = {}
  private startBegan = 0
  private startedAt = 0
  private store: FeedStore | undefined
  private node: DaemonNode | undefined
  private signer: Signer | undefined
  private ownFeed: OwnFeedGuard | undefined
  private mod: BoxModeration | undefined
  /** the noticeboard's numbers (@kiez/life), open while the store is */
  private board: Noticeboard | undefined
  /** the search index (@kiez/search), open while the store is */
  private finder: Search<StoredEntry> | undefined
  private people: BoxMembers | undefined
  /** the members' private messages (@kiez/messages), open while the store is */
  private dm: BoxMessages | undefined
  private gateway: Gateway | undefined
  private stopping: Promise<void> | undefined
  private readonly webRoot: string
  private readonly httpLimits: DaemonInit['http']
  private readonly gates: IngestGate[]
  private storage: StorageWiring | undefined
  private neighbours: Neighbours | undefined
  /** the images' blobs (@kiez/blobs, /kiez/blob/1.0.0), open while the store is */
  private blobs: BoxBlobs | undefined
  /** one metrics registry per daemon (never prom-client's global): libp2p's series and the gateway's */
  readonly metrics = new Registry()

  constructor (components: DaemonComponents, init: DaemonInit) {
    this.components = components
    this.config = init.config
    this.webRoot = init.webRoot ?? DEFAULT_WEB_ROOT
    this.httpLimits = init.http
    this.gates = init.gates ?? []
    this.now = components.now ?? Date.now
  }

  /** The open feed store (tests and embedders); undefined while stopped. */
  get feedStore (): FeedStore | undefined {
    return this.store
  }

  /** This box's peer id while running */
  get peerId (): string | undefined {
    return this.node?.peerId
  }

  /** The gateway's URL once it listens; undefined with --no-http. */
  get httpUrl (): string | undefined {
    return this.gateway?.url
  }

  get socketPath (): string {
    return controlSocketPath(this.config.dataDir)
  }

  async start (): Promise<void> {
    try {
      await this.doStart()
    } catch (err) {
      await this.stop().catch(() => {})
      throw err
    }
  }

  /** Records a part as started (stopped in reverse order) and when it came up. */
  private began (part: Stoppable): void {
    this.readyAtMs[part.name] = Math.round(performance.now() - this.startBegan)
    this.started.push(part)
  }

  private async doStart (): Promise<void> {
    this.startBegan = performance.now()
    const { logger } = this.components
    const { dataDir } = this.config
    const dir = await prepareDataDir(dataDir)
    if (dir.looseMode !== undefined) {
      logger.warn({ dataDir, mode: dir.looseMode }, 'the data dir can be entered by other users; chmod 700 it')
    }
    // Before the store: a second daemon would otherwise fail on LevelDB's lock with a cryptic message.
    await claimSocketPath(this.socketPath, dataDir)

    const identity = await loadOrCreateIdentity(dataDir).catch((err: Error) => {
      throw new DaemonError('identity_unreadable', err.message, { cause: err })
    })
    if (identity.created) logger.info({ path: identity.path }, 'created a new identity key')
    this.signer = feedSignerFromKey(identity.privateKey)
    const box = this.signer
    const people = await BoxMembers.open({
      dataDir,
      box,
      peerId: () => authorName(box.publicKey),
      logger: logger.child({ component: 'members' }),
      now: this.now
    }).catch((err: Error) => {
      throw new DaemonError('data_dir_unusable', `cannot open the members: ${err.message}`, { cause: err })
    })

    const psk = this.config.psk === undefined ? undefined : await readPskFile(this.config.psk)

    const feedPath = join(dataDir, DATA_DIR_FILES.feed)
    const moderationGate = lateGate()
    // The ingest gates, in order (composeGates: the first defer wins, then header): the owner's
    // moderation (a blocked author's header is kept, its payload refused), DaemonInit.gates, then
    // the storage quotas, which spend budget and so come last.
    const storage = new StorageWiring(this.config.storage, [moderationGate.gate, ...this.gates])
    const leveldb = await storage.levelOptions(dataDir)
    const store = await FeedStore.open({ path: feedPath, gate: storage.gate, leveldb }).catch((err: Error) => {
      // LevelDB's own words, a few causes deep: "IO error: lock …/LOCK: Resource temporarily unavailable"
      if (someCause(err, (e) => typeof e.message === 'string' && /IO error: lock /.test(e.message))) {
        throw new DaemonError(
          'already_running',
          `the feed database ${feedPath} is locked: another daemon is using data dir ${dataDir}`,
          { cause: err }
        )
      }
      throw new DaemonError('store_unavailable', err.message, { cause: err })
    })
    this.store = store
    this.began({
      name: 'store',
      stop: async () => {
        await store.close()
      }
    })
    // A fork is evidence of a stolen or cloned author key: worth a warning line, not just a counter.
    store.onFork((author, seq) => {
      logger.warn(
        { author: authorName(author), seq },
        'an author signed two different entries at one seq; their feed is frozen there'
      )
    })
    if (
      store.recovery !== undefined && (store.recovery.repaired.length > 0 || store.recovery.unrepairable.length > 0)
    ) logger.warn({ recovery: store.recovery }, 'repaired the feed store after an unclean stop')
    await this.openOwnFeedGuard(store, identity.created)
    await people.attach(store, async (body, signer) => await this.author(body, signer)).catch((err: Error) => {
      throw new DaemonError('store_unavailable', `cannot read or write the members' guard records: ${err.message}`, {
        cause: err
      })
    })
    this.people = people
    this.began({
      name: 'members',
      stop: async () => {
        this.people = undefined
        await people.close()
      }
    })
    const moderation = await this.openModeration(store, people)
    const messages = new BoxMessages({
      dataDir,
      store,
      people,
      logger: logger.child({ component: 'messages' }),
      author: async (body, signer) => await this.author(body, signer)
    })
    await messages.start()
    this.dm = messages
    this.began({
      name: 'messages',
      stop: async () => {
        this.dm = undefined
        await messages.close()
      }
    })
    // The board follows every new entry and reads the store's newest in the background, its numbers filling
    // in as it reads. It begins once the daemon has started (below): on one thread, reading 50 000 entries
    // beside the start delayed the mesh node by 1.3 s on a 100 000-entry store (docs/DECISIONS.md, "Start-up").
    const board = new Noticeboard({
      now: this.now,
      // a voter's household: the box that claims them (ClaimsIndex), asked when a tally is read, so claims
      // that arrive later count; undefined (unclaimed) until the neighbours' claims index runs
      householdOf: this.components.householdOf ?? ((author) => this.householdOf(author))
    })
    let scan: Promise<void> = Promise.resolve()
    const followBoard = (): void => {
      scan = board.follow(store).catch((err: unknown) => {
        logger.warn({ err }, 'the noticeboard could not read the store; its counts cover new entries only')
      })
    }
    this.board = board
    this.began({
      name: 'noticeboard',
      stop: async () => {
        board.close()
        this.board = undefined
        await scan // before the store closes under it
      }
    })
    const finder = await openSearch(
      store,
      join(dataDir, DATA_DIR_FILES.search),
      logger,
      (a) => this.neighbours?.claims.claimOf(a).name
    )
    this.finder = finder
    this.began({
      name: 'search',
      stop: async () => {
        this.finder = undefined
        await finder.close() // before the store closes under it
      }
    })
    moderationGate.bind(moderation.gate)
    await this.startStorage(storage, store, feedPath, people)
    finder.setMaxDocs(searchMaxDocs(storage.status(0).maxBytes))
    await this.openBlobs(storage, store, people)

    // libp2p's metrics cost a little on every stream: only worth it when /metrics can be read
    const node = await this.components.createNode({
      config: this.config,
      privateKey: identity.privateKey,
      psk,
      store,
      forwards: moderation.forwards,
      logger: logger.child({ component: 'mesh' }),
      ...(this.config.http !== false ? { metrics: this.metrics } : {})
    })
      .catch((err: Error) => {
        if (err instanceof DaemonError) throw err
        if (hasSystemCode(err, 'EADDRINUSE')) {
          throw new DaemonError(
            'address_in_use',
            `cannot listen on ${
              this.config.listen.join(', ')
            }: the address is already in use (pick another with --listen)`,
            { cause: err }
          )
        }
        if (hasSystemCode(err, 'EADDRNOTAVAIL')) {
          throw new DaemonError(
            'listen_failed',
            `cannot listen on ${this.config.listen.join(', ')}: no such address on this machine (check --listen)`,
            { cause: err }
          )
        }
        if (hasSystemCode(err, 'EACCES')) {
          throw new DaemonError(
            'listen_failed',
            `cannot listen on ${this.config.listen.join(', ')}: permission denied (ports below 1024 need privileges)`,
            { cause: err }
          )
        }
        throw new DaemonError('node_failed', `the mesh node did not start: ${firstLine(err.message)}`, { cause: err })
      })
    this.node = node
    this.began({
      name: 'node',
      stop: async () => {
        await node.stop()
      }
    })
    this.startNeighbours(store, node)
    const blobHost = node.blobHost?.()
    if (blobHost !== undefined) await this.blobs?.attach(blobHost)
    const stopWatch = watchOwnFeed({ guard: this.guard(), node, logger })
    const stopNeighbours = storage.watch(node)
    const stopMembers = people.watch(node)
    this.began({
      name: 'own-feed-watch',
      stop: async () => {
        stopWatch()
        stopNeighbours()
        stopMembers()
      }
    })

    const control = new ControlServer({ api: this, logger }, { socketPath: this.socketPath, dataDir })
    await control.start()
    this.began({
      name: 'control',
      stop: async () => {
        await control.stop()
      }
    })

    this.startedAt = this.now()
    if (this.config.http !== false) await this.startGateway(this.config.http, dataDir)
    logger.info({
      peerId: node.peerId,
      mesh: this.config.mesh,
      listenAddrs: node.listenAddrs(),
      dataDir,
      controlSocket: this.socketPath,
      http: this.gateway?.url ?? false,
      version: this.version,
      readyAtMs: { ...this.readyAtMs, all: Math.round(performance.now() - this.startBegan) },
      // since the process began (performance's time origin): what came before Daemon.start is loading the code
      processMs: Math.round(performance.now())
    }, 'daemon started')
    followBoard()
  }

  /** The self-fork guard (packages/store/src/own-feed.ts): armed when an old key meets a store that does not know it. */
  private async openOwnFeedGuard (store: FeedStore, keyCreated: boolean): Promise<void> {
    const { logger } = this.components
    const owner = (this.signer as Signer).publicKey
    const guard = await OwnFeedGuard.open(store, { owner, keyCreated, now: this.now }).catch((err: Error) => {
      throw new DaemonError('store_unavailable', `cannot read or write the self-fork guard's record: ${err.message}`, {
        cause: err
      })
    })
    this.ownFeed = guard
    if (this.config.freshFeedOk === true) {
      if (await guard.override()) {
        logger.warn(
          { ownSeq: guard.ownSeq() },
          '--fresh-feed-ok: the self-fork guard is disarmed by the operator; local posts continue after the highest seq this store holds'
        )
      } else {logger.warn(
          '--fresh-feed-ok was given but the self-fork guard is not armed: drop the flag, or it will disarm the guard after a future store reset too'
        )}
    }
    if (guard.armed) logger.warn({ reason: guard.status().reason }, OWN_HEAD_UNKNOWN_MESSAGE)
  }

  /** Blocks and followed moderation lists (@kiez/moderation), stopped before the store. */
  private async openModeration (store: FeedStore, people: BoxMembers): Promise<Moderation> {
    const { logger } = this.components
    const moderation = await Moderation.open({
      store,
      // the box and its members, as they are now (a member added later too)
      exempt: (a) => equalBytes(a, (this.signer as Signer).publicKey) || people.isMember(a),
      onError: (err) => logger.warn({ err }, 'dropping a blocked author\'s payloads failed')
    }).catch((err: Error) => {
      throw new DaemonError('store_unavailable', `cannot read the blocks and moderation lists: ${err.message}`, {
        cause: err
      })
    })
    this.began({
      name: 'moderation',
      stop: async () => {
        this.mod = undefined
        await moderation.close()
      }
    })
    this.mod = new BoxModeration(moderation, async (body) => await this.author(body))
    return moderation
  }

  /** The entry's JSON with its `hidden` mark when a followed moderation list hides it. */
  private withHidden (json: EntryJson, e: Entry): EntryJson {
    const h = this.mod?.moderation.hiddenBy(e.hash)
    if (h?.by !== 'list') return json
    return { ...json, hidden: { by: authorId(h.list), entry: entryId(h.entry), reason: h.reason } }
  }

  /** Whether the owner or a followed moderation list blocks `author`: `kiez feed` leaves it out, as the web page does. */
  private blocked (author: Uint8Array): boolean {
    return this.mod?.moderation.isBlocked(author) === true
  }

  /** The control API's moderation part; undefined while starting or stopping. */
  moderation (): ModerationControlApi | undefined {
    return this.stopping === undefined ? this.mod : undefined
  }

  /** The storage budgets (storage.ts): after the store, before the node; stopped before the store closes. */
  private async startStorage (
    storage: StorageWiring,
    store: FeedStore,
    path: string,
    people: BoxMembers
  ): Promise<void> {
    const owner = (this.signer as Signer).publicKey
    await storage.start(store, { path, dataDir: this.config.dataDir, owner, member: (a) => people.isMember(a) })
      .catch((err: Error) => {
        throw new DaemonError('store_unavailable', `cannot start the storage budget: ${err.message}`, { cause: err })
      })
    this.storage = storage
    this.began({ name: 'storage', stop: async () => await storage.stop() })
    if (this.config.http !== false) storage.registerMetrics(this.metrics)
  }

  /** The images' blob store on its share of the budget (blobs.ts); closed before the store. */
  private async openBlobs (storage: StorageWiring, store: FeedStore, people: BoxMembers): Promise<void> {
    const owner = (this.signer as Signer).publicKey
    const blobs = await BoxBlobs.open({
      dataDir: this.config.dataDir,
      budgetBytes: storage.blobBytes(),
      store,
      isOwn: (a) => equalBytes(a, owner) || people.isMember(a),
      logger: this.components.logger.child({ component: 'blobs' }),
      now: this.now
    }).catch((err: Error) => {
      throw new DaemonError('data_dir_unusable', `cannot open the blob store: ${err.message}`, { cause: err })
    })
    this.blobs = blobs
    if (this.config.http !== false) blobs.registerMetrics(this.metrics)
    this.began({
      name: 'blobs',
      stop: async () => {
        this.blobs = undefined
        await blobs.close()
      }
    })
  }

  /** The images' blobs; 503 while starting or stopping. */
  private blobs_ (): BoxBlobs {
    if (this.blobs === undefined || this.stopping !== undefined) {
      throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
    }
    return this.blobs
  }

  /** Who claims whom, and vouching for the boxes on our link (neighbours.ts); stopped before the node. */
  private startNeighbours (store: FeedStore, node: DaemonNode): void {
    const neighbours = new Neighbours({
      config: this.config,
      store,
      node,
      owner: (this.signer as Signer).publicKey,
      publish: async (body) => await this.author(body),
      logger: this.components.logger,
      now: this.now
    })
    neighbours.start()
    this.neighbours = neighbours
    this.began({
      name: 'neighbours',
      stop: async () => {
        this.neighbours = undefined
        neighbours.stop()
      }
    })
  }

  private guard (): OwnFeedGuard {
    if (this.ownFeed === undefined) throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
    return this.ownFeed
  }

  private async startGateway (address: string, dataDir: string): Promise<void> {
    const { host, port } = parseHostPort(address)
    const gateway = new Gateway({
      backend: this.gatewayBackend(),
      logger: this.components.logger,
      registry: this.metrics
    }, {
      host,
      port,
      allowedHosts: this.config.httpAllowedHosts,
      webRoot: this.webRoot,
      sessionsPath: join(dataDir, DATA_DIR_FILES.httpSessions),
      // the web feed's DNS-SD record rides on the same switch as neighbour discovery
      announce: this.config.mdns,
      ...this.httpLimits
    })
    try {
      await gateway.start()
    } catch (err) {
      await gateway.stop().catch(() => {})
      if (hasSystemCode(err, 'EADDRINUSE')) {
        throw new DaemonError(
          'address_in_use',
          `cannot serve HTTP on ${address}: the address is already in use (pick another with --http, or --no-http)`,
          { cause: err }
        )
      }
      if (hasSystemCode(err, 'EADDRNOTAVAIL')) {
        throw new DaemonError(
          'listen_failed',
          `cannot serve HTTP on ${address}: no such address on this machine (check --http)`,
          { cause: err }
        )
      }
      if (hasSystemCode(err, 'EACCES')) {
        throw new DaemonError(
          'listen_failed',
          `cannot serve HTTP on ${address}: permission denied (ports below 1024 need privileges)`,
          { cause: err }
        )
      }
      throw err
    }
    this.gateway = gateway
    this.began({
      name: 'gateway',
      stop: async () => {
        await gateway.stop()
      }
    })
  }

  /** What the gateway sees of the box: the same store, node and authoring path as the control API. */
  private gatewayBackend (): GatewayBackend {
    const { store, node, signer } = this.running()
    return {
      info: () => ({
        peerId: node.peerId,
        publicKey: signer.publicKey,
        mesh: this.config.mesh,
        version: this.version,
        startedAt: this.startedAt,
        listenAddrs: node.listenAddrs()
      }),
      peers: async () => await this.running().node.peers(),
      // the web page and /metrics are about the neighbours now: the remembered departed ones are for `kiez sync`
      sync: async () => (await this.sync()).peers.filter((p) => p.connected),
      topology: async () => await this.topology(),
      post: async (req) => {
        const signer = await this.members_().signerFor(req.as)
        return await this.author(await this.postBody(req, signer), signer)
      },
      profile: async (req) => await this.writeProfile(req, await this.members_().signerFor(req.as)),
      deleteEntry: async (id, as) => await this.amend({ type: 'delete', id }, await this.members_().signerFor(as)),
      editEntry: async ({ as, ...req }) =>
        await this.amend({ type: 'edit', ...req }, await this.members_().signerFor(as)),
      members: this.members_().gateway(),
      feed: {
        timeline: async (opts) => await store.timeline(opts),
        get: async (id) => await store.get(id),
        range: async (author, from, to, limits) => await store.range(author, from, to, limits),
        head: (author) => store.head(author),
        stats: () => {
          const s = store.stats()
          return {
            authors: s.authors,
            entries: s.entries,
            forks: s.forks,
            rejected: s.rejected as Record<string, number>
          }
        },
        onEntry: (fn) => store.onEntry(fn),
        onPayload: (fn) => store.onPayload(fn)
      },
      ...(this.board !== undefined ? { life: this.board } : {}),
      ...(this.dm !== undefined ? { messages: this.dm.gateway() } : {}),
      ...(this.blobs !== undefined
        ? {
          blobs: {
            upload: async (bytes: Uint8Array) => await this.blobs_().upload(bytes),
            open: async (hash: Uint8Array) => await this.blobs_().open(hash)
          }
        }
        : {}),
      search: async (q) => await searchEntries(this.finder, q, (e) => isShown(e) && !this.blocked(e.author)),
      onPeer: (fn) => node.onPeer?.(fn) ?? (() => {}),
      ...(this.mod !== undefined
        ? { moderation: gatewayModeration(this.mod.moderation, async (body) => await this.author(body)) }
        : {}),
      ...(this.neighbours !== undefined ? { claims: this.neighbours.claims } : {})
    }
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
    if (
      this.store === undefined || this.node === undefined || this.signer === undefined || this.stopping !== undefined
    ) {
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
      http: this.gateway?.url !== undefined
        ? { address: this.config.http === false ? 'off' : this.config.http, serving: true, url: this.gateway.url }
        : { address: this.config.http === false ? 'off' : this.config.http, serving: false },
      ownFeed: this.guard().status(),
      ...(this.storage !== undefined ? { storage: this.storage.status(stats.deferred) } : {}),
      ...(this.blobs !== undefined ? { blobs: this.blobs.status() } : {})
    }
  }

  async peers (): Promise<PeersJson> {
    return { peers: await this.running().node.peers() }
  }

  /**
   * A local post: signed with the key of member `req.as` (the box's one member without it, or the
   * box's own key when it has none) and synced to disk before we answer.
   */
  async post (req: PostRequest): Promise<EntryJson> {
    const signer = await this.members_().signerNamed(req.as)
    return entryToJson(await this.author(await this.postBody(req, signer), signer), this.views())
  }

  /** An image upload (`kiez post --image`): blobs.ts checks its bytes. */
  async uploadBlob (bytes: Uint8Array): Promise<UploadedBlob> {
    this.running()
    return await this.blobs_().upload(bytes)
  }

  /** What entry JSON adds to an entry: the author's claim, the noticeboard's numbers. */
  private views (): EntryJsonViews {
    return { claims: this.neighbours?.claims, life: this.board }
  }

  /** The household id (its box's id, as in entry JSON) of an author, per the claims index; undefined: unclaimed. */
  private householdOf (author: Uint8Array): string | undefined {
    const claim = this.neighbours?.claims.claimOf(author)
    return claim !== undefined && claim.kind !== 'unclaimed' ? authorName(claim.household.box) : undefined
  }

  /**
   * A post request of any kind as a body (life.ts): one path for the control API and the gateway.
   * `signer` is who writes: a vote's or done's own-entry checks are about that key.
   */
  private async postBody (req: PostKindRequest & { as?: unknown }, signer: Signer): Promise<KnownBody> {
    const { store } = this.running()
    const { as: _who, images, ...fields } = req // who signs is `signer`; the kind's fields are checked as they are
    if (images === undefined) {
      return await lifeBody(fields, {
        me: signer.publicKey,
        now: this.now(),
        get: async (hash) => await store.get(hash)
      })
    }
    // images: a post or reply, its text may be empty; described from the uploaded blobs (blobs.ts)
    const kind = fields.kind ?? 'post'
    if (kind !== 'post') throw new ApiError(400, 'bad_kind_fields', `a ${kind} takes no images`)
    const body = await lifeBody({ ...fields, text: fields.text ?? '' }, {
      me: signer.publicKey,
      now: this.now(),
      get: async (hash) => await store.get(hash)
    })
    const described = await this.blobs_().describe(images)
    if (body.type === 'post' || body.type === 'reply') return { ...body, images: described }
    throw new ApiError(400, 'bad_kind_fields', 'only a post or reply takes images')
  }

  /** Deletes one of this box's (or member `as`'s) own entries: a signed delete entry (`kiez delete`). */
  async deleteEntry (id: string, as?: string): Promise<EntryJson> {
    return entryToJson(
      await this.amend({ type: 'delete', id }, await this.members_().signerNamed(as)),
      this.views()
    )
  }

  /** Replaces the text of one of this box's (or member `as`'s) own posts or replies (`kiez edit`). */
  async editEntry (id: string, text: string, as?: string): Promise<EntryJson> {
    return entryToJson(
      await this.amend({ type: 'edit', id, text }, await this.members_().signerNamed(as)),
      this.views()
    )
  }

  /** A profile entry (`kiez profile`): the box's display name, or a member's name and about. */
  async profile (req: ProfileRequest): Promise<EntryJson> {
    const people = this.members_()
    if (req.box === true && req.as !== undefined) {
      throw new ApiError(400, 'invalid_request', 'a profile is the box\'s or a member\'s: give `box` or `as`, not both')
    }
    const signer = req.box === true ? this.running().signer : await people.signerNamed(req.as)
    return entryToJson(await this.writeProfile(req, signer))
  }

  /** Private messages (`kiez dm …`); undefined while starting or stopping. */
  messages (): BoxMessages | undefined {
    return this.stopping === undefined ? this.dm : undefined
  }

  /** The household's people (`kiez member …`); undefined while starting or stopping. */
  members (): MemberControlApi | undefined {
    return this.stopping === undefined ? this.people : undefined
  }

  private members_ (): BoxMembers {
    if (this.people === undefined || this.stopping !== undefined) {
      throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
    }
    return this.people
  }

  /** A profile for both faces; the box's own renames its household, which is published again. */
  private async writeProfile (req: { name: string, about?: string }, signer: Signer): Promise<StoredEntry> {
    const people = this.members_()
    const e = await this.author(await people.profileBody(signer, req), signer)
    await people.authored(e)
    return e
  }

  /** Deletes and edits for both the control API and the gateway: the target must be `signer`'s. */
  private async amend (req: Amend, signer: Signer): Promise<StoredEntry> {
    const { store } = this.running()
    return await this.author(await amendBody(req, signer.publicKey, async (hash) => await store.get(hash)), signer)
  }

  /**
   * Local authoring for both the control API and the gateway: one path, one set of error codes.
   * `signer` is the box's key unless a member writes (members.ts chose it).
   */
  private async author (body: KnownBody, signer: Signer = this.running().signer): Promise<StoredEntry> {
    const { store } = this.running()
    try {
      const entry = await store.append(signer, body)
      this.components.logger.info({ seq: entry.seq, type: entry.kind }, 'posted')
      return entry
    } catch (err) {
      if (err instanceof FeedError) throw new ApiError(400, err.code, err.message)
      // amendBody checked the target; only a delete that got in first (a race) ends here
      if (err instanceof StoreError && err.code === 'not_author') throw new ApiError(403, err.code, err.message)
      if (err instanceof StoreError && err.code === 'bad_input' && 'target' in body) {
        throw new ApiError(410, 'deleted', 'that entry was deleted meanwhile')
      }
      if (err instanceof StoreError && err.code === 'author_forked') throw new ApiError(409, err.code, err.message)
      // a neighbour's heads are read every half second; a heads exchange comes at least every 30 s
      if (err instanceof StoreError && err.code === 'own_head_unknown') {
        throw new ApiError(503, err.code, err.message, 10)
      }
      if (err instanceof StoreError) throw new ApiError(503, err.code, err.message)
      throw err
    }
  }

  /** A one-time pairing code for a browser (`kiez pair`); with `member`, the browser posts as that member. */
  async pair (req: PairRequest = {}): Promise<PairJson> {
    const gateway = this.withGateway()
    const member = req.member === undefined ? undefined : gateway.memberNamed(req.member)
    if (req.member !== undefined && member === undefined) {
      throw new ApiError(
        404,
        'member_not_found',
        `this box has no member called ${JSON.stringify(req.member)}: see \`kiez member list\``
      )
    }
    const { code, expiresAt } = gateway.pairing.create(
      member !== undefined ? { member: Buffer.from(member.author).toString('hex') } : {}
    )
    this.components.logger.info(
      { expiresAt: new Date(expiresAt).toISOString(), member: member !== undefined },
      'issued a pairing code'
    )
    const out: PairJson = { code, expiresInMs: Math.max(0, expiresAt - this.now()) }
    if (gateway.url !== undefined) out.url = gateway.url
    if (member !== undefined) out.member = member.name
    return out
  }

  private withGateway (): Gateway {
    this.running()
    if (this.gateway === undefined) {
      throw new ApiError(
        409,
        'http_disabled',
        'this daemon runs without the HTTP gateway (--no-http): there is no web page to pair'
      )
    }
    return this.gateway
  }

  /** The paired browsers (`kiez pair --list`), with their members' names. */
  async browserSessions (): Promise<BrowserSessionsJson> {
    this.running()
    return { sessions: this.gateway?.browsers() ?? [] }
  }

  /** Ends one browser's session (`kiez pair --revoke ID`): its next request gets 401. */
  async revokeSession (id: string): Promise<RevokeJson> {
    this.running()
    if (this.gateway === undefined || !await this.gateway.sessions.revoke(id)) {
      throw new ApiError(
        404,
        'session_not_found',
        `no paired browser with id ${JSON.stringify(id)}: see \`kiez pair --list\``
      )
    }
    this.components.logger.info({ session: id }, 'revoked a browser session')
    return { revoked: 1 }
  }

  /** Forgets every paired browser (`kiez pair --revoke-all`). */
  async revokeSessions (): Promise<RevokeJson> {
    this.running()
    if (this.gateway === undefined) return { revoked: 0 }
    const revoked = await this.gateway.sessions.revokeAll()
    this.components.logger.info({ revoked }, 'revoked every browser session')
    return { revoked }
  }

  async ping (req: Required<PingRequest>): Promise<PingJson> {
    const { node } = this.running()
    return pingToJson(req, await meshCall(async () => await node.ping(req.target, req.count, req.timeoutMs)))
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

  async why (id: string, hint: { author?: string, seq?: number }): Promise<WhyJson> {
    const { store, node } = this.running()
    const state = node.replicationState?.()
    return await explainEntry(id, hint, {
      store,
      rejections: state?.rejections ?? [],
      now: this.now(),
      ...(state !== undefined ? { info: state.info } : {})
    })
  }

  async doctor (): Promise<DoctorFactsJson> {
    const { node } = this.running()
    const [status, peers, table, clocks] = await Promise.all([
      this.status(),
      node.peers(),
      node.dhtTable(),
      node.neighbourClocks?.().catch(() => []) ?? Promise.resolve([])
    ])
    const seen = peers.map((p) => p.lastSeenMs).filter((x): x is number => x !== undefined)
    const mdns = node.mdnsInfo?.()
    const out: DoctorFactsJson = {
      peerId: status.peerId,
      dataDir: status.dataDir,
      listenAddrs: status.listenAddrs,
      http: status.http,
      uptimeMs: status.uptimeMs,
      peers: {
        connected: status.counts.peers,
        known: peers.length,
        ...(seen.length > 0 ? { lastSeenMs: Math.round(Math.min(...seen)) } : {})
      },
      mdns: mdns === undefined
        ? { enabled: this.config.mdns }
        : {
          enabled: true,
          links: mdns.links.map((l) => ({ interface: l.interface, localAddress: l.localAddress, ready: l.ready })),
          peersFound: mdns.peers.length,
          queriesSent: mdns.counters.queriesSent,
          responsesReceived: mdns.counters.responsesReceived
        },
      dht: { tableSize: table.length },
      clock: { neighbours: clocks },
      ownFeed: this.guard().status()
    }
    return out
  }

  async topology (): Promise<TopologyJson> {
    const { node } = this.running()
    const draw = node.topology?.bind(node)
    if (draw === undefined) {
      return {
        self: node.peerId,
        boxes: [{ peerId: node.peerId, self: true, hops: 0, reported: true }],
        links: [],
        failures: [],
        truncated: false,
        durationMs: 0
      }
    }
    return await meshCall(draw)
  }

  onEntry (fn: (e: EntryJson) => void, wanted: () => boolean = () => true): () => void {
    return this.running().store.onEntry((entry) => {
      if (isShown(entry) && !this.blocked(entry.author) && wanted()) {
        fn(this.withHidden(entryToJson(entry, this.views()), entry))
      }
    })
  }

  /** `kiez search`: what the feed would show, matching the query, newest first (@kiez/search). */
  async search (req: SearchRequest): Promise<FeedJson> {
    const found = await searchEntries(this.finder, req, (e) => isShown(e) && !this.blocked(e.author))
    return { entries: found.map((e) => this.withHidden(entryToJson(e, this.views()), e)) }
  }

  async feed (query: { limit: number, before?: string, kind?: string }): Promise<FeedJson> {
    const { store } = this.running()
    const { kind } = query
    try {
      const q = query.before === undefined ? { limit: query.limit } : { limit: query.limit, before: query.before }
      // ?kind=: reads on until the page is full of that kind (bounded: @kiez/gateway life-json.ts kindPage)
      const page = kind === undefined
        ? await store.timeline(q)
        : await kindPage(async (p) => await store.timeline(p), q, (e) => e.kind === kind && isShown(e))
      // a page may come out shorter than `limit`: `next` still pages on from where the store stopped
      const shown = page.entries.filter((e) => isShown(e) && !this.blocked(e.author))
      const out: FeedJson = { entries: shown.map((e) => this.withHidden(entryToJson(e, this.views()), e)) }
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
