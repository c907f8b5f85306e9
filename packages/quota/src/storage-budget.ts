import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { INDEX_BYTES, type FeedStore, type GateVerdict, type IngestGate } from '@kiez/store'
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

const MiB = 1024 * 1024

/**
 * Where the checks act, as fractions of the budget. LevelDB needs room on
 * disk beyond what it holds: the write-ahead log, level-0 tables not yet
 * merged, and a compaction's new tables, which are written before the old
 * ones are deleted (with `levelOptionsFor`'s table sizes, up to ~25 MiB
 * measured under a flood). So new far entries wait above `deferAbove` = the
 * budget less max(10 %, that room, at most 40 %); eviction starts 5 % below
 * that and frees 10 % more. A 64 MiB box: 60 / 55 / 45 %; 1 GiB: 90 / 85 / 75 %.
 */
export function marksFor (maxBytes: number): { deferAbove: number, highWater: number, lowWater: number } {
  const room = Math.max(0.1, Math.min(0.4, 26 * MiB / maxBytes))
  const deferAbove = 1 - room
  return { deferAbove, highWater: deferAbove - 0.05, lowWater: deferAbove - 0.15 }
}

/**
 * LevelDB's table and write-buffer sizes for a budget: a compaction writes
 * about ten tables before it deletes its inputs, so a small budget gets
 * small tables (512 KiB, a 1 MiB buffer: the transient measured under the
 * flood test fell from ~34 to ~22 MiB); from 256 MiB on, LevelDB's own.
 */
export function levelOptionsFor (maxBytes: number): { maxFileSize?: number, writeBufferSize?: number } {
  return maxBytes < 256 * MiB ? { maxFileSize: 512 * 1024, writeBufferSize: MiB } : {}
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

/**
 * The total storage budget over the store's files on disk. A check measures
 * the directory; above the high-water mark it evicts down to the low-water
 * mark: (a) payloads of non-exempt authors, those over their share first,
 * then everyone's, oldest timestamp first, compacting after each round so the
 * files actually shrink; (b) then whole far authors, least recently active
 * first. If exempt data alone is over the budget (c), every non-exempt entry
 * is deferred until space frees. The bound is on disk, so the marks leave
 * room for LevelDB's write-ahead log, its level-0 tables and compaction
 * (marksFor).
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
  /** bytes of far entries admitted since the last measurement */
  private admitted = 0
  private lastFullCompaction = 0

  constructor (private readonly init: StorageBudgetInit) {
    this.maxBytes = init.maxBytes
    const marks = marksFor(init.maxBytes)
    this.high = init.maxBytes * (init.highWater ?? marks.highWater)
    this.low = init.maxBytes * (init.lowWater ?? marks.lowWater)
    this.deferAbove = init.maxBytes * (init.deferAbove ?? marks.deferAbove)
    this.counters = { payloadsEvicted: 0, headersTruncated: 0, ...init.counters }
    this.gate = {
      admit: (entry): GateVerdict => {
        if (init.exempt(entry.author)) return 'store'
        // what went in since the last measurement counts too, so a flood cannot outrun the checks
        if (this.defers || this.usedBytes + this.admitted > this.deferAbove) return 'defer'
        this.admitted += entry.bytes.byteLength + INDEX_BYTES + entry.payloadSize
        return 'store'
      },
      takesPayload: (author) => !this.defers || init.exempt(author),
      // room is in bytes; entries count here only as none or any
      room: (author) => init.exempt(author) || !(this.defers || this.nearlyFull) ? Infinity : 0
    }
  }

  /** far entries are held back until the next measurement (what went in since the last one fills the room) */
  get nearlyFull (): boolean {
    return this.usedBytes + this.admitted > this.deferAbove
  }

  async measure (): Promise<number> {
    this.admitted = 0
    this.usedBytes = await directoryBytes(this.init.path)
    return this.usedBytes
  }

  /**
   * Measures, evicts if over the high-water mark, and sets whether
   * non-exempt entries are deferred. One eviction step per check: payloads
   * (then authors) worth the excess, one compaction, one measurement; a
   * store still over is taken on by the next check (250 ms after the next
   * write, or the timer). Deletes show on disk only once compacted, so it
   * evicts by the bytes the entries hold, not by repeated measuring.
   */
  async check (): Promise<void> {
    let used = await this.measure()
    this.defers = used > this.deferAbove
    if (used <= this.high) return
    // while it evicts, far entries wait (they are pulled again later): else a flood outruns the eviction
    this.defers = true
    const need = used - this.low
    let freed = await this.evictPayloads(need)
    let emptied = false
    let forgot = 0
    if (freed < need) {
      forgot = await this.forgetAuthors(need - freed)
      emptied = forgot < need - freed
      freed += forgot
    }
    if (freed > 0) {
      await this.init.store.compactEvicted(forgot > 0 ? 'authors' : 'payloads')
      used = await this.measure()
    } else if (emptied && Date.now() - this.lastFullCompaction > 60_000) {
      // nothing left to evict, yet over: what was deleted may still wait for LevelDB to compact it,
      // which without writes it never does (at most once a minute: a store the exempt fill stays full)
      this.lastFullCompaction = Date.now()
      await this.init.store.compactEvicted('authors')
      used = await this.measure()
    }
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

  /** Forgets far authors, least recently active first, about `need` bytes of them; answers the bytes forgotten. */
  private async forgetAuthors (need: number): Promise<number> {
    const { store, exempt, share } = this.init
    const far = []
    for (const h of store.heads()) {
      if (h.seq === 0 || exempt(h.author)) continue
      const head = await store.get(h.hash)
      far.push({ author: h.author, last: head?.timestamp ?? 0 })
    }
    far.sort((a, b) => a.last - b.last)
    let freed = 0
    for (let i = 0; i < far.length && freed < need; i++) {
      const { author } = far[i] as { author: Uint8Array }
      const r = await store.forgetAuthor(author)
      share.forget(author)
      this.counters.headersTruncated += r.entries
      freed += r.headerBytes + r.payloadBytes
    }
    if (freed > 0) await this.init.onCounters?.(this.counters)
    return freed
  }
}
