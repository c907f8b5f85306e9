/**
 * @packageDocumentation
 *
 * The feed store on LevelDB (FeedStore): entries by id and by author and seq,
 * per-author heads, the timeline, fork proofs; validation through `@kiez/feed`
 * on every write, group commit, crash recovery of heads at open, and the
 * self-fork guard of a box's own feed; and the atomic write of the small files
 * a box keeps beside its database (writeFileAtomic).
 *
 * Owns the database layout (docs/PROTOCOL.md §7). Imports `@kiez/feed` only
 * among Kiez packages; must not import libp2p or an HTTP server.
 */
export * from './errors.js'
export * from './files.js'
export * from './gate.js'
export * from './own-feed.js'
export type { RecoveryReport, RecoveryAction } from './recovery.js'
export * from './store.js'
