import { entryId, imagesJson, signedBytes } from '@kiez/feed'
import { base58btc } from 'multiformats/bases/base58'
import { isLifeShown, lifeFields, type LifeView } from './life-json.js'
import type { EntryJson, GatewayClaims, ShownEntry, SignedEntryJson } from './types.js'

/**
 * An ed25519 key as its libp2p peer id (identity multihash of the protobuf
 * key, base58btc): the same name `kiez peers` shows for the box.
 */
export function peerIdOf (publicKey: Uint8Array): string {
  const mh = new Uint8Array(6 + publicKey.byteLength)
  mh.set([0x00, 4 + publicKey.byteLength, 0x08, 0x01, 0x12, publicKey.byteLength])
  mh.set(publicKey, 6)
  return base58btc.baseEncode(mh)
}

const SHOWN_KINDS = ['post', 'reply', 'profile'] as const

/**
 * Whether an entry belongs in a feed: posts, replies, profiles and the kinds
 * of neighbourhood life that were not deleted, and kinds of a later version
 * whose payload starts with a text (PROTOCOL.md §2, "Kinds to come"). Deletes,
 * edits, votes, rsvps and dones act on other entries and are not shown themselves.
 */
export function isShown (e: ShownEntry): boolean {
  return ((SHOWN_KINDS as readonly string[]).includes(e.kind) || isLifeShown(e)) && e.fate?.reason !== 'deleted'
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')

/** Entries as JSON. Remembers author names: a feed page shows few authors many times, and base58 is the costly part. */
export class EntryFormatter {
  private readonly authors = new Map<string, { peerId: string, hex: string }>()
  private readonly claims: GatewayClaims | undefined
  private readonly life: () => LifeView | undefined

  /**
   * `claims`: who claims whom, for `household`/`unclaimed`; `life`: the noticeboard's numbers for polls,
   * events, offers and alerts, when the backend has them
   */
  constructor (
    private readonly maxAuthors = 4096,
    views: { claims?: GatewayClaims | undefined, life?: () => LifeView | undefined } = {}
  ) {
    this.claims = views.claims
    this.life = views.life ?? (() => undefined)
  }

  private author (key: Uint8Array): { peerId: string, hex: string } {
    const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
    let a = this.authors.get(k)
    if (a === undefined) {
      a = { peerId: peerIdOf(key), hex: hex(key) }
      if (this.authors.size >= this.maxAuthors) this.authors.delete(this.authors.keys().next().value as string)
      this.authors.set(k, a)
    }
    return a
  }

  /** Callers show only entries `isShown` lets through; anything else has just its header fields. */
  entry (e: ShownEntry, authorName?: string): EntryJson {
    const a = this.author(e.author)
    const out: EntryJson = {
      id: entryId(e.hash),
      author: a.peerId,
      authorKey: a.hex,
      seq: e.seq,
      timestamp: e.timestamp,
      type: e.kind as EntryJson['type']
    }
    const claim = this.claims?.claimOf(e.author)
    const name = authorName ?? claim?.name
    if (name !== undefined) out.authorName = name
    if (claim?.household !== undefined) {
      const h = claim.household
      out.household = { id: this.author(h.box).peerId, name: h.name, seenBy: h.seenBy }
      if (h.oneSided) out.household.oneSided = true
    } else if (claim?.kind === 'unclaimed') out.unclaimed = true
    const b = e.body
    if (b?.type === 'profile') out.name = b.name
    else if (e.editedText !== undefined) out.text = e.editedText
    else if (b?.type === 'post' || b?.type === 'reply' || b?.type === 'edit') out.text = b.text
    // a delete or edit is shown only as the answer to its own authoring (DELETE /entries/:id)
    if (b?.type === 'delete' || b?.type === 'edit') out.target = entryId(b.target)
    // an edited reply's payload is gone; the store keeps what it replied to
    const replyTo = b?.type === 'reply' ? b.replyTo : e.fate?.replyTo
    if (replyTo !== undefined) out.replyTo = entryId(replyTo)
    if ((b?.type === 'post' || b?.type === 'reply') && b.images !== undefined) out.images = imagesJson(b.images)
    if (e.previous !== null) out.previous = entryId(e.previous)
    if (e.editedText !== undefined || e.fate?.reason === 'edited') out.edited = true
    Object.assign(out, lifeFields(e, this.life(), (key) => this.author(key).peerId))
    if (out.text === undefined && out.name === undefined && out.target === undefined) out.payloadMissing = true
    return out
  }

  /** The entry plus everything a third party needs to verify it without trusting us. */
  signed (e: ShownEntry, authorName?: string): SignedEntryJson {
    return {
      ...this.entry(e, authorName),
      bytes: b64(e.bytes),
      signedBytes: b64(signedBytes(e.header)),
      signature: b64(e.signature),
      publicKey: b64(e.author)
    }
  }
}
