import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { FeedStore, GateVerdict, IngestGate } from '@kiez/store'
import type { AuthorShare } from './share.js'

/** Bytes of every file in a directory (LevelDB's: tables, write-ahead log, MANIFEST, LOG). */
export async function directoryBytes (dir: string): Promise<number> {
  let total = 0
  for (const name of await readdir(dir)) {
    try {
      const s = await stat(join(dir, name))
      if (s.isFile()) total += s.size
    } catch {
      // removed between readdir and stat: a table LevelDB just compacted away
    }
  }
  return total
}

export interface StorageCounters {
  payloadsEvicted: number
  headersTruncated: number
}

export interface StorageBudgetInit {
  store: FeedStore
  /** the store's LevelDB directory, whose files are measured */
  path: string
  maxBytes: number
  exempt: (author: Uint8Array) => boolean
  share: AuthorShare
  /** evict above this fraction of maxBytes … */
  highWater?: number
  /** … down to this one */
  lowWater?: number
  /** above this fraction of maxBytes on disk, entries of non-exempt authors are deferred until eviction catches up */
  deferAbove?: number
  /** counters as loaded (they live in a store meta record) */
  counters?: StorageCounters
  /** after each eviction step, to persist the counters */
  onCounters?: (c: StorageCounters) => void | Promise<void>
}

/** Timeline rows per look, and so at most the payloads per evict batch (≤ 512 × 10 KiB read at once). */
const SCAN_ROWS = 512
/** Rounds of evict-compact-measure per check before it gives up until the next one. */
const MAX_ROUNDS = 16

/**
 * The total storage budget over the store's files on disk. A check measures
 * the directory; above the high-water mark it evicts down to the low-water
 * mark: (a) payloads of non-exempt authors, those over their share first,
 * then everyone's, oldest timestamp first, compacting after each round so the
 * files actually shrink; (b) then whole far authors, least recently active
 * first. If exempt data alone is over the budget (c), every non-exempt entry
 * is deferred until space frees. The bound is on disk, so the marks leave
 * room for LevelDB's write-ahead log, its level-0 tables and compaction.
 */
export class StorageBudget {
  readonly maxBytes: number
  usedBytes = 0
  readonly counters: StorageCounters
  /** true while non-exempt entries are deferred: over `deferAbove`, or exempt data alone over the budget */
  defers = false
  readonly gate: IngestGate
  private readonly high: number
  private readonly low: number
  private readonly deferAbove: number
  private cursor: { timestamp: number, hash: Uint8Array } | undefined

  constructor (private readonly init: StorageBudgetInit) {
    this.maxBytes = init.maxBytes
    this.high = init.maxBytes * (init.highWater ?? 0.85)
    this.low = init.maxBytes * (init.lowWater ?? 0.75)
    this.deferAbove = init.maxBytes * (init.deferAbove ?? 0.92)
    this.counters = { payloadsEvicted: 0, headersTruncated: 0, ...init.counters }
    this.gate = {
      admit: (entry): GateVerdict => (this.defers && !init.exempt(entry.author) ? 'defer' : 'store'),
      takesPayload: (author) => !this.defers || init.exempt(author)
    }
  }

  async measure (): Promise<number> {
    this.usedBytes = await directoryBytes(this.init.path)
    return this.usedBytes
  }

  /** Measures, evicts if over the high-water mark, and sets whether non-exempt entries are deferred. */
  async check (): Promise<void> {
    let used = await this.measure()
    this.defers = used > this.deferAbove
    if (used <= this.high) return
    let emptied = false
    for (let round = 0; round < MAX_ROUNDS && used > this.low && !emptied; round++) {
      const freed = await this.evictPayloads(used - this.low)
      if (freed === 0) emptied = true
      else {
        await this.init.store.compactEvicted('payloads')
        used = await this.measure()
      }
    }
    if (used > this.low && emptied) used = await this.forgetAuthors(used)
    // (c): nothing evictable is left and exempt data alone is over the mark
    this.defers = used > this.deferAbove || (used > this.high && emptied)
  }

  /** Evicts payloads of about `need` bytes; answers the bytes evicted (0: none left to evict). */
  private async evictPayloads (need: number): Promise<number> {
    const { store, exempt, share } = this.init
    let freed = 0
    // the payloads of authors over their share first, then anyone's but the exempt's
    const over = new Set(share.overShare().map((a) => Buffer.from(a).toString('hex')))
    const phases: Array<(a: Uint8Array) => boolean> = over.size > 0
      ? [(a) => !over.has(Buffer.from(a).toString('hex')), exempt]
      : [exempt]
    for (const skip of phases) {
      let after = skip === exempt ? this.cursor : undefined
      let wrapped = after === undefined
      for (;;) {
        const page = await store.heldPayloads({ limit: SCAN_ROWS, skip, ...(after !== undefined ? { after } : {}) })
        const evicted = await store.evictPayloads(page.payloads.map((p) => p.hash))
        for (const e of evicted) {
          freed += e.bytes
          share.removePayload(e.author, e.bytes)
        }
        this.counters.payloadsEvicted += evicted.length
        after = page.next
        if (freed >= need) break
        if (after === undefined) {
          if (wrapped) break
          wrapped = true // went from the cursor to the end: once more from the start
        }
      }
      // the next check goes on where this one stopped: what lies before is evicted already
      this.cursor = skip === exempt ? after : this.cursor
      if (freed >= need) break
    }
    if (freed > 0) await this.init.onCounters?.(this.counters)
    return freed
  }

  /** Forgets far authors, least recently active first, until under the low-water mark; answers the bytes used. */
  private async forgetAuthors (used: number): Promise<number> {
    const { store, exempt, share } = this.init
    const far = []
    for (const h of store.heads()) {
      if (h.seq === 0 || exempt(h.author)) continue
      const head = await store.get(h.hash)
      far.push({ author: h.author, last: head?.timestamp ?? 0 })
    }
    far.sort((a, b) => a.last - b.last)
    let freed = 0
    for (let i = 0; i < far.length && used > this.low; i++) {
      const { author } = far[i] as { author: Uint8Array }
      const r = await store.forgetAuthor(author)
      share.forget(author)
      this.counters.headersTruncated += r.entries
      freed += r.headerBytes + r.payloadBytes
      await this.init.onCounters?.(this.counters)
      // measure only once enough is deleted to show: a compaction per author would be slow
      if (freed >= used - this.low || i === far.length - 1) {
        await store.compactEvicted('authors')
        used = await this.measure()
        freed = 0
      }
    }
    return used
  }
}
