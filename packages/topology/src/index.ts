/**
 * @packageDocumentation
 *
 * The topology exchange as a libp2p service, `topology(init)`: answers
 * `/kiez/topology/1.0.0` with this box's neighbour list (relayed a few hops
 * on request), and `crawl` merges the answers into a map of the mesh
 * (docs/TOPOLOGY.md).
 *
 * Imports `@kiez/rate` and libp2p through its interfaces only. Must not import
 * `@kiez/mesh`, the feed, store or replication packages, or an HTTP server:
 * the mesh hands it the neighbour list as a function.
 */
export {
  TOPOLOGY_PROTOCOL,
  MAX_DEPTH,
  MAX_FRAME_BYTES,
  MAX_REPORTS,
  MAX_NEIGHBOURS,
  SOURCES,
  type NeighbourSource
} from './constants.js'
export { TopologyError, type TopologyErrorCode } from './errors.js'
export { crawl, merge, type TopologyMap, type MapBox, type MapLink, type CrawlOptions } from './map.js'
export { PeerRateLimit } from './rate.js'
export {
  TopologyService,
  topology,
  type Topology,
  type TopologyInit,
  type TopologyComponents,
  type QueryResult
} from './service.js'
export {
  encodeRequest,
  decodeRequest,
  encodeAnswer,
  decodeAnswer,
  type TopologyRequest,
  type TopologyAnswer,
  type Report,
  type Neighbour
} from './wire.js'
