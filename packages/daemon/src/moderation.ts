import { entryId, MAX_REASON_BYTES, parseEntryId, type KnownBody } from '@kiez/feed'
import { authorId, Moderation, ModerationError, parseAuthorId } from '@kiez/moderation'
import type { GatewayModeration } from '@kiez/gateway'
import type { StoredEntry } from '@kiez/store'
import type {
  BlockedJson,
  BlocksJson,
  ModEntryJson,
  ModerationControlApi,
  ModListJson,
  ModListsJson,
  ModPublishRequest,
  ModUndoJson
} from './control/moderation-client.js'
import { ApiError } from './errors.js'

/** Kept here for the daemon's wiring; the one copy lives beside composeGates. */
export { lateGate } from '@kiez/store'

/** An author as the user typed it, or a 400 that says what an author id looks like. */
export function authorArg (text: string): Uint8Array {
  const key = parseAuthorId(text)
  if (key === undefined) {
    throw new ApiError(
      400,
      'bad_author',
      `"${text}" is not an author id: give a peer id (12D3KooW…, as the feed's "author") or 64 hex digits ("authorKey")`
    )
  }
  return key
}

/** An entry id as the user typed it (bafyrei…), or a 400. */
export function entryArg (text: string): Uint8Array {
  const hash = parseEntryId(text)
  if (hash === undefined) throw new ApiError(400, 'bad_entry_id', `"${text}" is not an entry id (bafyrei…)`)
  return hash
}

export function reasonArg (reason: string | undefined): string {
  const r = reason ?? ''
  if (Buffer.byteLength(r, 'utf8') > MAX_REASON_BYTES) {
    throw new ApiError(400, 'invalid_reason', `the reason is over ${MAX_REASON_BYTES} UTF-8 bytes`)
  }
  return r
}

async function refused<T> (fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof ModerationError && err.code === 'limit') throw new ApiError(409, 'moderation_limit', err.message)
    if (err instanceof ModerationError) throw new ApiError(400, 'moderation_refused', err.message)
    throw err
  }
}

/** What the web page sees of the moderation: who is blocked, what is hidden, and reports signed with the box key. */
export function gatewayModeration (
  moderation: Moderation,
  author: (body: KnownBody) => Promise<StoredEntry>
): GatewayModeration {
  return {
    blockedBy: (a) => moderation.blockedBy(a),
    hiddenBy: (h) => moderation.hiddenBy(h),
    report: async ({ target, reason }) => await author({ type: 'report', target, reason }),
    onChange: (fn) => moderation.onChange(fn)
  }
}

/**
 * The daemon's moderation (control API `/moderation/…`): the owner's blocks
 * and followed lists over @kiez/moderation, and moderation entries published
 * with the box's key through the daemon's one authoring path.
 */
export class BoxModeration implements ModerationControlApi {
  constructor (
    readonly moderation: Moderation,
    private readonly author: (body: KnownBody) => Promise<StoredEntry>
  ) {}

  async block (req: { author: string, reason?: string }): Promise<BlockedJson> {
    const key = authorArg(req.author)
    const reason = reasonArg(req.reason)
    const { dropped } = await refused(async () => await this.moderation.block(key, reason))
    const b = this.moderation.blocks().find((x) => Buffer.compare(x.author, key) === 0)
    return { author: authorId(key), reason, at: b?.at ?? Date.now(), dropped }
  }

  async unblock (author: string): Promise<ModUndoJson> {
    const key = authorArg(author)
    return { author: authorId(key), changed: await this.moderation.unblock(key) }
  }

  async blocks (): Promise<BlocksJson> {
    return { blocks: this.moderation.blocks().map((b) => ({ author: authorId(b.author), reason: b.reason, at: b.at })) }
  }

  async follow (author: string): Promise<ModListJson> {
    const key = authorArg(author)
    const l = await refused(async () => await this.moderation.follow(key))
    return { author: authorId(l.author), followedAt: l.followedAt, blocks: l.blocks, hides: l.hides }
  }

  async unfollow (author: string): Promise<ModUndoJson> {
    const key = authorArg(author)
    return { author: authorId(key), changed: await this.moderation.unfollow(key) }
  }

  async lists (): Promise<ModListsJson> {
    return {
      lists: this.moderation.lists().map((l) => ({
        author: authorId(l.author),
        followedAt: l.followedAt,
        blocks: l.blocks,
        hides: l.hides
      }))
    }
  }

  /** A mod-block or mod-hide entry of this box's own list, signed with its key. */
  async publish (req: ModPublishRequest): Promise<ModEntryJson> {
    const reason = reasonArg(req.reason)
    const body: KnownBody = req.type === 'block'
      ? { type: 'mod-block', author: authorArg(req.target), reason }
      : { type: 'mod-hide', target: entryArg(req.target), reason }
    const e = await this.author(body)
    return {
      id: entryId(e.hash),
      author: authorId(e.author),
      seq: e.seq,
      timestamp: e.timestamp,
      type: body.type,
      target: body.type === 'mod-block' ? authorId(body.author) : entryId(body.target),
      reason
    }
  }
}
