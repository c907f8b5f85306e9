import type { EntryBody } from '@kiez/feed'
import { open, type DmKeyPair } from './envelope.js'

/** What the inbox needs of an entry: a `message` entry with its payload decoded. */
export interface MessageEntryLike {
  author: Uint8Array
  hash: Uint8Array
  timestamp: number
  kind: string
  body?: EntryBody
}

/** A member of this box who can read messages: their author key and X25519 key pair. */
export interface Reader {
  author: Uint8Array
  keys: DmKeyPair
}

export interface InboxInit {
  /** the box's members now (read on every ingest: members come and go) */
  readers: () => Reader[]
  /** the payload of a held entry, or undefined (deleted, evicted, never fetched) */
  payloadOf: (hash: Uint8Array) => Promise<EntryBody | undefined>
  /** the inbox's state (no text: references, read markers and blocks), or undefined when none yet */
  load: () => Promise<Uint8Array | undefined>
  save: (bytes: Uint8Array) => Promise<void>
  /** per member, the newest messages indexed; older ones drop out of the index (not of the feed) */
  maxPerMember?: number
}

/** One message in a member's index: no text, which is decrypted again when read. */
interface Ref {
  hash: string
  /** the other side: the sender for an incoming message, a recipient for an outgoing one */
  peer: string
  at: number
  out: boolean
}

interface MemberState {
  refs: Ref[]
  /** per peer, the timestamp up to which incoming messages are read */
  read: Record<string, number>
  blocked: string[]
}

export interface Conversation {
  /** the other author, hex */
  peer: string
  lastAt: number
  lastOut: boolean
  unread: number
  count: number
}

export interface Message {
  hash: string
  from: string
  to: string[]
  at: number
  out: boolean
  text: string
}

/**
 * Each member's private messages on this box: every `message` entry the
 * store takes is tried against every member's key (trial decryption); what
 * opens, and names the entry's author as its sender, is indexed by hash and
 * peer. The index holds no text: reading a conversation opens the payloads
 * again, so a delete (which drops the payload) removes a message everywhere.
 */
export class Inbox {
  private readonly members = new Map<string, MemberState>()
  private saving = Promise.resolve()
  private readonly max: number
  private listeners: Array<(member: string, m: Message) => void> = []

  constructor (private readonly init: InboxInit) {
    this.max = init.maxPerMember ?? 5000
  }

  async start (): Promise<void> {
    const raw = await this.init.load()
    if (raw === undefined) return
    try {
      const v = JSON.parse(new TextDecoder().decode(raw)) as Record<string, MemberState>
      for (const [k, s] of Object.entries(v)) {
        if (Array.isArray(s?.refs)) this.members.set(k, { refs: s.refs, read: s.read ?? {}, blocked: s.blocked ?? [] })
      }
    } catch {
      // a damaged index starts empty: the messages stay in the feed, read markers are lost
    }
  }

  /** Calls `fn` with the member (hex) and the message for each new message a member can read. */
  onMessage (fn: (member: string, m: Message) => void): () => void {
    this.listeners.push(fn)
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn)
    }
  }

  /** Tries a stored entry against every member's key; indexes it for those who can read it. */
  async ingest (e: MessageEntryLike): Promise<void> {
    if (e.kind !== 'message' || e.body?.type !== 'message') return
    const hash = hex(e.hash)
    const author = hex(e.author)
    let changed = false
    for (const r of this.init.readers()) {
      const plain = open(e.body.envelope, r.keys)
      // a sender is the entry's author: a copied envelope in another feed is not theirs to claim
      if (plain === undefined || hex(plain.from) !== author) continue
      const me = hex(r.author)
      const to = plain.to.map(hex)
      if (me !== author && !to.includes(me)) continue
      const s = this.state(me)
      if (s.refs.some((x) => x.hash === hash)) continue
      const peers = me === author ? to : [author]
      for (const peer of peers) s.refs.push({ hash, peer, at: e.timestamp, out: me === author })
      s.refs.sort((a, b) => a.at - b.at)
      if (s.refs.length > this.max) s.refs.splice(0, s.refs.length - this.max)
      changed = true
      const m: Message = { hash, from: author, to, at: e.timestamp, out: me === author, text: plain.text }
      if (!s.blocked.includes(author)) { for (const l of this.listeners) l(me, m) }
    }
    if (changed) await this.persist()
  }

  /** Drops a deleted message from every index. */
  async forget (hash: Uint8Array): Promise<void> {
    const h = hex(hash)
    let changed = false
    for (const s of this.members.values()) {
      const before = s.refs.length
      s.refs = s.refs.filter((r) => r.hash !== h)
      changed ||= s.refs.length !== before
    }
    if (changed) await this.persist()
  }

  /** A member's conversations, newest first, without blocked authors. */
  conversations (member: Uint8Array): Conversation[] {
    const s = this.members.get(hex(member))
    if (s === undefined) return []
    const by = new Map<string, Conversation>()
    for (const r of s.refs) {
      if (s.blocked.includes(r.peer) && !r.out) continue
      const c = by.get(r.peer) ?? { peer: r.peer, lastAt: 0, lastOut: false, unread: 0, count: 0 }
      c.count++
      if (r.at >= c.lastAt) {
        c.lastAt = r.at
        c.lastOut = r.out
      }
      if (!r.out && r.at > (s.read[r.peer] ?? -1)) c.unread++
      by.set(r.peer, c)
    }
    return [...by.values()].sort((a, b) => b.lastAt - a.lastAt)
  }

  /** The member's unread messages, all conversations. */
  unread (member: Uint8Array): number {
    return this.conversations(member).reduce((n, c) => n + c.unread, 0)
  }

  /** One conversation, oldest first, the newest `limit`; messages whose payload is gone are left out. */
  async conversation (member: Uint8Array, peer: Uint8Array, limit = 200): Promise<Message[]> {
    const s = this.members.get(hex(member))
    const p = hex(peer)
    if (s === undefined || (s.blocked.includes(p))) return []
    const me = this.init.readers().find((r) => hex(r.author) === hex(member))
    if (me === undefined) return []
    const out: Message[] = []
    for (const r of s.refs.filter((x) => x.peer === p).slice(-limit)) {
      const body = await this.init.payloadOf(Buffer.from(r.hash, 'hex'))
      if (body?.type !== 'message') continue
      const plain = open(body.envelope, me.keys)
      if (plain === undefined) continue
      out.push({
        hash: r.hash,
        from: r.out ? hex(member) : p,
        to: plain.to.map(hex),
        at: r.at,
        out: r.out,
        text: plain.text
      })
    }
    return out
  }

  /** Marks a conversation read up to `at` (default: its newest message). */
  async markRead (member: Uint8Array, peer: Uint8Array, at?: number): Promise<void> {
    const s = this.state(hex(member))
    const p = hex(peer)
    const newest = s.refs.filter((r) => r.peer === p).reduce((n, r) => Math.max(n, r.at), 0)
    s.read[p] = Math.max(s.read[p] ?? 0, at ?? newest)
    await this.persist()
  }

  /** Blocks (or unblocks) an author's messages for one member. */
  async block (member: Uint8Array, author: Uint8Array, blocked = true): Promise<void> {
    const s = this.state(hex(member))
    const a = hex(author)
    s.blocked = s.blocked.filter((x) => x !== a)
    if (blocked) s.blocked.push(a)
    await this.persist()
  }

  blocked (member: Uint8Array): string[] {
    return [...(this.members.get(hex(member))?.blocked ?? [])]
  }

  private state (member: string): MemberState {
    let s = this.members.get(member)
    if (s === undefined) {
      s = { refs: [], read: {}, blocked: [] }
      this.members.set(member, s)
    }
    return s
  }

  private async persist (): Promise<void> {
    const bytes = new TextEncoder().encode(JSON.stringify(Object.fromEntries(this.members)))
    this.saving = this.saving.then(async () => await this.init.save(bytes)).catch(() => {})
    await this.saving
  }
}

function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}
