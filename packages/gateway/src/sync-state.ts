import type { PeerSyncView } from './types.js'

/**
 * Whether a neighbour is known to be out of sync with us. Its heads are from
 * the last exchange (every 30 s): entries we stored since reach it by gossip
 * in the meantime, so a `theyLack` from heads older than our newest entry is
 * no evidence of a gap — only `weLack` is (we pull at once when we learn of
 * one, so it persists only when the pull fails or we refuse the entries), or a
 * `theyLack` it told us after our newest entry arrived.
 */
export function knownGap (s: PeerSyncView, newestStoredAt: number, now: number): boolean {
  if (s.weLack > 0) return true
  if (s.theyLack === 0) return false
  return s.headsAgeMs !== undefined && now - s.headsAgeMs >= newestStoredAt
}
