/**
 * @packageDocumentation
 *
 * Feed replication as a libp2p service, `replication(init)`: gossipsub push of
 * new entries and fork proofs, and the `/kiez/sync/2.1.0` / `2.0.0` pull protocol (heads
 * exchange, ranged gets), over one validate → store → announce path
 * (docs/SYNC.md). Per-peer budgets bound what a neighbour can make us do.
 *
 * Owns the wire messages and the sync scheduling. Imports `@kiez/feed`,
 * `@kiez/store` and `@kiez/rate`, and libp2p through its interfaces only; must
 * not import `@kiez/mesh` (which assembles the node), the gateway or an HTTP server.
 */
export * from './constants.js'
export type { ReplicationCounters } from './counters.js'
export * from './errors.js'
export {
  feedGossipsubOptions,
  feedMsgId,
  feedTopicScoreParams,
  encodeGossip,
  decodeGossip,
  GossipKind,
  type GossipItem
} from './gossip.js'
export {
  HeadIdCache,
  HeadSet,
  headItemId,
  reconcileHeadsInitiator,
  reconcileHeadsResponder,
  type ReconciledHeads
} from './heads-reconcile.js'
export { encodeMessage, decodeMessage, MessageType, type SyncMessage, type WireHead } from './messages.js'
export { planPulls, diffHeads, type Want, type AuthorSync } from './plan.js'
export { RejectionLog, type RejectionRecord, type RejectionLogInit } from './rejections.js'
export {
  replication,
  ReplicationService,
  type Replication,
  type ReplicationInit,
  type ReplicationComponents,
  type ReplicationInfo,
  type PeerSyncInfo,
  type SyncResult,
  type FeedPubSub,
  type HeadsListener
} from './replication.js'
