/**
 * @packageDocumentation
 *
 * /kiez/blob/1.0.0 (docs/PROTOCOL.md §9): a box asks a neighbour for one
 * image blob by its sha2-256 (want), the neighbour answers with its size
 * (have) and its bytes in chunks of at most 64 KiB, or an error frame. The
 * asker checks the whole blob against its hash before handing it on.
 * wire.ts knows no libp2p; service.ts runs it on a BlobHost.
 */
export * from './service.js'
export * from './vectors.js'
export * from './wire.js'
