import type { Entry } from '@kiez/feed'

/**
 * What the payload side (payloads.ts, tombstones.ts) may do inside one group
 * commit: read through the writes staged so far (this group's and the groups
 * still being written), stage puts and deletes, and name payload keys to
 * compact once the group is on disk. Nothing is written until the group
 * commits, in the same atomic batch as the headers and heads.
 */
export interface PayloadTx {
  get: (key: Uint8Array) => Promise<Uint8Array | undefined>
  /** every key starting with `prefix`, ascending, with its value */
  scan: (prefix: Uint8Array) => Promise<Array<{ key: Uint8Array, value: Uint8Array }>>
  put: (key: Uint8Array, value: Uint8Array) => void
  del: (key: Uint8Array) => void
  /** the held header with this hash (stored, or staged in this or a pending group) */
  entry: (hash: Uint8Array) => Promise<Entry | undefined>
  /** after the commit, compact this dropped payload key so its old value leaves the disk */
  compact: (key: Uint8Array) => void
  /** targets named by a delete or edit whose header is not held: settled when it arrives */
  awaiting: Set<string>
}
