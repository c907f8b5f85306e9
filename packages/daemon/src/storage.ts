import { defaultMaxBytes, freeSpaceDefault, levelOptionsFor, Quota } from '@kiez/quota'
import { composeGates, type FeedStore, type IngestGate, lateGate } from '@kiez/store'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Registry } from 'prom-client'
import type { StorageConfig } from './config.js'
import type { StorageJson } from './control/types.js'
import { MetricMirror } from './metric-mirror.js'
import type { DaemonNode } from './node.js'

const MiB = 1024 * 1024
/** The images' share of the storage budget unless `storage.blobShare` says otherwise (issue #15: half). */
export const DEFAULT_BLOB_SHARE = 0.5
/** Neighbours remembered (across restarts too): far more than a street of boxes. */
const MAX_NEIGHBOURS = 4096
/** A meta record holds at most 4 KiB: 128 keys of 32 bytes each, in numbered records. */
const PER_RECORD = 128
const RECORD = (i: number): string => `quota/neighbours/${i}`

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * The authors the budgets never hold back or evict: this box's own key and
 * its neighbours', the author keys of the libp2p peers it has been connected
 * to (a box's peer key is its feed key). Least recently connected forgotten
 * first past 4096; kept in store meta records.
 */
class Neighbours {
  private readonly keys = new Map<string, Uint8Array>()
  private saving: Promise<void> = Promise.resolve()

  constructor (private readonly own: Uint8Array) {}

  has (author: Uint8Array): boolean {
    return this.keys.has(hex(author)) || Buffer.compare(author, this.own) === 0
  }

  async load (store: FeedStore): Promise<void> {
    for (let i = 0; i * PER_RECORD < MAX_NEIGHBOURS; i++) {
      const r = await store.getMeta(RECORD(i))
      if (r === undefined) break
      for (let o = 0; o + 32 <= r.byteLength; o += 32) this.keys.set(hex(r.subarray(o, o + 32)), r.slice(o, o + 32))
    }
  }

  /** A peer connected: its key is a neighbour's from now on. */
  add (store: FeedStore, peerId: string): void {
    let key: Uint8Array | undefined
    try {
      key = peerIdFromString(peerId).publicKey?.raw
    } catch {}
    if (key?.byteLength !== 32) return
    const k = hex(key)
    const known = this.keys.delete(k)
    this.keys.set(k, key)
    if (this.keys.size > MAX_NEIGHBOURS) this.keys.delete(this.keys.keys().next().value as string)
    if (!known) this.saving = this.saving.then(async () => await this.save(store)).catch(() => {})
  }

  private async save (store: FeedStore): Promise<void> {
    const all = [...this.keys.values()]
    for (let i = 0; i * PER_RECORD < MAX_NEIGHBOURS; i++) {
      const part = all.slice(i * PER_RECORD, (i + 1) * PER_RECORD)
      if (part.length === 0) {
        if (await store.getMeta(RECORD(i)) === undefined) break
        await store.putMeta(RECORD(i), undefined)
        continue
      }
      await store.putMeta(RECORD(i), Buffer.concat(part))
    }
  }

  async flush (): Promise<void> {
    await this.saving
  }
}

/**
 * The daemon's storage budgets (@kiez/quota): the gate it opens the store
 * with, the neighbours it exempts, status and metrics. Gates the daemon
 * composes ahead of the quota (a block list: they must run before a budget
 * is spent) go in `first`.
 */
export class StorageWiring {
  /** pass to FeedStore.open: forwards to the budgets once `start` has built them */
  readonly gate: IngestGate
  private readonly bindGate: (g: IngestGate | undefined) => void
  private quota: Quota | undefined
  private neighbours: Neighbours | undefined
  private store: FeedStore | undefined
  /** the whole budget: the feed store's share and the blobs' */
  private totalBytes = 0

  constructor (private readonly config: StorageConfig = {}, private readonly first: IngestGate[] = []) {
    const late = lateGate()
    this.gate = late.gate
    this.bindGate = late.bind
  }

  /**
   * LevelDB's table sizes for the budget (FeedStoreInit.leveldb), before the store opens: from the
   * configured budget, or the default as it would be computed now (the kept one is read after open).
   */
  async levelOptions (dataDir: string): Promise<{ maxFileSize?: number, writeBufferSize?: number }> {
    const { maxMb } = this.config
    return levelOptionsFor(maxMb !== undefined ? maxMb * MiB : await freeSpaceDefault(dataDir).catch(() => 0))
  }

  /** After the store opened, before the node starts: the budget, the neighbours, one check. */
  async start (
    store: FeedStore,
    init: { path: string, dataDir: string, owner: Uint8Array, member?: (author: Uint8Array) => boolean }
  ): Promise<void> {
    this.store = store
    const neighbours = new Neighbours(init.owner)
    await neighbours.load(store)
    this.neighbours = neighbours
    const { maxMb, ingestPerHour, ingestBurst, authorShare } = this.config
    const maxBytes = maxMb !== undefined ? maxMb * MiB : await defaultMaxBytes(store, init.dataDir)
    this.totalBytes = maxBytes
    const quota = new Quota({
      path: init.path,
      // the blobs (images) take their share of the one budget; the feed store the rest
      maxBytes: maxBytes - this.blobBytes(),
      // the box's own members too: their feeds are this box's to keep, like its own
      exempt: (a) => neighbours.has(a) || init.member?.(a) === true,
      ...(ingestPerHour !== undefined ? { ingestPerHour } : {}),
      ...(ingestBurst !== undefined ? { ingestBurst } : {}),
      ...(authorShare !== undefined ? { authorShare } : {})
    })
    this.quota = quota
    this.bindGate(composeGates(...this.first, quota.gate))
    await quota.attach(store)
  }

  /** Learns neighbours from the node's connections; returns the unsubscribe. */
  watch (node: DaemonNode): () => void {
    const { store, neighbours } = this
    if (store === undefined || neighbours === undefined || node.onPeer === undefined) return () => {}
    const stop = node.onPeer((e) => {
      if (e.connected) neighbours.add(store, e.peerId)
    })
    // the node dials as it starts: a neighbour may have connected before this listener was there (its
    // entries would then count as a stranger's, and its payloads be evicted first)
    void node.peers().then((peers) => {
      for (const p of peers) if (p.connected) neighbours.add(store, p.peerId)
    }, () => {})
    return stop
  }

  /** The blobs' share of the budget in bytes (0 before `start`). */
  blobBytes (): number {
    return Math.floor(this.totalBytes * (this.config.blobShare ?? DEFAULT_BLOB_SHARE))
  }

  /** maxBytes: the whole budget, as configured; feedMaxBytes and blobMaxBytes: its two shares. */
  status (deferred: number): StorageJson {
    const s = this.quota?.status() ?? { usedBytes: 0, maxBytes: 0, payloadsEvicted: 0, headersTruncated: 0 }
    return {
      ...s,
      maxBytes: this.totalBytes,
      feedMaxBytes: s.maxBytes,
      blobMaxBytes: this.blobBytes(),
      deferred,
      full: this.quota?.full ?? false
    }
  }

  /** kiez_store_* series in the daemon's registry, read at scrape time. */
  registerMetrics (registry: Registry): void {
    const m = new MetricMirror(registry)
    const status = (): StorageJson => this.status(this.store?.stats().deferred ?? 0)
    m.gauge(
      'kiez_store_used_bytes',
      'bytes of the feed store\'s files on disk, as last measured',
      () => status().usedBytes
    )
    m.gauge(
      'kiez_store_max_bytes',
      'the feed store\'s share of the storage budget: the most it may take on disk',
      () => status().feedMaxBytes ?? 0
    )
    // cumulative in the store's meta record: mirrored as counters by their delta
    m.counter(
      'kiez_store_payloads_evicted_total',
      'payloads of far authors evicted for space',
      () => status().payloadsEvicted
    )
    m.counter(
      'kiez_store_headers_truncated_total',
      'entries of far authors forgotten for space',
      () => status().headersTruncated
    )
    m.counter(
      'kiez_store_deferred_total',
      'entries from the mesh deferred by a budget (pulled again later)',
      () => status().deferred
    )
  }

  /** Before the store closes. */
  async stop (): Promise<void> {
    await this.quota?.stop()
    await this.neighbours?.flush()
  }
}
