/** The topology exchange protocol (docs/TOPOLOGY.md). */
export const TOPOLOGY_PROTOCOL = '/kiez/topology/1.0.0'
export const WIRE_VERSION = 1
/** deepest relay a request may ask for: 0 = just you, 2 = your neighbours' neighbours too */
export const MAX_DEPTH = 2
/** a frame (request or answer) over this is refused before it is buffered */
export const MAX_FRAME_BYTES = 64 * 1024
/** reports in one answer: the box itself plus what it relays */
export const MAX_REPORTS = 32
/** neighbours listed per report */
export const MAX_NEIGHBOURS = 32
/** a text peer id is ~52 characters; anything much longer is not one */
export const MAX_PEER_ID_CHARS = 128
/** the discovery sources a report may name (as @kiez/mesh records them) */
export const SOURCES = ['mdns', 'dht', 'bootstrap', 'inbound', 'gossip'] as const
export type NeighbourSource = typeof SOURCES[number]
