import type { Entry } from './types.js'

export interface Admitted {
  /** what to merge into the loaded entries */
  add: Entry[]
  /** posts and replies not loaded before (to announce) */
  fresh: Entry[]
  /** merging would pass the bound: start over from the newest page instead */
  overflow: boolean
}

/**
 * Which live entries join the loaded window. While the box has older pages
 * (`hasOlder`), an entry older than everything loaded is left to paging, so
 * the list stays in order and a catch-up of old entries cannot flood it.
 */
export function admit (batch: Entry[], loaded: ReadonlyMap<string, Entry>, hasOlder: boolean, max: number): Admitted {
  let oldest = Infinity
  for (const e of loaded.values()) oldest = Math.min(oldest, e.timestamp)
  const add = batch.filter((e) => !hasOlder || e.timestamp >= oldest)
  const fresh = add.filter((e) => !loaded.has(e.id) && (e.type === 'post' || e.type === 'reply'))
  const unique = new Set(fresh.map((e) => e.id)).size
  return { add, fresh, overflow: loaded.size + unique > max }
}
