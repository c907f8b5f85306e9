import { entryId, imagesJson } from '@kiez/feed'
import type { GatewayClaims } from '@kiez/gateway'
import { isLifeShown, lifeFields, type LifeView } from '@kiez/gateway/life-json'
import type { StoredEntry } from '@kiez/store'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import type { EntryJson, EntryType } from './control/types.js'

/**
 * An author key shown as a libp2p peer id, so a box's posts and the box in
 * `kiez peers` carry the same name. Falls back to hex if a key is not ed25519.
 */
export function authorName (author: Uint8Array): string {
  try {
    return peerIdFromPublicKey(publicKeyFromRaw(author)).toString()
  } catch {
    return Buffer.from(author).toString('hex')
  }
}

const SHOWN_KINDS: readonly string[] = ['post', 'reply', 'profile'] satisfies EntryType[]

/** The kinds a feed shows; the rest act on other entries or belong to a later version. */
export function isShownKind (kind: string): boolean {
  return SHOWN_KINDS.includes(kind)
}

/**
 * Whether an entry belongs in a feed: posts, replies, profiles and the kinds
 * of neighbourhood life that were not deleted, and kinds of a later version
 * whose payload starts with a text (PROTOCOL.md §2, "Kinds to come"). Deletes,
 * edits, votes, rsvps and dones act on other entries and are not shown themselves.
 */
export function isShown (e: StoredEntry): boolean {
  return (isShownKind(e.kind) || isLifeShown(e)) && e.fate?.reason !== 'deleted'
}

/**
/** What `entryToJson` may add to an entry's own fields. */
export interface EntryJsonViews {
  /** the author's profile name and household, or `unclaimed` (PROTOCOL.md §2, "Claims") */
  claims?: GatewayClaims | undefined
  /** a poll's tally, an event's rsvps, done and pinned marks */
  life?: LifeView | undefined
}

/**
 * Meant for entries `isShown` lets through; anything else gets just its header fields.
 */
export function entryToJson (e: StoredEntry, views: EntryJsonViews = {}): EntryJson {
  const { claims, life } = views
  const out: EntryJson = {
    id: entryId(e.hash),
    author: authorName(e.author),
    seq: e.seq,
    timestamp: e.timestamp,
    type: e.kind as EntryType
  }
  const b = e.body
  if (b?.type === 'profile') out.name = b.name
  else if (e.editedText !== undefined) out.text = e.editedText
  else if (b?.type === 'post' || b?.type === 'reply' || b?.type === 'edit') out.text = b.text
  // a delete or edit is shown only as the answer to its own authoring (`kiez delete`, `kiez edit`)
  if (b?.type === 'delete' || b?.type === 'edit') out.target = entryId(b.target)
  // an edited reply's payload is gone; the store keeps what it replied to
  const replyTo = b?.type === 'reply' ? b.replyTo : e.fate?.replyTo
  if (replyTo !== undefined) out.replyTo = entryId(replyTo)
  // as the feed's JSON (the gateway's entry-json.ts): {cid, type, bytes, width, height, alt, thumb}
  if ((b?.type === 'post' || b?.type === 'reply') && b.images !== undefined) out.images = imagesJson(b.images)
  if (e.previous !== null) out.previous = entryId(e.previous)
  if (e.editedText !== undefined || e.fate?.reason === 'edited') out.edited = true
  Object.assign(out, lifeFields(e, life, authorName))
  if (out.text === undefined && out.name === undefined && out.target === undefined) out.payloadMissing = true
  if (claims !== undefined) withClaim(out, claims.claimOf(e.author))
  return out
}

function withClaim (out: EntryJson, claim: ReturnType<GatewayClaims['claimOf']>): void {
  if (claim.name !== undefined) out.authorName = claim.name
  const h = claim.household
  if (h !== undefined) {
    out.household = { id: authorName(h.box), name: h.name, seenBy: h.seenBy }
    if (h.oneSided) out.household.oneSided = true
  } else if (claim.kind === 'unclaimed') out.unclaimed = true
}
