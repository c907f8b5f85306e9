import { composeGates, type FeedStore, type IngestGate } from '@kiez/store'
import { ingestBudget } from './ingest-budget.js'
import { AuthorShare, DEFAULT_AUTHOR_SHARE } from './share.js'
import { StorageBudget, type StorageCounters } from './storage-budget.js'

export interface QuotaInit {
  /**
   * The store's LevelDB directory (what is measured).
   *
   * @default none (required)
   */
  path: string
  /**
   * The total storage budget in bytes, on disk.
   *
   * @default none (required; see defaultMaxBytes)
   */
  maxBytes: number
  /**
   * Fresh entries per author per hour; 0 = no ingest budget.
   *
   * @default 120
   */
  ingestPerHour?: number
  /**
   * Entries an author may add at once.
   *
   * @default 30
   */
  ingestBurst?: number
  /**
   * The most of the budget one author may hold.
   *
   * @default 1/32
   */
  authorShare?: number
  /**
   * Authors the quota never holds back or evicts: the box's own key and its neighbours'.
   *
   * @default none exempt
   */
  exempt?: (author: Uint8Array) => boolean
  /**
   * The clock of the ingest budget, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
  /**
   * How long after a write the disk is measured (writes within it share one check).
   *
   * @default 250
   */
  checkDelayMs?: number
  /**
   * A check at least this often, writes or not.
   *
   * @default 30 000
   */
  intervalMs?: number
  /**
   * Marks as fractions of maxBytes (StorageBudgetInit).
   *
   * @default marksFor(maxBytes)
   */
  highWater?: number
  lowWater?: number
  deferAbove?: number
}

export interface QuotaStatus extends StorageCounters {
  usedBytes: number
  maxBytes: number
}

const COUNTERS = 'quota/counters'

/**
 * The three budgets as one ingest gate over a store: the storage budget
 * (defers everything non-exempt when full), the ingest budget (spends a
 * token), and the author's share last, since it counts what it admits
 * (composeGates asks no gate after the first defer). Pass `gate` to FeedStore.open, then `attach` the open store.
 */
export class Quota {
  readonly gate: IngestGate
  private readonly share: AuthorShare
  private readonly budget: IngestGate | undefined
  private storage: StorageBudget | undefined
  private store: FeedStore | undefined
  private readonly unsubscribe: Array<() => void> = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private interval: ReturnType<typeof setInterval> | undefined
  private running: Promise<void> | undefined
  private again = false
  private stopped = false

  constructor (private readonly init: QuotaInit) {
    const exempt = init.exempt ?? (() => false)
    this.share = new AuthorShare(() => init.maxBytes * (init.authorShare ?? DEFAULT_AUTHOR_SHARE), exempt)
    this.budget = ingestBudget({
      exempt,
      ...(init.ingestPerHour !== undefined ? { perHour: init.ingestPerHour } : {}),
      ...(init.ingestBurst !== undefined ? { burst: init.ingestBurst } : {}),
      ...(init.now !== undefined ? { now: init.now } : {})
    })
    const inner = composeGates(
      {
        admit: (e) => this.storage?.gate.admit(e) ?? 'store',
        takesPayload: (a) => this.storage?.gate.takesPayload(a) ?? true,
        room: (a) => this.storage?.gate.room?.(a) ?? Infinity
      },
      this.budget,
      this.share.gate
    ) as IngestGate
    this.gate = inner
  }

  /** Loads the counters and the bytes per author, follows the store's writes, and checks once. */
  async attach (store: FeedStore): Promise<void> {
    this.store = store
    let counters: StorageCounters | undefined
    const kept = await store.getMeta(COUNTERS)
    if (kept !== undefined) {
      try {
        counters = JSON.parse(Buffer.from(kept).toString('utf8')) as StorageCounters
      } catch {}
    }
    this.share.load(await store.authorBytes())
    this.storage = new StorageBudget({
      store,
      path: this.init.path,
      maxBytes: this.init.maxBytes,
      exempt: this.init.exempt ?? (() => false),
      share: this.share,
      ...(counters !== undefined ? { counters } : {}),
      ...(this.init.highWater !== undefined ? { highWater: this.init.highWater } : {}),
      ...(this.init.lowWater !== undefined ? { lowWater: this.init.lowWater } : {}),
      ...(this.init.deferAbove !== undefined ? { deferAbove: this.init.deferAbove } : {}),
      onCounters: async (c) => {
        if (!this.stopped) await store.putMeta(COUNTERS, Buffer.from(JSON.stringify(c)))
      }
    })
    this.unsubscribe.push(
      store.onEntry((e) => {
        this.share.addEntry(e)
        this.soon()
      }),
      store.onPayload((e) => {
        this.share.addPayload(e)
        this.soon()
      })
    )
    this.interval = setInterval(() => this.soon(), this.init.intervalMs ?? 30_000)
    this.interval.unref()
    await this.check()
  }

  private soon (delayMs = this.init.checkDelayMs ?? 250): void {
    if (this.timer !== undefined || this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.check().catch(() => {})
    }, delayMs)
    this.timer.unref()
  }

  /** One check now (serialised: a check asked for while one runs runs right after it). */
  async check (): Promise<void> {
    if (this.running !== undefined) {
      this.again = true
      return await this.running
    }
    this.running = (async () => {
      do {
        this.again = false
        if (this.stopped || this.storage === undefined) return
        await this.storage.check()
      } while (this.again)
      // far entries wait while it defers, and they write nothing that would ask for the next check
      if (this.storage?.defers === true || this.storage?.nearlyFull === true) this.soon(1000)
    })().finally(() => {
      this.running = undefined
    })
    return await this.running
  }

  status (): QuotaStatus {
    const s = this.storage
    return {
      usedBytes: s?.usedBytes ?? 0,
      maxBytes: this.init.maxBytes,
      payloadsEvicted: s?.counters.payloadsEvicted ?? 0,
      headersTruncated: s?.counters.headersTruncated ?? 0
    }
  }

  /** Whether non-exempt entries are deferred for space right now. */
  get full (): boolean {
    return this.storage?.defers ?? false
  }

  /** Stops checking; resolves once a running check is done (before the store closes). */
  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.interval !== undefined) clearInterval(this.interval)
    for (const u of this.unsubscribe) u()
    await this.running?.catch(() => {})
  }
}
