import { Search, SearchError } from '@kiez/search'
import type { FeedStore, StoredEntry } from '@kiez/store'
import type { Logger } from 'pino'
import { ApiError } from './errors.js'

/** What `kiez search` and `GET /api/v1/search` ask. */
export interface SearchRequest {
  q: string
  kind?: string
  limit?: number
}

/**
 * The box's search (@kiez/search) on `<data dir>/search`, following `store`.
 * Opened after the store and closed before it; a missing or stale index is
 * caught up in the background (logged), so the start does not wait for it.
 */
export async function openSearch (
  store: FeedStore,
  path: string,
  logger: Logger,
  nameOf: (author: Uint8Array) => string | undefined
): Promise<Search<StoredEntry>> {
  return await Search.open({
    path,
    source: store,
    nameOf: async (a) => nameOf(a),
    logger: logger.child({ component: 'search' })
  })
}

/**
 * Entries the search index keeps for a storage budget of `maxBytes`: a 1/32 share at ~1 KiB an entry on disk
 * (~25 postings of 48-byte keys, compressed), newest kept. The index lives beside the feed, outside the
 * feed's budget; 1/32 fits in the room the budget keeps free for LevelDB's compactions (storage-budget.ts
 * marksFor: at least 10 %), so the data dir stays under the budget. A 64 MiB box searches its newest 2 048
 * entries, a 4 GiB box its newest 131 072.
 */
export function searchMaxDocs (maxBytes: number): number {
  return Math.max(1024, Math.floor(maxBytes / 32 / 1024))
}

/** The entries matching `req` that `shown` lets through, newest first; a bad query is a 400 `bad_query`. */
export async function searchEntries (
  search: Search<StoredEntry> | undefined,
  req: SearchRequest,
  shown: (e: StoredEntry) => boolean
): Promise<StoredEntry[]> {
  if (search === undefined) throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
  try {
    return await search.query({
      text: req.q,
      ...(req.kind !== undefined ? { kind: req.kind } : {}),
      ...(req.limit !== undefined ? { limit: req.limit } : {})
    }, shown)
  } catch (err) {
    if (err instanceof SearchError && err.code === 'bad_query') throw new ApiError(400, 'bad_query', err.message)
    throw err
  }
}
