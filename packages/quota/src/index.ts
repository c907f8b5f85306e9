/**
 * @packageDocumentation
 *
 * Storage that never fills up (docs/LIMITS.md "Storage"): the total storage
 * budget with its eviction order, the per-author share and the per-author
 * ingest budget, as one ingest gate (`Quota`) over a FeedStore.
 *
 * Imports `@kiez/store`, `@kiez/feed` and `@kiez/rate` only; no libp2p, no HTTP.
 */
export { defaultMaxBytes, freeSpaceDefault, MAX_DEFAULT_MAX_BYTES, MIN_DEFAULT_MAX_BYTES } from './default-max.js'
export { DEFAULT_INGEST_BURST, DEFAULT_INGEST_PER_HOUR, ingestBudget, type IngestBudgetInit } from './ingest-budget.js'
export { Quota, type QuotaInit, type QuotaStatus } from './quota.js'
export { AuthorShare, DEFAULT_AUTHOR_SHARE } from './share.js'
export {
  directoryBytes,
  levelOptionsFor,
  marksFor,
  StorageBudget,
  type StorageBudgetInit,
  type StorageCounters
} from './storage-budget.js'
