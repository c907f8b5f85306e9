/**
 * @packageDocumentation
 *
 * The Kiez libp2p node, `createKiezNode(init)`: TCP + Noise + Yamux (+ a
 * private-network key), dial-on-discovery, Kad-DHT, bootstrap, redial with
 * backoff, connection and stream limits (LIMITS), the identity key, and the
 * replication and topology services wired in.
 *
 * Owns the node assembly and the discovery policy. Must not import HTTP
 * (`@kiez/gateway`, fastify) or `@kiez/daemon`: the daemon composes the two.
 */
export { writeFileAtomic } from '@kiez/store'
export type { TopologyMap, MapBox, MapLink, CrawlOptions } from '@kiez/topology'
export { backoffDelay } from './backoff.js'
export type { PeerView, DhtTableEntry } from './diagnostics.js'
export { MeshError, type MeshErrorCode } from './errors.js'
export { ForeignPeers } from './foreign.js'
export { loadOrCreateIdentity, feedSignerFromKey, IDENTITY_FILE, type Identity } from './identity.js'
export { LIMITS } from './limits.js'
export {
  createKiezNode,
  AGENT_VERSION,
  DEFAULT_MESH,
  DEFAULT_LISTEN,
  type KiezNode,
  type KiezNodeInit,
  type KiezNodeInfo,
  type KiezServices,
  type GossipMetricsRegister,
  type Logger
} from './node.js'
export { generatePsk, checkPsk } from './psk.js'
export type { DhtFindResult, DhtHop, PingOptions } from './routing.js'
export { PEER_SOURCES, SOURCE_PRECEDENCE, betterSource, type PeerSource } from './sources.js'
