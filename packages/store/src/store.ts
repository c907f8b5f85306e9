import {
  checkEntry,
  checkRange,
  createEntry,
  encodeForkProof,
  parseEntryId,
  PublicKeyCache,
  readEntry,
  sha256,
  verifyForkProof,
  DEFAULT_MAX_FUTURE_MS,
  equalBytes,
  type AuthorState,
  type Entry,
  type KnownBody,
  type Rejection,
  type Signer,
  type ValidationCode
} from '@kiez/feed'
import { heldPayloadsOf } from './author-payloads.js'
import { metaRecords } from './meta-records.js'
import type { IngestGate } from './gate.js'
import { Level } from 'level'
import { StoreError } from './errors.js'
import { compactKeys, finishCompaction, unfinishedCompactions } from './compaction.js'
import {
  forgetKeys,
  heldPayloads,
  prefixRange,
  scanAuthorBytes,
  type AuthorBytes,
  type EvictedPayload,
  type ForgetResult,
  type HeldPayload
} from './eviction.js'
import { Group, groupTx, type EntryOrigin } from './group.js'
import { decodeHead, encodeHead } from './head.js'
import {
  authorSeq,
  compactKey,
  editPrefix,
  forkKey,
  headKey,
  hex,
  idKey,
  LAYOUT_VERSION,
  logKey,
  metaKey,
  P_FORK,
  P_FATE,
  P_HEAD,
  P_ID,
  P_LOG,
  P_NEED,
  P_PAYLOAD,
  P_TIME,
  P_VERSION,
  P_WAIT,
  payloadKey,
  prefixEnd,
  readU64,
  timeKey
} from './keys.js'
import {
  attach,
  listMissing,
  takePayload,
  type MissingPayload,
  type PayloadOutcome,
  type PayloadResult,
  type StoredEntry
} from './payloads.js'
import { recoverHeads, type RecoveryReport } from './recovery.js'
import { checkLocalTarget, settleTarget } from './tombstones.js'
import type { PayloadTx } from './tx.js'

export { INDEX_BYTES, type AuthorBytes, type EvictedPayload, type ForgetResult, type HeldPayload } from './eviction.js'
export type { Fate } from './fate.js'
export type { EntryOrigin } from './group.js'
export type { MissingPayload, PayloadOutcome, StoredEntry } from './payloads.js'

export interface FeedStoreInit {
  /**
   * Directory of the LevelDB database (created if missing).
   *
   * @default none (required)
   */
  path: string
  /**
   * Cache of parsed author keys; pass one to share it with other verifiers.
   *
   * @default a new `PublicKeyCache()` of 4096 keys
   */
  keys?: PublicKeyCache
  /**
   * The receiver's clock in milliseconds, for the future-timestamp rule.
   *
   * @default Date.now
   */
  now?: () => number
  /**
   * How far (milliseconds) an entry's timestamp may lie ahead of `now()` (PROTOCOL.md §4, check 9).
   *
   * @default DEFAULT_MAX_FUTURE_MS (600 000, 10 minutes)
   */
  maxFutureMs?: number
  /**
   * Most queued writes folded into one group commit.
   *
   * @default 256
   */
  maxGroup?: number
  /**
   * The admission policy over entries from the network (gate.ts): blocks,
   * ingest budgets. Local appends are never gated.
   *
   * @default none: every valid entry is stored with its payload
   */
  gate?: IngestGate
  /**
   * LevelDB's table file size and write buffer, in bytes. A compaction
   * writes its new tables before it deletes the old ones, about ten table
   * files at once, so a store under a small disk budget wants small tables
   * (packages/quota: `levelOptionsFor`).
   *
   * @default LevelDB's (2 MiB tables, a 4 MiB write buffer)
   */
  leveldb?: { maxFileSize?: number, writeBufferSize?: number }
}

/** How `ingest` reports. */
export interface IngestOptions {
  /**
   * Called with the verdict as soon as the entry has been judged against the
   * heads (the groups before it included), before its group is on disk. A
   * relay may forward then: durability is promised for acknowledged local
   * posts, not for relaying (docs/DECISIONS.md, "Forward before the write").
   * If the write then fails, the promise rejects; the verdict stands.
   */
  judged?: (r: IngestResult) => void
}

/** An entry and, when the sender has it, its payload: what ingest and ingestRange take. */
export interface EntryItem {
  entry: Uint8Array
  payload?: Uint8Array
}

/**
 * The header decides the entry's fate as in format 1; `payload` says what
 * became of the payload that came with it (payloads.ts). A duplicate header
 * with a payload we lacked stores it: that is how a payload is fetched again.
 */
export type IngestResult =
  | { status: 'stored', entry: StoredEntry, payload: PayloadOutcome }
  | { status: 'duplicate', entry: StoredEntry, payload: PayloadOutcome }
  | { status: 'fork', entry: Entry, proof: Uint8Array }
  | { status: 'rejected', code: ValidationCode, message: string, entry?: Entry }
  /** valid, but the gate holds it back for now (an ingest budget): not stored, not to be forwarded */
  | { status: 'deferred', entry: Entry }

export type PayloadCounts = Record<PayloadOutcome, number>

export interface RangeIngestResult {
  stored: number
  duplicates: number
  /** what became of the payloads of the stored and duplicate entries (items after a rejection count nowhere) */
  payloads: PayloadCounts
  /** set when part of the range was refused; entries before `index` may still have been stored */
  rejection?: { code: ValidationCode, message: string, index: number }
  /** set when the range revealed a fork */
  fork?: Uint8Array
  /** set when the gate held back the item at `index` and everything after it (pull it again later) */
  deferred?: { index: number }
}

export interface Head {
  author: Uint8Array
  seq: number
  hash: Uint8Array
  forkedAt?: number
}

export interface TimelinePage {
  entries: StoredEntry[]
  /** pass as `before` for the next (older) page; absent on the last page */
  next?: string
}

export interface StoreStats {
  authors: number
  entries: number
  forks: number
  stored: number
  duplicates: number
  /** valid entries from the network the gate held back (pulled again later) */
  deferred: number
  rejected: Partial<Record<ValidationCode, number>>
}

/** A new entry (with its payload when it came with one) */
export type EntryListener = (entry: StoredEntry, origin: EntryOrigin) => void
/** A payload that arrived after its entry (fetched again, or late) */
export type PayloadListener = (entry: StoredEntry) => void
export type ForkListener = (author: Uint8Array, seq: number, proof: Uint8Array) => void

type Op =
  | { kind: 'local', signer: Signer, body: KnownBody, resolve: (e: Entry) => void, reject: (e: unknown) => void }
  | {
    kind: 'entry'
    item: EntryItem
    resolve: (r: IngestResult) => void
    reject: (e: unknown) => void
    judged?: (r: IngestResult) => void
  }
  | {
    kind: 'range'
    items: Array<EntryItem | Uint8Array>
    resolve: (r: RangeIngestResult) => void
    reject: (e: unknown) => void
  }
  | { kind: 'drop', hash: Uint8Array, compact?: boolean, resolve: (r: boolean) => void, reject: (e: unknown) => void }
  | {
    kind: 'proof'
    bytes: Uint8Array
    resolve: (r: IngestResult | { status: 'rejected', code: ValidationCode, message: string }) => void
    reject: (e: unknown) => void
  }
  // eviction.ts: each in a group of its own, after the groups before it are on disk
  | { kind: 'evict', hashes: Uint8Array[], resolve: (r: EvictedPayload[]) => void, reject: (e: unknown) => void }
  | { kind: 'forget', author: Uint8Array, resolve: (r: ForgetResult) => void, reject: (e: unknown) => void }

const alone = (op: Op): boolean => op.kind === 'evict' || op.kind === 'forget'

const NO_PAYLOADS: PayloadCounts = { stored: 0, had: 0, absent: 0, mismatch: 0, invalid: 0, refused: 0 }

function checkedMetaKey (name: string): Uint8Array {
  if (name.length === 0 || Buffer.byteLength(name) > 64) {
    throw new StoreError('bad_input', 'a meta record name is 1-64 bytes')
  }
  return metaKey(name)
}

/**
 * The feed store. All writes go through one queue: each flush validates the
 * queued writes against the heads, then commits them as one atomic LevelDB
 * batch (entries, indexes and heads together, so a head never points at a
 * missing entry). A flush is synced when it holds a local entry: concurrent
 * local posts share one fsync (group commit).
 */
export class FeedStore {
  readonly path: string
  readonly keys: PublicKeyCache
  private readonly db: Level<Uint8Array, Uint8Array>
  private readonly now: () => number
  private readonly maxFutureMs: number
  private readonly maxGroup: number
  private readonly gate: IngestGate | undefined
  private readonly openOptions: { maxFileSize?: number, writeBufferSize?: number }
  private readonly headMap = new Map<string, { author: Uint8Array, state: AuthorState }>()
  private readonly queue: Op[] = []
  private flushing: Promise<void> | undefined
  private draining = false
  /** groups validated but not yet written, oldest first: their heads and entries count as present */
  private readonly pending: Group[] = []
  private readonly entryListeners = new Set<EntryListener>()
  private readonly forkListeners = new Set<ForkListener>()
  private readonly payloadListeners = new Set<PayloadListener>()
  /** hex of targets named by a delete or edit whose header is not held (the W keys) */
  private readonly awaiting = new Set<string>()
  /** compactions of dropped payload keys, one after another, after their group committed */
  private compacting: Promise<void> = Promise.resolve()
  private counters = {
    stored: 0,
    duplicates: 0,
    forks: 0,
    deferred: 0,
    rejected: {} as Partial<Record<ValidationCode, number>>
  }
  private closed = false
  /** the last batch write failed: reopen the database before the next one */
  private writeFailed = false
  recovery: RecoveryReport | undefined
  /** true when this open created the database (no layout record was there) */
  created = false
  /** authors whose local posts are refused, with the error to refuse them with (own-feed.ts) */
  private readonly held = new Map<string, StoreError>()

  private constructor (init: FeedStoreInit) {
    this.path = init.path
    this.keys = init.keys ?? new PublicKeyCache()
    this.now = init.now ?? Date.now
    this.maxFutureMs = init.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS
    this.maxGroup = init.maxGroup ?? 256
    this.gate = init.gate
    this.openOptions = { ...init.leveldb }
    this.db = new Level<Uint8Array, Uint8Array>(init.path, { keyEncoding: 'view', valueEncoding: 'view' })
  }

  /** Opens (creating if needed) and checks every head against the stored log, repairing what it can. */
  static async open (init: FeedStoreInit): Promise<FeedStore> {
    const store = new FeedStore(init)
    try {
      await store.db.open(store.openOptions)
    } catch (err) {
      throw new StoreError('write_failed', `cannot open the feed database at ${init.path}: ${(err as Error).message}`, {
        cause: err
      })
    }
    const version = await store.db.get(Uint8Array.of(P_VERSION))
    if (version === undefined) {
      await store.db.put(Uint8Array.of(P_VERSION), Uint8Array.of(LAYOUT_VERSION), { sync: true })
      store.created = true
    } else if (version[0] !== LAYOUT_VERSION) {
      await store.db.close()
      throw new StoreError(
        'corrupt',
        version[0] === 1
          ? `the feed database at ${init.path} is layout 1 (entry format 1), which this version cannot read: ` +
            'move it away and start a new one (entries are fetched again from neighbours)'
          : `unknown store layout version ${String(version[0])}`
      )
    }
    for await (const k of store.db.keys({ gte: Uint8Array.of(P_WAIT), lt: Uint8Array.of(P_WAIT + 1) })) {
      store.awaiting.add(hex(k.subarray(1)))
    }
    // Payloads dropped before a crash whose compaction had not finished.
    const unfinished = await unfinishedCompactions(store.db)
    if (unfinished.length > 0) await finishCompaction(store.db, unfinished)
    for await (const [k, v] of store.db.iterator({ gte: Uint8Array.of(P_HEAD), lt: Uint8Array.of(P_HEAD + 1) })) {
      const state = decodeHead(v)
      const author = k.slice(1)
      if (state !== undefined && author.byteLength === 32) store.headMap.set(hex(author), { author, state })
    }
    store.recovery = await recoverHeads(store.db, store.headMap)
    for (const { state } of store.headMap.values()) if (state.forkedAt !== undefined) store.counters.forks++
    return store
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.flushing
    await this.compacting
    await this.db.close()
  }

  onEntry (fn: EntryListener): () => void {
    this.entryListeners.add(fn)
    return () => this.entryListeners.delete(fn)
  }

  onPayload (fn: PayloadListener): () => void {
    this.payloadListeners.add(fn)
    return () => this.payloadListeners.delete(fn)
  }

  onFork (fn: ForkListener): () => void {
    this.forkListeners.add(fn)
    return () => this.forkListeners.delete(fn)
  }

  /** A small record about the store itself (at most 4 KiB; names up to 64 bytes). */
  async getMeta (name: string): Promise<Uint8Array | undefined> {
    return await this.db.get(checkedMetaKey(name))
  }

  /** The meta records whose name starts with `prefix` (1-64 bytes), in name order, at most `limit` (meta-records.ts). */
  async metaRecords (prefix: string, limit = 1000): Promise<Array<{ name: string, value: Uint8Array }>> {
    checkedMetaKey(prefix)
    return await metaRecords(this.db, prefix, limit)
  }

  /** Writes (or with undefined, deletes) a meta record, synced: it must outlive a power cut. */
  async putMeta (name: string, value: Uint8Array | undefined): Promise<void> {
    const key = checkedMetaKey(name)
    if (value === undefined) {
      await this.db.del(key, { sync: true })
      return
    }
    if (value.byteLength > 4096) throw new StoreError('bad_input', `meta record ${name} is over 4 KiB`)
    await this.db.put(key, value, { sync: true })
  }

  /** Refuses local posts by `author` with `error` until released; entries from peers still flow. */
  holdAuthor (author: Uint8Array, error: StoreError): void {
    this.held.set(hex(author), error)
  }

  releaseAuthor (author: Uint8Array): void {
    this.held.delete(hex(author))
  }

  /**
   * Signs and stores a new entry by `signer`, header and payload in one batch;
   * resolves only once it is synced to disk. A delete or edit must name an
   * entry of the same author that this store holds (`not_author`, `bad_input`).
   */
  async append (signer: Signer, body: KnownBody): Promise<Entry> {
    return await new Promise((resolve, reject) => this.enqueue({ kind: 'local', signer, body, resolve, reject }))
  }

  /** The one-entry path (gossip), with the payload when the sender has it. Not synced: it can be fetched again. */
  async ingest (bytes: Uint8Array, payload?: Uint8Array, opts: IngestOptions = {}): Promise<IngestResult> {
    const item: EntryItem = payload !== undefined ? { entry: bytes, payload } : { entry: bytes }
    return await new Promise((resolve, reject) => {
      const op: Op = { kind: 'entry', item, resolve, reject }
      if (opts.judged !== undefined) op.judged = opts.judged
      this.enqueue(op)
    })
  }

  /**
   * The range path (sync): one author's entries in ascending seq, one signature check per hash-linked run.
   * An item is an entry with or without its payload, or bare entry bytes (header only).
   */
  async ingestRange (items: Array<EntryItem | Uint8Array>): Promise<RangeIngestResult> {
    return await new Promise((resolve, reject) => this.enqueue({ kind: 'range', items, resolve, reject }))
  }

  /**
   * Drops a held payload (eviction). Unlike a delete it seals nothing: the
   * entry is listed by `missingPayloads` and the payload is taken again if it
   * comes. Nor does it compact: the space comes back with LevelDB's own
   * compactions, and the text may stay in its files until then. Resolves
   * true when there was one to drop.
   */
  async dropPayload (hash: Uint8Array): Promise<boolean> {
    return await new Promise((resolve, reject) => this.enqueue({ kind: 'drop', hash, resolve, reject }))
  }

  /** Stores a fork proof from anyone, after checking it, and freezes the author's feed at its seq. */
  async ingestForkProof (
    bytes: Uint8Array
  ): Promise<IngestResult | { status: 'rejected', code: ValidationCode, message: string }> {
    return await new Promise((resolve, reject) => this.enqueue({ kind: 'proof', bytes, resolve, reject }))
  }

  private enqueue (op: Op): void {
    if (this.closed) {
      op.reject(new StoreError('not_open', 'the store is closed'))
      return
    }
    this.queue.push(op)
    // The flag flips in the same tick the queue is seen empty, so no op can slip in between.
    if (!this.draining) {
      this.draining = true
      this.flushing = this.drain()
    }
  }

  /**
   * Pipelined: while group N is being written, group N+1 is validated against
   * the heads N will leave (validation and hashing are the CPU half, LevelDB
   * the I/O half). Writes themselves stay strictly ordered. If N fails, N+1
   * was judged against state that never came to be, so it fails too.
   */
  private async drain (): Promise<void> {
    let writing: Promise<boolean> = Promise.resolve(true)
    try {
      for (;;) {
        if (this.queue.length === 0) {
          await writing
          writing = Promise.resolve(true)
          // Checked in the same tick as `draining` is cleared below: no op can be stranded.
          if (this.queue.length === 0) break
        }
        const ops = this.queue.splice(0, this.groupSize())
        // An eviction reads the disk directly: what the group before it writes must be there.
        if (ops.length === 1 && alone(ops[0] as Op)) writing = Promise.resolve(await writing)
        const g = new Group()
        g.settle = await this.applyAll(ops, g)
        this.pending.push(g)
        if (!await writing) {
          this.pending.splice(this.pending.indexOf(g), 1)
          const e = new StoreError(
            'write_failed',
            'an earlier write to the feed database failed; this one was not attempted'
          )
          for (const op of ops) op.reject(e)
          writing = Promise.resolve(true)
          continue
        }
        writing = this.commit(g, ops)
      }
    } finally {
      this.draining = false
    }
  }

  /** Queued ops for the next group: up to maxGroup, an eviction always alone. */
  private groupSize (): number {
    for (let i = 0; i < this.maxGroup && i < this.queue.length; i++) {
      if (alone(this.queue[i] as Op)) return i === 0 ? 1 : i
    }
    return this.maxGroup
  }

  private async applyAll (ops: Op[], g: Group): Promise<Array<() => void>> {
    const settle: Array<() => void> = []
    for (const op of ops) {
      try {
        const r = await this.apply(op, g)
        if (op.kind === 'entry') op.judged?.(r as IngestResult)
        settle.push(() => (op.resolve as (v: unknown) => void)(r))
      } catch (err) {
        settle.push(() => op.reject(err))
      }
    }
    return settle
  }

  private async commit (g: Group, ops: Op[]): Promise<boolean> {
    if (g.batch.length > 0 || g.kv.size > 0 || g.dels.length > 0) {
      try {
        // LevelDB keeps a failed write's error (ENOSPC, EIO) and refuses every later write on
        // that handle; only a reopen clears it, so a full disk that frees up would otherwise
        // need a daemon restart (found by the adversarial suite).
        if (this.writeFailed) {
          await this.db.close()
          await this.db.open(this.openOptions)
          this.writeFailed = false
        }
        if (g.compact.length > 0) {
          await this.compacting
          await compactKeys(this.db, g.compact).catch(() => {})
        }
        const batch = this.db.batch()
        for (const key of g.dels) batch.del(key)
        for (const op of g.batch) batch.put(op.key, op.value)
        for (const { key, value } of g.kv.values()) {
          if (value === null) batch.del(key)
          else batch.put(key, value)
        }
        // In the same batch: a crash before the compaction leaves the mark, and open compacts it.
        for (const key of g.compact) batch.put(compactKey(key), new Uint8Array(0))
        for (const { author, state } of g.heads.values()) batch.put(headKey(author), encodeHead(state))
        await batch.write({ sync: g.sync })
      } catch (err) {
        this.writeFailed = true
        // Nothing of this group was written: fail every op in it, keep the old heads.
        this.pending.splice(this.pending.indexOf(g), 1)
        const e = new StoreError('write_failed', `writing to the feed database failed: ${(err as Error).message}`, {
          cause: err
        })
        for (const op of ops) op.reject(e)
        return false
      }
      for (const [k, v] of g.heads) this.headMap.set(k, v)
      for (const k of g.forgotten) this.headMap.delete(k)
      this.counters.stored += g.added.length
    }
    this.pending.splice(this.pending.indexOf(g), 1)
    for (const settle of g.settle) settle()
    for (const { entry, origin } of g.added) for (const fn of this.entryListeners) fn(entry, origin)
    for (const entry of g.payloads) for (const fn of this.payloadListeners) fn(entry)
    if (g.compact.length > 0) {
      const keys = g.compact
      this.compacting = this.compacting.then(async () => await finishCompaction(this.db, keys))
    }
    for (const f of g.forks) {
      this.counters.forks++
      for (const fn of this.forkListeners) fn(f.author, f.seq, f.proof)
    }
    return true
  }

  private tx (g: Group): PayloadTx {
    return groupTx(g, this.pending, this.db, async (hash) => await this.storedEntry(hash), this.awaiting)
  }

  /** A stored header by hash, without its payload. */
  private async storedEntry (hash: Uint8Array): Promise<Entry | undefined> {
    const where = await this.db.get(idKey(hash))
    if (where === undefined) return undefined
    const bytes = await this.db.get(logKey(where.subarray(0, 32), readU64(where, 32)))
    return bytes === undefined ? undefined : this.decodeStored(bytes)
  }

  private stateOf (author: Uint8Array, g: Group): AuthorState | undefined {
    const k = hex(author)
    let h = g.heads.get(k)
    for (let i = this.pending.length - 1; h === undefined && i >= 0; i--) {
      const p = this.pending[i] as Group
      if (p.forgotten.has(k)) return undefined
      h = p.heads.get(k)
    }
    return (h ?? this.headMap.get(k))?.state
  }

  /** Our entry at (author, seq): staged in this or a pending group, or stored. */
  private async entryAt (
    author: Uint8Array,
    seq: number,
    g: Group
  ): Promise<{ hash: Uint8Array, bytes: Uint8Array } | undefined> {
    const k = hex(author)
    let staged = g.staged.get(k)?.get(seq)
    for (let i = this.pending.length - 1; staged === undefined && i >= 0; i--) {
      staged = this.pending[i]?.staged.get(k)?.get(seq)
    }
    if (staged !== undefined) return staged
    const bytes = await this.db.get(logKey(author, seq))
    return bytes === undefined ? undefined : { hash: sha256(bytes), bytes }
  }

  private async hashAt (author: Uint8Array, seq: number, g: Group): Promise<Uint8Array | undefined> {
    return (await this.entryAt(author, seq, g))?.hash
  }

  private stage (entry: Entry, origin: EntryOrigin, g: Group): void {
    this.stageRun([entry], origin, g)
  }

  /** Stages consecutive entries of one author: author-level work once, per-entry work kept to the three index puts. */
  private stageRun (entries: readonly Entry[], origin: EntryOrigin, g: Group): void {
    const last = entries[entries.length - 1]
    if (last === undefined) return
    const author = last.author
    const k = hex(author)
    let staged = g.staged.get(k)
    if (staged === undefined) g.staged.set(k, staged = new Map())
    for (const entry of entries) {
      const value = authorSeq(author, entry.seq)
      g.batch.push({ key: logKey(author, entry.seq), value: entry.bytes })
      g.batch.push({ key: idKey(entry.hash), value })
      g.batch.push({ key: timeKey(entry.timestamp, entry.hash), value })
      staged.set(entry.seq, entry)
      const added = { entry, origin }
      g.added.push(added)
      g.addedOf.set(entry, added)
    }
    const prev = this.stateOf(author, g)
    const state: AuthorState = { seq: last.seq, hash: last.hash }
    if (prev?.forkedAt !== undefined) state.forkedAt = prev.forkedAt
    g.heads.set(k, { author, state })
  }

  private reject (code: ValidationCode): void {
    this.counters.rejected[code] = (this.counters.rejected[code] ?? 0) + 1
  }

  private async stageFork (author: Uint8Array, seq: number, proof: Uint8Array, g: Group): Promise<void> {
    const prev = this.stateOf(author, g)
    const state: AuthorState = prev !== undefined ? { ...prev } : { seq: 0, hash: new Uint8Array(0) }
    if (state.forkedAt !== undefined && state.forkedAt <= seq) return
    state.forkedAt = seq
    g.heads.set(hex(author), { author, state })
    g.batch.push({ key: forkKey(author, seq), value: proof })
    g.forks.push({ author, seq, proof })
  }

  private async apply (op: Op, g: Group): Promise<unknown> {
    switch (op.kind) {
      case 'local': {
        // almost always empty: no hex of the key on the append path unless a guard is armed
        const held = this.held.size > 0 ? this.held.get(hex(op.signer.publicKey)) : undefined
        if (held !== undefined) throw held
        const state = this.stateOf(op.signer.publicKey, g)
        if (state?.forkedAt !== undefined) {
          throw new StoreError(
            'author_forked',
            'this author\'s feed is frozen by a fork proof; it can no longer be extended'
          )
        }
        const tx = this.tx(g)
        if (op.body.type === 'delete' || op.body.type === 'edit') {
          await checkLocalTarget(op.signer.publicKey, op.body, tx)
        }
        const entry = createEntry(op.signer, {
          seq: (state?.seq ?? 0) + 1,
          previous: state !== undefined && state.seq > 0 ? state.hash : null,
          timestamp: this.now(),
          body: op.body
        })
        g.sync = true
        this.stage(entry, 'local', g)
        await this.payloadOf(entry, entry.payload, true, g, tx)
        return entry
      }
      case 'entry':
        return await this.applyEntry(op.item, g)
      case 'range':
        return await this.applyRange(op.items, g)
      case 'drop': {
        const tx = this.tx(g)
        const key = payloadKey(op.hash)
        const entry = await tx.entry(op.hash)
        if (entry === undefined || await tx.get(key) === undefined) return false
        tx.del(key)
        if (op.compact === true) tx.compact(key) // a block's drop: the text must leave the disk too
        await takePayload(entry, undefined, true, tx) // lists it as missing again
        return true
      }
      case 'evict':
        return await this.applyEvict(op.hashes, g)
      case 'forget':
        return await this.applyForget(op.author, g)
      case 'proof': {
        const p = verifyForkProof(op.bytes, this.keys)
        if (!p.ok) {
          this.reject(p.code)
          return { status: 'rejected', code: p.code, message: p.message }
        }
        await this.stageFork(p.author, p.seq, op.bytes, g)
        return { status: 'fork', entry: p.entries[0], proof: op.bytes }
      }
    }
  }

  /**
   * The payload side of a staged (`fresh`) or duplicate header, counted in
   * the stats; a fresh header that a delete or edit was waiting for settles it.
   */
  private async payloadOf (
    entry: Entry,
    payload: Uint8Array | undefined,
    fresh: boolean,
    g: Group,
    tx: PayloadTx
  ): Promise<PayloadResult> {
    const r = await takePayload(entry, payload, fresh, tx)
    if (r.code !== undefined) this.reject(r.code)
    if (fresh && this.awaiting.size > 0 && this.awaiting.has(hex(entry.hash))) {
      await settleTarget(entry.hash, tx)
      if (r.outcome === 'stored' && await tx.get(payloadKey(entry.hash)) === undefined) return { outcome: 'refused' }
    }
    if (r.entry !== undefined) {
      const added = fresh ? g.addedOf.get(entry) : undefined
      if (added !== undefined) added.entry = r.entry
      else {
        g.payloads.push(r.entry)
      }
    }
    return r
  }

  private async applyEntry (item: EntryItem, g: Group): Promise<IngestResult> {
    const bytes = item.entry
    const read = readEntry(bytes, { now: this.now(), maxFutureMs: this.maxFutureMs })
    if (!read.ok) {
      this.reject(read.code)
      return { status: 'rejected', code: read.code, message: read.message }
    }
    const entry = read.value
    const state = this.stateOf(entry.author, g)
    const stored = state !== undefined && entry.seq <= state.seq
      ? await this.hashAt(entry.author, entry.seq, g)
      : undefined
    const r = checkEntry(entry, { keys: this.keys, state, storedHashAt: () => stored })
    if (r.ok) {
      const verdict = this.gate?.admit(entry) ?? 'store'
      if (verdict === 'defer') {
        this.counters.deferred++
        return { status: 'deferred', entry }
      }
      this.stage(entry, 'peer', g)
      const p = await this.payloadOf(entry, verdict === 'store' ? item.payload : undefined, true, g, this.tx(g))
      const outcome = verdict === 'header' && item.payload !== undefined ? 'refused' : p.outcome
      return { status: 'stored', entry: p.entry ?? entry, payload: outcome }
    }
    const res = await this.rejection(r, g)
    if (res.status !== 'duplicate') return res
    if (item.payload !== undefined && this.gate?.takesPayload(res.entry.author) === false) {
      return { status: 'duplicate', entry: res.entry, payload: 'refused' }
    }
    const p = await this.payloadOf(res.entry, item.payload, false, g, this.tx(g))
    return { status: 'duplicate', entry: p.entry ?? res.entry, payload: p.outcome }
  }

  private async rejection (r: Rejection, g: Group): Promise<IngestResult> {
    if (r.code === 'duplicate' && r.entry !== undefined) {
      this.counters.duplicates++
      return { status: 'duplicate', entry: r.entry, payload: 'absent' }
    }
    if (r.forkWith !== undefined && r.entry !== undefined) {
      const other = await this.entryAt(r.entry.author, r.entry.seq, g)
      const otherEntry = other !== undefined ? readEntry(other.bytes, { now: Number.MAX_SAFE_INTEGER }) : undefined
      if (otherEntry?.ok === true) {
        const proof = encodeForkProof(otherEntry.value, r.entry)
        await this.stageFork(r.entry.author, r.entry.seq, proof, g)
        return { status: 'fork', entry: r.entry, proof }
      }
    }
    this.reject(r.code)
    return r.entry !== undefined
      ? { status: 'rejected', code: r.code, message: r.message, entry: r.entry }
      : { status: 'rejected', code: r.code, message: r.message }
  }

  private async applyRange (items: Array<EntryItem | Uint8Array>, g: Group): Promise<RangeIngestResult> {
    const now = this.now()
    const entries: Entry[] = []
    let readFailure: RangeIngestResult['rejection']
    for (let i = 0; i < items.length; i++) {
      const item = items[i]
      const r = readEntry(item instanceof Uint8Array ? item : item?.entry as Uint8Array, {
        now,
        maxFutureMs: this.maxFutureMs
      })
      if (!r.ok) {
        readFailure = { code: r.code, message: r.message, index: i }
        break
      }
      entries.push(r.value)
    }
    const first = entries[0]
    if (first === undefined) {
      if (readFailure !== undefined) this.reject(readFailure.code)
      return readFailure !== undefined
        ? { stored: 0, duplicates: 0, payloads: { ...NO_PAYLOADS }, rejection: readFailure }
        : { stored: 0, duplicates: 0, payloads: { ...NO_PAYLOADS } }
    }
    const state = this.stateOf(first.author, g)
    const known = new Map<number, Uint8Array>()
    if (state !== undefined) {
      for (const e of entries) {
        if (e.seq > state.seq) break
        const h = await this.hashAt(e.author, e.seq, g)
        if (h !== undefined) known.set(e.seq, h)
      }
    }
    const r = checkRange(entries, { keys: this.keys, state, storedHashAt: (seq) => known.get(seq) })
    // asked before the headers are admitted: a gate that counts what it admits (a share) may be over after
    const takes = this.gate === undefined || this.gate.takesPayload(first.author)
    const { admitted, headerOnly, deferredAt } = this.admitRun(r.accepted)
    this.stageRun(admitted, 'peer', g)
    this.counters.duplicates += r.duplicates
    const out: RangeIngestResult = { stored: admitted.length, duplicates: r.duplicates, payloads: { ...NO_PAYLOADS } }
    // Payloads of the entries the headers let in: fresh ones, and duplicates (fetched again).
    const accepted = new Set(admitted)
    const tx = this.tx(g)
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry
      const fresh = accepted.has(e)
      const held = known.get(e.seq)
      if (!fresh && (held === undefined || !equalBytes(held, e.hash))) continue
      const item = items[i]
      const payload = item instanceof Uint8Array ? undefined : item?.payload
      if (payload !== undefined && (!takes || headerOnly.has(e))) {
        if (fresh) await this.payloadOf(e, undefined, true, g, tx)
        out.payloads.refused++
        continue
      }
      out.payloads[(await this.payloadOf(e, payload, fresh, g, tx)).outcome]++
    }
    if (deferredAt !== undefined) {
      const index = entries.indexOf(deferredAt)
      this.counters.deferred += r.accepted.length - admitted.length
      out.deferred = { index }
    } else if (r.rejection !== undefined) {
      const res = await this.rejection(r.rejection, g)
      if (res.status === 'fork') out.fork = res.proof
      else out.rejection = { code: r.rejection.code, message: r.rejection.message, index: r.rejection.index }
    } else if (readFailure !== undefined) {
      this.reject(readFailure.code)
      out.rejection = readFailure
    }
    return out
  }

  /** The gate's verdicts on a run of accepted headers: it stops at the first `defer`. */
  private admitRun (
    accepted: readonly Entry[]
  ): { admitted: readonly Entry[], headerOnly: Set<Entry>, deferredAt?: Entry } {
    const headerOnly = new Set<Entry>()
    if (this.gate === undefined) return { admitted: accepted, headerOnly }
    for (let i = 0; i < accepted.length; i++) {
      const e = accepted[i] as Entry
      const verdict = this.gate.admit(e)
      if (verdict === 'defer') return { admitted: accepted.slice(0, i), headerOnly, deferredAt: e }
      if (verdict === 'header') headerOnly.add(e)
    }
    return { admitted: accepted, headerOnly }
  }

  // ---- queries -------------------------------------------------------------

  /** Every author's head: the vector that sync exchanges. */
  heads (): Head[] {
    return [...this.headMap.values()].map(({ author, state }) => ({ author, ...state }))
  }

  /** How many fresh entries of `author` from the network the gate would take now (IngestGate.room). */
  room (author: Uint8Array): number {
    return this.gate?.room?.(author) ?? Infinity
  }

  head (author: Uint8Array): Head | undefined {
    const h = this.headMap.get(hex(author))
    return h === undefined ? undefined : { author: h.author, ...h.state }
  }

  /** An entry by id (string) or hash (32 bytes), with its payload when held and its fate when sealed. */
  async get (idOrHash: string | Uint8Array): Promise<StoredEntry | undefined> {
    const hash = typeof idOrHash === 'string' ? parseEntryId(idOrHash) : idOrHash
    if (hash === undefined || hash.byteLength !== 32) return undefined
    const entry = await this.storedEntry(hash)
    return entry === undefined ? undefined : (await this.attach([entry]))[0]
  }

  /** The payload bytes of an entry, when held. */
  async getPayload (hash: Uint8Array): Promise<Uint8Array | undefined> {
    return await this.db.get(payloadKey(hash))
  }

  async hasPayload (hash: Uint8Array): Promise<boolean> {
    return await this.db.has(payloadKey(hash))
  }

  /**
   * Held headers whose payload is absent and not gone for good (deleted,
   * edited, invalid): what to fetch again. Oldest timestamp first, bounded
   * (default 100, at most 1000); pass the last one's `after` cursor to go on.
   */
  async missingPayloads (opts: { limit?: number, after?: MissingPayload } = {}): Promise<MissingPayload[]> {
    const gate = this.gate
    if (gate === undefined) return await listMissing(this.db, opts)
    // Payloads the gate refuses (a blocked author's) are not worth fetching: skip them, page on.
    const limit = Math.max(1, Math.min(opts.limit ?? 100, 1000))
    const out: MissingPayload[] = []
    let after = opts.after
    for (let pages = 0; out.length < limit && pages < 64; pages++) {
      const page = await listMissing(this.db, after !== undefined ? { limit, after } : { limit })
      for (const m of page) if (out.length < limit && gate.takesPayload(m.author)) out.push(m)
      if (page.length < limit) break
      after = page.at(-1)
    }
    return out
  }

  /** The edits of an entry by its author, oldest first (the last one is the one shown). */
  async editsOf (hash: Uint8Array): Promise<StoredEntry[]> {
    const target = await this.storedEntry(hash)
    if (target === undefined) return []
    const edits: Entry[] = []
    for await (
      const v of this.db.values({
        gte: editPrefix(hash, target.author),
        lt: prefixEnd(editPrefix(hash, target.author))
      })
    ) {
      const e = await this.storedEntry(v)
      if (e !== undefined && e.seq > target.seq) edits.push(e)
    }
    return await this.attach(edits)
  }

  /** The newest edit of an entry by its author, if any. */
  async latestEdit (hash: Uint8Array): Promise<StoredEntry | undefined> {
    return (await this.editsOf(hash)).at(-1)
  }

  /** The raw bytes of an author's entries with seq in [from, to], ascending, bounded by count and bytes. */
  async rangeBytes (
    author: Uint8Array,
    from: number,
    to = Number.MAX_SAFE_INTEGER,
    limits: { maxEntries?: number, maxBytes?: number } = {}
  ): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    const maxEntries = limits.maxEntries ?? 1000
    const maxBytes = limits.maxBytes ?? 4 * 1024 * 1024
    let bytes = 0
    for await (
      const v of this.db.values({ gte: logKey(author, Math.max(1, from)), lte: logKey(author, to), limit: maxEntries })
    ) {
      if (out.length > 0 && bytes + v.byteLength > maxBytes) break
      out.push(v)
      bytes += v.byteLength
    }
    return out
  }

  /**
   * What sync serves: an author's entries with seq in [from, to], ascending, each with its payload when
   * held; bounded by count and by the bytes of entries and payloads together.
   */
  async rangeItems (
    author: Uint8Array,
    from: number,
    to = Number.MAX_SAFE_INTEGER,
    limits: { maxEntries?: number, maxBytes?: number } = {}
  ): Promise<EntryItem[]> {
    const maxBytes = limits.maxBytes ?? 4 * 1024 * 1024
    const entries = await this.rangeBytes(author, from, to, { ...limits, maxBytes })
    const payloads = await this.db.getMany(entries.map((b) => payloadKey(sha256(b))))
    const out: EntryItem[] = []
    let bytes = 0
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Uint8Array
      const payload = payloads[i]
      const size = entry.byteLength + (payload?.byteLength ?? 0)
      if (out.length > 0 && bytes + size > maxBytes) break
      out.push(payload !== undefined ? { entry, payload } : { entry })
      bytes += size
    }
    return out
  }

  async range (
    author: Uint8Array,
    from: number,
    to?: number,
    limits?: { maxEntries?: number, maxBytes?: number }
  ): Promise<StoredEntry[]> {
    return await this.attach((await this.rangeBytes(author, from, to, limits)).map((b) => this.decodeStored(b)))
  }

  /** Newest first by the author's timestamp, ties broken by entry hash. */
  async timeline (opts: { limit?: number, before?: string } = {}): Promise<TimelinePage> {
    const limit = Math.max(1, Math.min(opts.limit ?? 50, 500))
    let lt = Uint8Array.of(P_TIME + 1)
    if (opts.before !== undefined) {
      const c = Buffer.from(opts.before, 'base64url')
      if (c.byteLength !== 40) throw new StoreError('bad_input', 'the paging cursor is not one this store issued')
      lt = new Uint8Array(41)
      lt[0] = P_TIME
      lt.set(c, 1)
    }
    const keys: Uint8Array[] = []
    const where: Uint8Array[] = []
    for await (const [k, v] of this.db.iterator({ gte: Uint8Array.of(P_TIME), lt, reverse: true, limit: limit + 1 })) {
      keys.push(k)
      where.push(v)
    }
    const more = keys.length > limit
    const page = where.slice(0, limit)
    const bytes = await this.db.getMany(page.map((w) => logKey(w.subarray(0, 32), readU64(w, 32))))
    const entries = await this.attach(
      bytes.filter((b): b is Uint8Array => b !== undefined).map((b) => this.decodeStored(b))
    )
    const last = keys[limit - 1]
    return more && last !== undefined
      ? { entries, next: Buffer.from(last.subarray(1)).toString('base64url') }
      : { entries }
  }

  /** Every stored fork proof, or only `author`'s. */
  async forkProofs (author?: Uint8Array): Promise<Array<{ author: Uint8Array, seq: number, proof: Uint8Array }>> {
    const out = []
    const range = author === undefined
      ? { gte: Uint8Array.of(P_FORK), lt: Uint8Array.of(P_FORK + 1) }
      : { gte: forkKey(author, 0), lte: forkKey(author, Number.MAX_SAFE_INTEGER) }
    for await (const [k, v] of this.db.iterator(range)) {
      out.push({ author: k.slice(1, 33), seq: readU64(k, 33), proof: v })
    }
    return out
  }

  stats (): StoreStats {
    let entries = 0
    for (const { state } of this.headMap.values()) entries += state.seq
    return {
      authors: this.headMap.size,
      entries,
      forks: this.counters.forks,
      stored: this.counters.stored,
      duplicates: this.counters.duplicates,
      deferred: this.counters.deferred,
      rejected: { ...this.counters.rejected }
    }
  }

  private async attach (entries: Entry[]): Promise<StoredEntry[]> {
    return await attach(entries, async (keys) => await this.db.getMany(keys))
  }

  /**
   * Drops every held payload of `author` (a block: author-payloads.ts) and
   * compacts them off the disk as a delete does; unlike a delete it seals
   * nothing, so they are listed as missing again and fetched once the gate
   * takes them (an unblock). Resolves with how many were dropped.
   */
  async dropPayloadsOf (author: Uint8Array): Promise<number> {
    // A barrier first: writes queued before the caller's gate changed (their payloads taken) are on disk by then.
    await this.dropPayload(new Uint8Array(32))
    const hashes = await heldPayloadsOf(this.db, author)
    const dropped = await Promise.all(
      hashes.map(async (hash) =>
        await new Promise<boolean>((resolve, reject) =>
          this.enqueue({ kind: 'drop', hash, compact: true, resolve, reject })
        )
      )
    )
    return dropped.filter(Boolean).length
  }

  private decodeStored (bytes: Uint8Array): Entry {
    // Stored bytes were validated on the way in; the clock rule must not hide old entries.
    const r = readEntry(bytes, { now: Number.MAX_SAFE_INTEGER })
    if (!r.ok) throw new StoreError('corrupt', `a stored entry no longer decodes (${r.code})`)
    return r.value
  }

  // ---- space eviction (eviction.ts; packages/quota decides what and when) ----

  /** Bytes held per author (hex of the key): one scan of the log, the id index and the payloads. */
  async authorBytes (): Promise<Map<string, AuthorBytes>> {
    return await scanAuthorBytes(this.db)
  }

  /** Held payloads, oldest timestamp first, skipping authors `skip` names (see heldPayloads). */
  async heldPayloads (
    opts: { after?: { timestamp: number, hash: Uint8Array }, limit: number, skip?: (author: Uint8Array) => boolean }
  ): Promise<{ payloads: HeldPayload[], next?: { timestamp: number, hash: Uint8Array } }> {
    return await heldPayloads(this.db, opts)
  }

  /**
   * Drops held payloads for space, in one atomic batch; the headers stay.
   * Not listed as missing (fetching them again would undo the eviction);
   * a payload that comes again with its header is taken.
   */
  async evictPayloads (hashes: Uint8Array[]): Promise<EvictedPayload[]> {
    return await new Promise((resolve, reject) => this.enqueue({ kind: 'evict', hashes, resolve, reject }))
  }

  /** Forgets every entry of `author` (log, indexes, payloads, head) in one atomic batch, as if never held. */
  async forgetAuthor (author: Uint8Array): Promise<ForgetResult> {
    return await new Promise((resolve, reject) => this.enqueue({ kind: 'forget', author, resolve, reject }))
  }

  /**
   * Compacts what an eviction deleted so LevelDB frees the files now rather
   * than at its own next compaction: the payloads, or after forgetting
   * authors every per-entry range.
   */
  async compactEvicted (what: 'payloads' | 'authors'): Promise<void> {
    const classic = this.db as unknown as { compactRange?: (start: Uint8Array, end: Uint8Array) => Promise<void> }
    const prefixes = what === 'payloads' ? [P_PAYLOAD] : [P_LOG, P_ID, P_TIME, P_PAYLOAD, P_NEED, P_FATE, P_HEAD]
    for (const p of prefixes) {
      if (this.closed) return
      await classic.compactRange?.(...prefixRange(p))
    }
  }

  private async applyEvict (hashes: Uint8Array[], g: Group): Promise<EvictedPayload[]> {
    const keys = hashes.map((h) => payloadKey(h))
    const [payloads, ids] = await Promise.all([this.db.getMany(keys), this.db.getMany(hashes.map((h) => idKey(h)))])
    const out: EvictedPayload[] = []
    hashes.forEach((hash, i) => {
      const p = payloads[i]
      const id = ids[i]
      if (p === undefined || id === undefined) return
      g.dels.push(keys[i] as Uint8Array)
      out.push({ hash, author: id.slice(0, 32), bytes: p.byteLength })
    })
    return out
  }

  private async applyForget (author: Uint8Array, g: Group): Promise<ForgetResult> {
    const k = hex(author)
    const h = this.headMap.get(k)
    if (h === undefined) return { entries: 0, headerBytes: 0, payloadBytes: 0 }
    const f = await forgetKeys(this.db, author)
    for (const key of f.dels) g.dels.push(key)
    if (h.state.forkedAt !== undefined) {
      g.heads.set(k, { author: h.author, state: { seq: 0, hash: new Uint8Array(0), forkedAt: h.state.forkedAt } })
    } else g.forgotten.add(k)
    return f.result
  }
}
