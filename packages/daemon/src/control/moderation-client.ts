/**
 * The control API's moderation part (`kiez block`, `kiez moderation …`):
 * JSON shapes and the client calls (the routes and schemas are in
 * moderation-routes.ts). The daemon implements ModerationControlApi over
 * @kiez/moderation (packages/daemon/src/moderation.ts).
 */

/** An author the owner blocked. */
export interface BlockJson {
  /** the author's peer id, as the feed names it */
  author: string
  reason: string
  /** when it was blocked, ms since the epoch */
  at: number
}

export interface BlocksJson {
  blocks: BlockJson[]
}

/** `kiez block`: the block, and how many held payloads of the author were dropped. */
export interface BlockedJson extends BlockJson {
  dropped: number
}

/** A followed moderation list: its author, and how many blocks and hides of it are in force. */
export interface ModListJson {
  author: string
  followedAt: number
  blocks: number
  hides: number
}

export interface ModListsJson {
  lists: ModListJson[]
}

/** `kiez unblock` / `kiez moderation unfollow`: whether there was something to lift. */
export interface ModUndoJson {
  author: string
  changed: boolean
}

/** A moderation entry this box published (`kiez moderation block|hide`). */
export interface ModEntryJson {
  id: string
  author: string
  seq: number
  timestamp: number
  type: 'mod-block' | 'mod-hide'
  /** the blocked author's peer id (mod-block) or the hidden entry's id (mod-hide) */
  target: string
  reason: string
}

export interface ModPublishRequest {
  type: 'block' | 'hide'
  /** an author (peer id or 64 hex digits) for block, an entry id for hide */
  target: string
  reason?: string
}

export interface ModerationControlApi {
  block(req: { author: string, reason?: string }): Promise<BlockedJson>
  unblock(author: string): Promise<ModUndoJson>
  blocks(): Promise<BlocksJson>
  follow(author: string): Promise<ModListJson>
  unfollow(author: string): Promise<ModUndoJson>
  lists(): Promise<ModListsJson>
  publish(req: ModPublishRequest): Promise<ModEntryJson>
}

/** What a control client calls; `call` is ControlClient's. */
export type ControlCall = <T>(method: string, path: string, body?: unknown) => Promise<T>

/** The client side of the routes above. */
export function moderationClient (call: ControlCall): ModerationControlApi {
  const a = (author: string): string => encodeURIComponent(author)
  return {
    block: async (req) => await call('POST', '/moderation/blocks', req),
    unblock: async (author) => await call('DELETE', `/moderation/blocks/${a(author)}`),
    blocks: async () => await call('GET', '/moderation/blocks'),
    follow: async (author) => await call('POST', '/moderation/lists', { author }),
    unfollow: async (author) => await call('DELETE', `/moderation/lists/${a(author)}`),
    lists: async () => await call('GET', '/moderation/lists'),
    publish: async (req) => await call('POST', '/moderation/entries', req)
  }
}
