/**
 * @packageDocumentation
 *
 * Rate limits: TokenBucket (a sustained rate and a burst) and BucketTable
 * (one bucket per key, peer or IP address, in a table of bounded size), which
 * discovery, replication, topology and the gateway all pace with.
 *
 * Must not import anything: no other `@kiez/*` package, no libp2p, no I/O.
 * The clock is injected, so it stays pure and fast to test.
 */
export { BucketTable, type BucketTableInit } from './bucket-table.js'
export { TokenBucket, type TokenBucketInit } from './token-bucket.js'
