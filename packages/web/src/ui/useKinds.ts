import type { Api } from '../api.js'
import type { Entry } from '../types.js'

/** The kinds the side lists and the banner need even when they are older than the feed's first page. */
export const LISTED_KINDS = ['alert', 'event', 'offer', 'request', 'poll'] as const

/**
 * Loads the newest entries of some kinds (`GET /feed?kind=`) into the page's
 * entries; a kind that fails is left to the live stream and the next load.
 */
export function loadKinds (api: Api, add: (list: Entry[]) => void, kinds: readonly string[] = LISTED_KINDS): void {
  for (const kind of kinds) {
    api.feedOfKind(kind, 50).then(add, () => {})
  }
}
