/**
 * The gateway's JSON shapes (docs/HTTP-API.md) as far as the page reads them.
 * Everything here came over the network: the page treats every string as
 * untrusted plain text and checks the shapes it depends on (see api.ts).
 */

/** The types a feed shows; deletes, edits and kinds of a later version never reach the page. */
import type { LifeFields } from './life.js'
import type { ImageRef } from './images/refs.js'

export type EntryType = 'post' | 'reply' | 'profile'

export interface Entry extends LifeFields {
  id: string
  author: string
  /** the author's latest display name, as the gateway knows it */
  authorName?: string
  /** the author's ed25519 key, hex (64 characters): its first 8 tell two Annas apart */
  authorKey?: string
  /** the household (a box) that claims the author: "Anna · Hof 3" */
  household?: Household
  /** no household claims the author */
  unclaimed?: true
  seq: number
  /** the author's clock (a claim), ms since the epoch */
  timestamp: number
  /** an {@link EntryType}, or a type this page does not know yet (kept, not dropped) */
  type: string
  text?: string
  /** profile entries carry the display name here */
  name?: string
  replyTo?: string
  /** its author edited it: `text` is the newest edit's */
  edited?: true
  /** the box does not hold its payload: no `text` or `name` */
  payloadMissing?: true
  /** a moderation list the box follows hides it: the page collapses it and says why */
  hidden?: Hidden
  /** a post's or reply's photos (blobs on the box), shape-checked */
  images?: ImageRef[]
}

/** The box whose household entry names an entry's author (every string untrusted). */
export interface Household {
  /** the box's author (peer id) */
  id: string
  /** the box's display name */
  name: string
  /** how many neighbouring boxes say they see that box on their link (mDNS) */
  seenBy: number
}

/** A member of the household: a person with their own key on the box. */
export interface Member {
  name: string
  /** peer id, as entries' `author` */
  author: string
  authorKey: string
}

/** `GET /api/v1/session`: whether this browser is paired, and as whom it posts. */
export interface Session {
  paired: boolean
  /** this browser's members; absent: the box has no members support (it posts as itself) */
  members?: Member[]
  /** the author (peer id) of the member it posts as */
  current?: string
  /** the box has no members yet: the page asks for a name */
  firstMember?: true
}

/** Which followed moderation list hides an entry, and why (every string untrusted). */
export interface Hidden {
  /** the list's author (peer id) */
  by: string
  /** the list author's display name, a claim */
  byName?: string
  /** the list's mod-hide entry */
  entry: string
  /** may be empty */
  reason: string
}

/** A reader's report of an entry: a `report` entry signed by the box whose page the reader used. */
export interface Report {
  id: string
  /** who reported: the box's author */
  author: string
  authorName?: string
  seq: number
  timestamp: number
  /** the reported entry's id */
  target: string
  reason: string
}

export interface ReportPage {
  reports: Report[]
  next?: string
}

export interface FeedPage {
  entries: Entry[]
  next?: string
}

export type PeerSource = 'mdns' | 'dht' | 'bootstrap' | 'inbound' | 'gossip'

/** What the page shows about replication with one neighbour. */
export interface PeerSync {
  weLack?: number
  theyLack?: number
  syncing?: boolean
  lastSyncAgoMs?: number
  /** how old the neighbour's heads that weLack/theyLack compare against are */
  headsAgeMs?: number
  lastSyncError?: string
  inSync?: boolean
}

export interface Peer {
  peerId: string
  /** a {@link PeerSource}, or one this page does not know yet */
  source: string | null
  direction: 'inbound' | 'outbound' | null
  connected: boolean
  latencyMs?: number
  lastSeenMs?: number
  sync?: PeerSync
}

export interface Status {
  peerId: string
  mesh?: string
  /** the box's own author id (a peer id) when the gateway says so */
  author?: string
  authorName?: string
  paired?: boolean
  counts?: { peers?: number, authors?: number, entries?: number }
}

export interface ErrorBody {
  error: { code: string, message: string }
}
