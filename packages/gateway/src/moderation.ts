import type { Entry } from '@kiez/feed'
import { entryId } from '@kiez/feed'
import { peerIdOf } from './entry-json.js'
import type { ProfileNames } from './profiles.js'
import type { EntryJson, GatewayModeration, HiddenJson, ShownEntry } from './types.js'

/**
 * What the box's moderation (its owner's blocks, the lists it follows) makes
 * the API show: entries of blocked authors are left out, entries a followed
 * list hides are marked with `hidden` (the page collapses them, with "show
 * anyway"). Without a backend moderation nothing is left out or marked.
 */
export class ModerationView {
  constructor (private readonly m: GatewayModeration | undefined, private readonly names: ProfileNames) {}

  /** Whether the box blocks this author (its owner, or a list it follows). */
  blocked (author: Uint8Array): boolean {
    return this.m?.blockedBy(author) !== undefined
  }

  /** Why the author is blocked, in words for an error message. */
  blockedWhy (author: Uint8Array): string | undefined {
    const b = this.m?.blockedBy(author)
    if (b === undefined) return undefined
    const why = b.reason === '' ? '' : `: ${b.reason}`
    return b.by === 'owner'
      ? `this box's owner blocked the author of that entry${why}`
      : `the moderation list of ${peerIdOf(b.list)}, which this box follows, blocks the author of that entry${why}`
  }

  /** The `hidden` mark of an entry a followed list hides, without touching the store (the event stream). */
  hiddenNow (e: Entry): HiddenJson | undefined {
    const h = this.m?.hiddenBy(e.hash)
    if (h === undefined || h.by !== 'list') return undefined
    return this.hiddenJson(h.list, h.entry, h.reason, this.names.cached(h.list))
  }

  /** The entry's JSON with its `hidden` mark, if a followed list hides it (with the list author's name). */
  async mark<T extends EntryJson> (json: T, e: Entry): Promise<T> {
    const h = this.m?.hiddenBy(e.hash)
    if (h === undefined || h.by !== 'list') return json
    return { ...json, hidden: this.hiddenJson(h.list, h.entry, h.reason, await this.names.nameOf(h.list)) }
  }

  /** The entries of a page the box shows: blocked authors' left out. */
  visible<E extends ShownEntry> (entries: E[]): E[] {
    return this.m === undefined ? entries : entries.filter((e) => !this.blocked(e.author))
  }

  private hiddenJson (list: Uint8Array, entry: Uint8Array, reason: string, name: string | undefined): HiddenJson {
    const out: HiddenJson = { by: peerIdOf(list), entry: entryId(entry), reason }
    if (name !== undefined) out.byName = name
    return out
  }
}
