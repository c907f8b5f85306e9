/**
 * @packageDocumentation
 *
 * The blob store: image bytes named by their sha2-256 (PROTOCOL.md §2
 * "Images"), one file each under <data dir>/blobs, written atomically and
 * checked against their hash on write. Its own share of the storage budget;
 * over it, the least recently viewed blobs go first, own members' blobs and
 * blobs younger than 7 days last. Knows nothing of libp2p or HTTP.
 */
export * from './sniff.js'
export * from './store.js'
