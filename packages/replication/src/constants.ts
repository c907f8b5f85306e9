import { MAX_ENTRY_BYTES, MAX_PAYLOAD_BYTES } from '@kiez/feed'

/** Version 2 carries entry format 2 (header and payload apart); a format 1 box cannot read its entries. */
export const SYNC_PROTOCOL = '/kiez/sync/2.0.0'
/**
 * The same sessions, with the heads exchange done by set reconciliation
 * (negentropy V1, docs/SYNC.md §3.7): an idle exchange costs a few hundred
 * bytes whatever the number of authors. Offered first; a 2.0.0 box answers `na`
 * and the initiator falls back to 2.0.0 and its full HEADS exchange.
 */
export const SYNC_PROTOCOL_RECONCILE = '/kiez/sync/2.1.0'
/** The negentropy frame size limit (the message inside one RECONCILE): 256 KiB, 8 000 ids a round. */
export const RECONCILE_FRAME_LIMIT = 256 * 1024
/**
 * Ranges under 8 heads go as id lists (negentropy's reference: under 32). A sender's
 * choice: at 100 000 authors it cuts 1 000 differences from 1.37 MB to ~1.0 MB for
 * two more rounds (docs/SYNC.md §3.7).
 */
export const RECONCILE_ID_LIST_BELOW = 8
/** Reconciliation rounds (initiator messages) in one exchange: 100 000 authors against none take ~14. */
export const MAX_RECONCILE_ROUNDS = 64

/** The gossipsub topic of one mesh: boxes of different meshes (or entry formats) never exchange pushes. */
export function feedTopic (mesh: string): string {
  return `/kiez/${mesh}/feed/2`
}

/** Largest sync frame (the CBOR message, without its varint prefix); checked before any allocation. */
export const MAX_FRAME_BYTES = 1024 * 1024
/**
 * Budget of one ENTRIES or PAYLOADS response, entry and payload bytes together: the frame cap minus room
 * for the CBOR framing (≤ 7 bytes per item of ≤ 500, ≤ 39 per pair of ≤ 64).
 */
export const MAX_RESPONSE_BYTES = MAX_FRAME_BYTES - 16 * 1024
export const MAX_ENTRIES_PER_RESPONSE = 500
/** Entry hashes in one GET_PAYLOADS. */
export const MAX_PAYLOAD_HASHES = 64
/** A head tuple is ≤ 90 bytes of CBOR, so 4096 of them fit a frame with room to spare. */
export const MAX_HEADS_PER_MESSAGE = 4096
/** Authors we accept in one peer's heads vector (all messages of one exchange). */
export const MAX_HEADS_TOTAL = 65536
/** A fork proof is a CBOR array of two entries. */
export const MAX_FORK_PROOF_BYTES = 2 * MAX_ENTRY_BYTES + 16
/** A gossiped entry: CBOR array head (1) + entry byte string (3 + 256) + payload byte string (3 + 10240). */
export const MAX_GOSSIP_ENTRY_BYTES = 1 + 3 + MAX_ENTRY_BYTES + 3 + MAX_PAYLOAD_BYTES
/** Largest gossip message: kind byte + the larger of entry / fork proof (10 505 bytes). */
export const MAX_GOSSIP_BYTES = 1 + Math.max(MAX_GOSSIP_ENTRY_BYTES, MAX_FORK_PROOF_BYTES)
