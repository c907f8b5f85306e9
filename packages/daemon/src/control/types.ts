/**
 * JSON shapes of the control API (HTTP over <dataDir>/control.sock). Field
 * names are camelCase with units in the name; the CLI's --json prints these.
 */

import type { BlobExchangeCounters } from '@kiez/blob-exchange'
import type { DhtFindResult, DhtTableEntry, PeerSource, PeerView } from '@kiez/mesh'
import type { LifeJson, PostKindRequest } from '@kiez/gateway/life-json'
import type { HouseholdJson } from '@kiez/gateway'
import type { ApiErrorCode } from '../errors.js'

export type { HouseholdJson }

/**
 * `error.code` of a failed control call (`{"error": {"code", "message"}}`): a
 * route's own, or the server's for a request no route took. The CLI's --json
 * shows them: never rename one.
 */
export type ControlErrorCode =
  | ApiErrorCode
  | 'invalid_request' // the schema refused the query, params or body
  | 'invalid_json'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'not_found' // no such route
  | 'internal' // a bug; the daemon log has the details

/** What a feed shows is a post, reply or profile; a delete or edit is only the answer to `kiez delete` / `kiez edit`. */
export type EntryType = 'post' | 'reply' | 'profile' | 'delete' | 'edit' | 'vote' | 'rsvp' | 'done'

/** An entry; the kinds of neighbourhood life add their fields (LifeJson, docs/HTTP-API.md "Kinds of post"). */
export interface EntryJson extends LifeJson {
  /** CIDv1 of the entry bytes (bafyrei…) */
  id: string
  /** the author's libp2p peer id (an author key is an ed25519 key, as a box identity is) */
  author: string
  seq: number
  /** the author's clock, ms since the epoch (a claim, not a fact) */
  timestamp: number
  type: EntryType
  text?: string
  name?: string
  replyTo?: string
  /** a post's or reply's images: {cid, type, bytes, width, height, alt, thumb} (thumb: the same minus thumb, or null) */
  images?: Array<Record<string, unknown>>
  /** a delete or edit: the id of the entry it deletes or edits */
  target?: string
  /** id of the author's previous entry; absent for seq 1 */
  previous?: string
  /** its author edited it: `text` is the newest edit's */
  edited?: true
  /** the box does not hold its payload (yet, or for good): no `text` or `name` */
  payloadMissing?: true
  /** a moderation list this box follows hides it: which list (its author), by which entry, and why */
  hidden?: { by: string, entry: string, reason: string }
  /** the author's current profile name */
  authorName?: string
  /** the household that claims the author (for a box's own entries, its own household): PROTOCOL.md §2 */
  household?: HouseholdJson
  /** no household claims the author and the author is no box with a household or profile */
  unclaimed?: true
}

export interface StatusJson {
  peerId: string
  mesh: string
  listenAddrs: string[]
  uptimeMs: number
  counts: { peers: number, authors: number, entries: number }
  /** what the store refused or flagged since start (forks: since ever), by validation code */
  store: { forks: number, duplicates: number, rejected: Record<string, number> }
  version: string
  dataDir: string
  /** the HTTP gateway address from the config ('off' with --no-http), whether it is served, and its URL */
  http: { address: string, serving: boolean, url?: string }
  /** the self-fork guard: 'armed' = local posts refused until our own feed is learned from a neighbour */
  ownFeed?: OwnFeedJson
  /** the storage budget (docs/LIMITS.md "Storage") */
  storage?: StorageJson
  /** the image blobs this box holds and exchanged (docs/LIMITS.md "Images and blobs") */
  blobs?: BlobsJson
}

/** An uploaded image: its blob id, its type and pixel size as its bytes say. */
export interface UploadedBlobJson {
  cid: string
  type: string
  bytes: number
  width: number
  height: number
}

/** The blob store against its share of the budget, and /kiez/blob/1.0.0's counters since start (the exchange's own). */
export interface BlobsJson extends BlobExchangeCounters {
  count: number
  bytes: number
  maxBytes: number
  /** blobs evicted for space since start */
  evicted: number
  /** blobs uploaded on this box (POST /api/v1/blobs, kiez post --image) */
  uploaded: number
  /** thumbnails fetched with their entries */
  thumbsFetched: number
}

/** What the feed store takes on disk against its budget, and what the budgets did (docs/LIMITS.md "Storage"). */
export interface StorageJson {
  /** bytes of the store's files, as last measured */
  usedBytes: number
  /** the whole storage budget (the feed store's share and the blobs') */
  maxBytes: number
  /** the feed store's share of it */
  feedMaxBytes?: number
  /** the blobs' (images') share of it: `storage.blobShare`, half by default */
  blobMaxBytes?: number
  /** payloads of far authors evicted for space, ever */
  payloadsEvicted: number
  /** entries (headers) of far authors forgotten for space, ever */
  headersTruncated: number
  /** entries from the mesh held back by a budget since start (pulled again later) */
  deferred: number
  /** true while every far entry is deferred for space */
  full: boolean
}

/** The self-fork guard's state (docs/OPERATIONS.md, "After a store reset"). */
export interface OwnFeedJson {
  state: 'ok' | 'armed'
  /** the highest seq of this box's own feed the store holds */
  ownSeq: number
  /** store_new: the key is older than the store; key_not_owner: the store belonged to another key */
  reason?: 'store_new' | 'key_not_owner'
  armedAt?: number
  /** the highest seq of our feed a neighbour named while armed, and which neighbour */
  claimedSeq?: number
  claimedBy?: string
  disarmedAt?: number
  disarmedBy?: 'neighbour' | 'override'
}

/** How a peer was first found (@kiez/mesh's type). */
export type { PeerSource }

/** One peer as the mesh node sees it: @kiez/mesh's PeerView, passed through. */
export type PeerJson = PeerView

export interface PeersJson {
  peers: PeerJson[]
}

export interface FeedJson {
  entries: EntryJson[]
  /** pass as `before` for the next (older) page; absent on the last page */
  next?: string
}

/** A post of any kind: `text` (and `replyTo`) for a post, the kind's fields for the others (docs/CLI.md, `kiez post --kind`). */
export interface PostRequest extends PostKindRequest {
  /** the member who writes (`--as NAME`); absent: the box's one member, or the box itself when it has none */
  as?: string
}

/** `PUT /entries/:id`: the new text of one of this box's posts or replies */
export interface EditRequest {
  text: string
  /** the member whose entry it is, as for PostRequest */
  as?: string
}

/** `POST /profile` (`kiez profile`): a display name and a short about, for the box or a member */
export interface ProfileRequest {
  name: string
  about?: string
  /** the member whose profile it is, as for PostRequest */
  as?: string
  /** the box's own profile (its display name, the household's name), whatever members it has; not with `as` */
  box?: boolean
}

export interface ErrorJson {
  error: { code: ControlErrorCode, message: string }
}

export interface PingRequest {
  target: string
  count?: number
  /** how long each round trip may take (1 000–60 000, default 5 000) */
  timeoutMs?: number
}

export interface PingJson {
  target: string
  count: number
  /** the limit each round trip had */
  timeoutMs: number
  /** one round trip per answered ping, in order */
  rttsMs: number[]
  lost: number
  /** every ping in order: its round trip, or none when no reply came within timeoutMs */
  pings: Array<{ seq: number, rttMs?: number }>
}

/** `kiez dht find`: the addresses, who named them, and every peer the lookup asked (@kiez/mesh's DhtFindResult). */
export type DhtFindJson = DhtFindResult

/** One contact of our DHT routing table, as @kiez/mesh reads it. */
export type DhtPeerJson = DhtTableEntry

export interface DhtTableJson {
  peers: DhtPeerJson[]
}

/** One author as seen from us and from one neighbour. */
export interface AuthorSyncJson {
  author: string
  ourSeq: number
  theirSeq: number
  /** entries the neighbour has and we lack */
  weLack: number
  /** entries we have and the neighbour lacks */
  theyLack: number
  /** same seq, different head: one side holds a forked branch */
  diverged: boolean
  /** the seqs we lack (ourSeq + 1 .. theirSeq), when weLack > 0 */
  weLackFrom?: number
  weLackTo?: number
  /** the seqs the neighbour lacks (theirSeq + 1 .. ourSeq), when theyLack > 0 */
  theyLackFrom?: number
  theyLackTo?: number
}

export interface PeerSyncJson {
  peerId: string
  /** false for a neighbour that disconnected: the report is against the last heads it sent */
  connected: boolean
  /** ms since a disconnected neighbour went */
  lastSeenMs?: number
  /** ms since the neighbour last told us its heads */
  headsAgeMs?: number
  /** summed over `authors` (all authors, or the one asked for) */
  weLack: number
  theyLack: number
  syncing: boolean
  /** ms since the last sync session with it ended */
  lastSyncAgoMs?: number
  lastSyncError?: string
  authors: AuthorSyncJson[]
}

export interface SyncJson {
  /** false when this node runs without replication */
  available: boolean
  topic?: string
  protocol?: string
  /** connected neighbours first, then recently disconnected ones (newest first) */
  peers: PeerSyncJson[]
  /** set when the report is narrowed to one author (`kiez sync AUTHOR`) */
  author?: string
  /** our latest seq of that author (0: none); absent when no neighbour's heads are known */
  ourSeq?: number
  /** replication counters (gossip, sync sessions, bytes), flat numbers or {code: count} maps */
  counters: Record<string, number | Record<string, number>>
}

/** `kiez pair`: a one-time code a browser enters on the web page. */
export interface PairJson {
  code: string
  /** how long the code stays valid */
  expiresInMs: number
  /** the web feed's URL as the daemon sees it */
  url?: string
  /** `kiez pair --member NAME`: the member the browser posts as */
  member?: string
}

/** `kiez pair --member NAME` */
export interface PairRequest {
  member?: string
}

export interface RevokeJson {
  revoked: number
}

/** A paired browser (`kiez pair --list`). */
export interface BrowserSessionJson {
  /** names it for `kiez pair --revoke ID` */
  id: string
  /** ms since the epoch */
  createdAt: number
  lastSeenAt: number
  /** names of the members it may post as (members the box no longer holds are left out) */
  members: string[]
  /** the member it posts as now */
  member?: string
}

export interface BrowserSessionsJson {
  sessions: BrowserSessionJson[]
}

/** `kiez topology`: the mesh as far as neighbours report it (docs/TOPOLOGY.md). */
export interface TopologyBoxJson {
  peerId: string
  /** the box that drew the map */
  self?: boolean
  /** links from us */
  hops: number
  /** false when only others named it (its own list did not reach us) */
  reported: boolean
  /** its clock minus ours, for boxes we asked directly */
  clockOffsetMs?: number
}

export interface TopologyLinkJson {
  a: string
  b: string
  latencyMs?: number
  /** the boxes listing this link as connected */
  reportedBy: string[]
  /** only one end claims it */
  oneSided: boolean
}

export interface TopologyJson {
  self: string
  boxes: TopologyBoxJson[]
  links: TopologyLinkJson[]
  /** neighbours that did not answer, with a reason code (timeout, unreachable, wrong_peer, …) */
  failures: Array<{ peerId: string, code: string }>
  /** the map hit a bound (hops, boxes, time) */
  truncated: boolean
  durationMs: number
}

/** `kiez why ID`: why an entry is or is not on this box. */
export interface WhyJson {
  id: string
  /** here; rejected (a neighbour offered it and the store refused it); author_forked; behind (a neighbour has it, we do not yet); never_seen */
  verdict: 'here' | 'rejected' | 'author_forked' | 'behind' | 'never_seen'
  /** one sentence for a person */
  reason: string
  entry?: EntryJson
  /** the author (peer id) and seq, when known (from the entry, a refusal, a neighbour's head or the request) */
  author?: string
  seq?: number
  /** our latest seq of that author */
  ourSeq?: number
  /** the author's feed is frozen from this seq (a fork proof is held) */
  forkedAt?: number
  /** the recorded refusals of exactly these bytes, newest first */
  rejections?: Array<{ peerId: string, code: string, via: 'gossip' | 'sync', agoMs: number }>
  /** neighbours whose last heads go beyond ours for the author */
  holders?: Array<{ peerId: string, theirSeq: number }>
}

/** What the daemon knows for `kiez doctor` (the CLI adds its local checks and judges). */
export interface DoctorFactsJson {
  peerId: string
  dataDir: string
  listenAddrs: string[]
  http: { address: string, serving: boolean, url?: string }
  uptimeMs: number
  peers: {
    connected: number
    known: number
    /** ms since any neighbour was last connected: 0 while one is, absent if none ever was */
    lastSeenMs?: number
  }
  mdns: {
    enabled: boolean
    links?: Array<{ interface: string, localAddress: string, ready: boolean }>
    peersFound?: number
    queriesSent?: number
    responsesReceived?: number
  }
  dht: { tableSize: number }
  /** each asked neighbour's clock minus ours */
  clock: { neighbours: Array<{ peerId: string, offsetMs: number }> }
  ownFeed?: OwnFeedJson
}
