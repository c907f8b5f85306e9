import type { Entry } from '@kiez/feed'
import { BucketTable } from '@kiez/rate'
import type { GateVerdict, IngestGate } from '@kiez/store'

export interface IngestBudgetInit {
  /**
   * Fresh entries an author may add to this store per hour, sustained; 0 = no budget.
   *
   * @default 120
   */
  perHour?: number
  /**
   * Entries at once (the bucket's capacity, and what an author not seen yet starts with).
   *
   * @default 30
   */
  burst?: number
  /**
   * Authors tracked; the least recently seen is forgotten first (it merely gets a full bucket again).
   *
   * @default 65 536
   */
  maxAuthors?: number
  /**
   * Authors never held back: the box's own key and its neighbours'.
   *
   * @default none exempt
   */
  exempt?: (author: Uint8Array) => boolean
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
}

export const DEFAULT_INGEST_PER_HOUR = 120
export const DEFAULT_INGEST_BURST = 30

/**
 * The per-author ingest budget: a token bucket per author, one token per
 * fresh entry. An author whose bucket is empty is deferred (not stored, not
 * forwarded, pulled again later), so one key posting 100 000 entries reaches
 * its first box and stops there, at `burst` and then `perHour`.
 * Undefined when `perHour` is 0 (no budget).
 */
export function ingestBudget (init: IngestBudgetInit = {}): IngestGate | undefined {
  const perHour = init.perHour ?? DEFAULT_INGEST_PER_HOUR
  if (perHour <= 0) return undefined
  const exempt = init.exempt ?? (() => false)
  const table = new BucketTable({
    ratePerSecond: perHour / 3600,
    capacity: Math.max(1, init.burst ?? DEFAULT_INGEST_BURST),
    maxKeys: init.maxAuthors ?? 65_536,
    ...(init.now !== undefined ? { now: init.now } : {})
  })
  return {
    admit: (entry: Entry): GateVerdict => {
      if (exempt(entry.author)) return 'store'
      return table.get(Buffer.from(entry.author).toString('hex')).tryTake() ? 'store' : 'defer'
    },
    takesPayload: () => true,
    room: (author) => exempt(author) ? Infinity : table.get(Buffer.from(author).toString('hex')).available()
  }
}
