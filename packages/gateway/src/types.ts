import type { LifeJson, LifeView, PostKindRequest } from './life-json.js'
import type { Entry } from '@kiez/feed'

/**
 * An entry as @kiez/store returns it (its `StoredEntry`, restated so the
 * gateway does not depend on the store): why its payload is gone for good,
 * and an edited post's newest text.
 */
export type ShownEntry = Entry & {
  readonly fate?: {
    reason: 'deleted' | 'edited' | 'superseded' | 'invalid'
    by?: Uint8Array
    replyTo?: Uint8Array
  }
  readonly editedText?: string
}

/**
 * What the gateway needs from the box. The daemon implements it over its
 * store and mesh node; the gateway never touches libp2p itself.
 */
export interface GatewayBackend {
  info(): BoxInfo
  /** connected and known peers, as the mesh node sees them */
  peers(): Promise<PeerView[]>
  /** replication's per-neighbour view; an empty list when the node runs without it */
  sync(): Promise<PeerSyncView[]>
  /**
   * local authoring of a post of any kind (life-json.ts), synced before it resolves; errors carry `status`
   * and `code`. `as`: a member's author key, whose key signs (403 not_member if no member of this box);
   * absent: the box key
   */
  post(req: PostKindRequest & { as?: Uint8Array }): Promise<Entry>
  profile(req: { name: string, about?: string, as?: Uint8Array }): Promise<Entry>
  /**
   * Deletes an entry this box authored (a signed delete entry; resolves with it). Errors carry
   * `status` and `code`: 404 entry_not_found, 403 not_author, 400 not_deletable, 410 deleted.
   * `as`: the member whose entry it is (403 not_member, or not_author if the entry is not theirs).
   */
  deleteEntry(id: string, as?: Uint8Array): Promise<Entry>
  /**
   * Replaces the text of a post or reply this box authored (a signed edit entry; resolves with
   * it). Errors as deleteEntry's, with 400 not_editable for any other kind.
   */
  editEntry(req: { id: string, text: string, as?: Uint8Array }): Promise<Entry>
  feed: FeedReader
  /** the mesh as neighbours report it (kiez topology); absent: the route answers 404 */
  topology?(): Promise<TopologyView>
  /** peer connect/disconnect; returns the unsubscribe */
  onPeer(fn: (e: { peerId: string, connected: boolean }) => void): () => void
  /** the box owner's blocks and followed moderation lists; absent: nothing is left out or hidden, no reports */
  moderation?: GatewayModeration
  /** the noticeboard's numbers (@kiez/life): tallies, rsvps, done, pinned alerts; absent: entries without them */
  life?: LifeView
  /**
   * search over what the feed shows (@kiez/search), newest first; errors carry `status` and `code`
   * (400 bad_query); absent: GET /search answers 404
   */
  search?(q: { q: string, kind?: string, limit?: number }): Promise<ShownEntry[]>
  members?: GatewayMembers
  /** who claims whom (households, vouches); absent: entries carry no `household` or `unclaimed` */
  claims?: GatewayClaims
  /** the members' private messages (@kiez/messages); absent: /api/v1/messages answers 404 */
  messages?: GatewayMessages
  /** images (issue #15 §1); absent: /api/v1/blobs answers 404 */
  blobs?: GatewayBlobs
}

/**
 * Image blobs; errors carry `status` and `code` (415 unsupported_image, 413 blob_too_large,
 * 404 blob_not_found, 504 blob_timeout).
 */
export interface GatewayBlobs {
  /** a LAN upload: JPEG/PNG/WebP/AVIF by its bytes, ≤ 1 MiB → {cid, type, bytes, width, height} */
  upload(bytes: Uint8Array): Promise<object>
  /** a blob by its sha-256, fetched from the neighbours when the box lacks it; `type` judged by its bytes */
  open(hash: Uint8Array): Promise<{ bytes: Uint8Array, type: string }>
}

/**
 * Private messages, by member key (the session's current member). The JSON
 * shapes are the control API's (`@kiez/daemon/control` message-client.ts);
 * errors carry `status` and `code` (unknown_recipient, no_message_key, …).
 */
export interface GatewayMessages {
  conversations(member: Uint8Array): object
  /** one conversation, oldest first; `peer` an author id or a name the box knows */
  conversation(member: Uint8Array, peer: string, markRead: boolean): Promise<object>
  send(member: Uint8Array, to: string[], text: string): Promise<object>
  block(member: Uint8Array, author: string, blocked: boolean): Promise<object>
  /** each new message a member can read; returns the unsubscribe */
  onMessage(fn: () => void): () => void
}

/** The household's people (issue 14); absent: the box has no member support and the page posts as the box. */
export interface GatewayMembers {
  list(): Array<{ name: string, author: Uint8Array }>
  /** a new member with a fresh key (the box republishes its household); errors carry `status` and `code`: 400 bad_name, 409 member_exists, 409 too_many_members */
  add(name: string): Promise<{ name: string, author: Uint8Array }>
  /** called after members are added, removed or renamed; returns the unsubscribe */
  onChange?(fn: () => void): () => void
}

/**
 * What the gateway needs of who claims whom (@kiez/members' ClaimsIndex,
 * through the daemon): answered from memory, so every entry can ask.
 */
export interface GatewayClaims {
  claimOf(author: Uint8Array): AuthorClaimView
}

/** An author as PROTOCOL.md §2 ("Households, members and neighbours") has a reader show them. */
export interface AuthorClaimView {
  /** a household lists the author (member), the author is a box (its own household), or neither */
  kind: 'member' | 'box' | 'unclaimed'
  /** the author's current profile name */
  name?: string
  /** the claiming household (a member's) or the box's own; absent when unclaimed */
  household?: {
    /** the box's key */
    box: Uint8Array
    name: string
    seenBy: number
    /** the household lists the author, whose own profile names another box or none */
    oneSided: boolean
  }
}

/** The household shown with an entry's author (PROTOCOL.md §2, "Claims"). */
export interface HouseholdJson {
  /** the box's peer id */
  id: string
  /** the box's display name: its household entry's name, or its profile's */
  name: string
  /** how many other boxes vouched for this box in the last 48 hours ("seen by N neighbouring boxes") */
  seenBy: number
  /** the household lists the author but the author's own profile names another box or none */
  oneSided?: true
}

/** Why an author is blocked or an entry hidden: the owner's block, or a followed list's entry. */
export type ModerationMark =
  | { by: 'owner', reason: string }
  /** `list` is the list's author key, `entry` the hash of its mod-block or mod-hide entry */
  | { by: 'list', list: Uint8Array, entry: Uint8Array, reason: string }

/** What the gateway needs of the box's moderation (@kiez/moderation, through the daemon). */
export interface GatewayModeration {
  blockedBy(author: Uint8Array): ModerationMark | undefined
  hiddenBy(hash: Uint8Array): ModerationMark | undefined
  /** a reader's report of the entry with hash `target`, signed with the box key; errors carry `status` and `code` */
  report(req: { target: Uint8Array, reason: string }): Promise<Entry>
  /** called after what is blocked or hidden here may have changed; returns the unsubscribe */
  onChange?(fn: () => void): () => void
}

export interface BoxInfo {
  peerId: string
  /** the box's own author key (its posts' `authorKey`) */
  publicKey: Uint8Array
  mesh: string
  version: string
  /** ms since the epoch */
  startedAt: number
  listenAddrs: string[]
}

/** The read side of @kiez/store's FeedStore that the gateway uses. */
export interface FeedReader {
  timeline(opts: { limit?: number, before?: string }): Promise<{ entries: ShownEntry[], next?: string }>
  get(id: string): Promise<ShownEntry | undefined>
  range(
    author: Uint8Array,
    from: number,
    to?: number,
    limits?: { maxEntries?: number, maxBytes?: number }
  ): Promise<Entry[]>
  head(author: Uint8Array): { seq: number } | undefined
  stats(): { authors: number, entries: number, forks: number, rejected: Record<string, number> }
  /** `origin` is 'local' for the box's own posts */
  onEntry(fn: (entry: ShownEntry, origin?: unknown) => void): () => void
  /** a payload that came after its entry (fetched again, or late); absent where the store has no such event */
  onPayload?(fn: (entry: ShownEntry) => void): () => void
}

export interface PeerView {
  peerId: string
  addrs: string[]
  /** the remote address of the connection in use; absent when not connected */
  remoteAddr?: string
  source: string | null
  direction: 'inbound' | 'outbound' | null
  connected: boolean
  latencyMs?: number
  lastSeenMs?: number
  agentVersion?: string
}

export interface PeerSyncView {
  peerId: string
  weLack: number
  theyLack: number
  syncing: boolean
  headsAgeMs?: number
  lastSyncAgoMs?: number
  lastSyncError?: string
}

/** An entry as the API shows it. */
export interface EntryJson extends LifeJson {
  id: string
  /** the author's libp2p peer id (as `kiez peers` names boxes) */
  author: string
  /** the author's raw ed25519 public key, hex */
  authorKey: string
  /** the name from the author's latest profile entry we hold */
  authorName?: string
  seq: number
  timestamp: number
  /** a delete or edit only in the answer to DELETE /entries/:id; feeds show neither */
  type: 'post' | 'reply' | 'profile' | 'delete' | 'edit' | 'vote' | 'rsvp' | 'done'
  text?: string
  name?: string
  replyTo?: string
  /** a post's or reply's images: {cid, type, bytes, width, height, alt, thumb} (thumb: the same minus thumb, or null) */
  images?: Array<Record<string, unknown>>
  /** a delete: the id of the entry it deletes */
  target?: string
  previous?: string
  /** its author edited it: `text` is the newest edit's */
  edited?: true
  /** the box does not hold its payload (yet, or for good): no `text` or `name` */
  payloadMissing?: true
  /** a moderation list this box follows hides it: the page collapses it and says why */
  hidden?: HiddenJson
  /** the household that claims the author (for a box's own entries, its own household) */
  household?: HouseholdJson
  /** no household claims the author and the author is no box with a household or profile */
  unclaimed?: true
}

/** Which followed moderation list hides an entry, and why. */
export interface HiddenJson {
  /** the list's author (peer id) */
  by: string
  /** the list author's display name, when known */
  byName?: string
  /** the id of the list's mod-hide entry */
  entry: string
  reason: string
}

/** A reader's report of an entry (`GET /api/v1/reports`). */
export interface ReportJson {
  id: string
  /** who reported (peer id): the box whose page the reader used */
  author: string
  authorKey: string
  authorName?: string
  seq: number
  timestamp: number
  type: 'report'
  /** the reported entry's id */
  target: string
  reason: string
}

export interface SignedEntryJson extends EntryJson {
  /** base64: the whole encoded entry, as stored and sent */
  bytes: string
  /** base64: what the signature covers, domain prefix ‖ header (the payload is bound by its hash in the header) */
  signedBytes: string
  /** base64: the 64-byte ed25519 signature */
  signature: string
  /** base64: the author's 32-byte ed25519 public key */
  publicKey: string
}

/** `GET /api/v1/topology`: boxes and links as far as neighbours report them (docs/TOPOLOGY.md). */
export interface TopologyView {
  self: string
  boxes: Array<{ peerId: string, self?: boolean, hops: number, reported: boolean, clockOffsetMs?: number }>
  links: Array<{ a: string, b: string, latencyMs?: number, reportedBy: string[], oneSided: boolean }>
  failures: Array<{ peerId: string, code: string }>
  truncated: boolean
  durationMs: number
}
