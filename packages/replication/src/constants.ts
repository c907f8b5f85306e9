import { MAX_ENTRY_BYTES } from '@kiez/feed'

export const SYNC_PROTOCOL = '/kiez/sync/1.0.0'

/** The gossipsub topic of one mesh: boxes of different meshes never exchange pushes. */
export function feedTopic (mesh: string): string {
  return `/kiez/${mesh}/feed/1`
}

/** Largest sync frame (the CBOR message, without its varint prefix); checked before any allocation. */
export const MAX_FRAME_BYTES = 1024 * 1024
/** Payload budget of one ENTRIES response: the frame cap minus room for the CBOR framing of ≤ 500 items. */
export const MAX_RESPONSE_BYTES = MAX_FRAME_BYTES - 16 * 1024
export const MAX_ENTRIES_PER_RESPONSE = 500
/** A head tuple is ≤ 90 bytes of CBOR, so 4096 of them fit a frame with room to spare. */
export const MAX_HEADS_PER_MESSAGE = 4096
/** Authors we accept in one peer's heads vector (all messages of one exchange). */
export const MAX_HEADS_TOTAL = 65536
/** A fork proof is a CBOR array of two entries. */
export const MAX_FORK_PROOF_BYTES = 2 * MAX_ENTRY_BYTES + 16
/** Largest gossip payload: kind byte + the larger of entry / fork proof. */
export const MAX_GOSSIP_BYTES = 1 + MAX_FORK_PROOF_BYTES
