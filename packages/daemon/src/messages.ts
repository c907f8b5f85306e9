import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { entryId, type KnownBody, type Signer } from '@kiez/feed'
import { Inbox, MessageError, seal, type Conversation, type DmKeyPair, type Message } from '@kiez/messages'
import { parseAuthorId } from '@kiez/moderation'
import type { GatewayMessages } from '@kiez/gateway'
import { writeFileAtomic, type FeedStore, type StoredEntry } from '@kiez/store'
import type { Logger } from 'pino'
import type { BoxMembers } from './members.js'
import { authorName } from './entry-json.js'
import { ApiError } from './errors.js'
import type {
  ConversationJson,
  ConversationsJson,
  ConversationViewJson,
  MessageControlApi,
  MessageJson,
  MessageSendRequest,
  SentJson
} from './control/message-client.js'

/** The inbox's file in the data dir: references, read markers and blocks, never text. */
export const MESSAGES_FILE = 'messages.json'
/** At start, how many of each author's newest entries are read for profiles and messages. */
const SCAN_PER_AUTHOR = 500
/** Most authors whose message key and name are remembered. */
const MAX_DIRECTORY = 20_000

interface Known {
  seq: number
  name: string
  dmKey?: Uint8Array
}

export interface BoxMessagesInit {
  dataDir: string
  store: FeedStore
  people: BoxMembers
  logger: Logger
  /** the daemon's one authoring path */
  author: (body: KnownBody, signer: Signer) => Promise<StoredEntry>
}

/**
 * A box's private messages (@kiez/messages): the members' inbox fed by
 * every `message` entry the store takes, a directory of authors' names and
 * message keys from the profiles it sees, and sending as a member.
 */
export class BoxMessages implements MessageControlApi {
  readonly inbox: Inbox
  private readers: Array<{ author: Uint8Array, name: string, keys: DmKeyPair }> = []
  private readonly known = new Map<string, Known>()
  private readonly stops: Array<() => void> = []
  private scan: Promise<void> = Promise.resolve()
  /** takes still writing the inbox: close waits for them, so nothing writes into a data dir after stop */
  private readonly taking = new Set<Promise<void>>()

  constructor (private readonly init: BoxMessagesInit) {
    const file = join(init.dataDir, MESSAGES_FILE)
    this.inbox = new Inbox({
      readers: () => this.readers,
      payloadOf: async (hash) => (await init.store.get(hash))?.body,
      load: async () => await readFile(file).catch(() => undefined),
      save: async (bytes) => await writeFileAtomic(file, bytes, 0o600)
    })
  }

  async start (): Promise<void> {
    await this.inbox.start()
    await this.refresh()
    // members made before messages existed: their profile gains the key now
    await this.init.people.publishMissingDmKeys().catch((err: unknown) => {
      this.init.logger.warn({ err }, 'could not publish the members\' message keys')
    })
    const { store, people } = this.init
    const take = (e: StoredEntry): void => {
      this.note(e)
      const t = this.take(e).finally(() => this.taking.delete(t))
      this.taking.add(t)
    }
    this.stops.push(store.onEntry((e) => take(e)))
    this.stops.push(store.onPayload((e) => take(e)))
    this.stops.push(
      people.gateway().onChange?.(() => {
        void this.refresh().catch((err: unknown) =>
          this.init.logger.warn({ err }, 'could not read the members\' message keys')
        )
      }) ?? (() => {})
    )
    // what arrived while this version was not running: the newest entries of every author, in the background
    this.scan = this.scanStore().catch((err: unknown) => {
      this.init.logger.warn({ err }, 'could not read the store for messages; new ones are still taken')
    })
  }

  async close (): Promise<void> {
    for (const s of this.stops.splice(0)) s()
    await this.scan
    await Promise.all(this.taking)
  }

  private async refresh (): Promise<void> {
    this.readers = await this.init.people.dmReaders()
  }

  private async take (e: StoredEntry): Promise<void> {
    try {
      if (e.body?.type === 'message') await this.inbox.ingest(e)
      else if (e.body?.type === 'delete') await this.inbox.forget(e.body.target)
    } catch (err) {
      this.init.logger.warn({ err }, 'could not index a message')
    }
  }

  /** Remembers an author's newest profile: name and message key. */
  private note (e: StoredEntry): void {
    if (e.body?.type !== 'profile') return
    const k = hex(e.author)
    const was = this.known.get(k)
    if (was !== undefined && was.seq > e.seq) return
    if (was === undefined && this.known.size >= MAX_DIRECTORY) {
      this.known.delete(this.known.keys().next().value as string)
    }
    this.known.set(k, { seq: e.seq, name: e.body.name, ...(e.body.dmKey ? { dmKey: e.body.dmKey } : {}) })
  }

  private async scanStore (): Promise<void> {
    const { store } = this.init
    for (const h of store.heads()) {
      if (this.stops.length === 0) return // closed
      const from = Math.max(1, h.seq - SCAN_PER_AUTHOR + 1)
      for (const e of await store.range(h.author, from, h.seq, { maxEntries: SCAN_PER_AUTHOR })) {
        this.note(e)
        await this.take(e)
      }
    }
  }

  // ---- who -------------------------------------------------------------------

  /** The member `as` names (the CLI): as BoxMembers.signerNamed, and a member, not the box. */
  private async memberNamed (as: string | undefined): Promise<Signer> {
    const signer = await this.init.people.signerNamed(as)
    if (!this.init.people.isMember(signer.publicKey)) {
      throw new ApiError(
        400,
        'member_required',
        'messages are written and read by members: add one with `kiez member add`'
      )
    }
    return signer
  }

  /**
   * A recipient as a user gives it: an author id, or a name: a member of this
   * box, or a display name of a profile this box has seen.
   */
  resolve (text: string): Uint8Array {
    const id = parseAuthorId(text)
    if (id !== undefined) return id
    const want = text.trim().toLowerCase()
    const found = new Map<string, Uint8Array>()
    for (const r of this.readers) if (r.name.toLowerCase() === want) found.set(hex(r.author), r.author)
    for (const [k, v] of this.known) if (v.name.toLowerCase() === want) found.set(k, Buffer.from(k, 'hex'))
    if (found.size === 0) {
      throw new ApiError(
        404,
        'unknown_recipient',
        `no author called ${JSON.stringify(text)} is known here: give their author id`
      )
    }
    if (found.size > 1) {
      throw new ApiError(
        409,
        'ambiguous_recipient',
        `${found.size} authors are called ${JSON.stringify(text)}: give the author id (${
          [...found.values()].map(authorName).join(', ')
        })`
      )
    }
    return [...found.values()][0] as Uint8Array
  }

  /** An author's message key: a member's own, else their newest profile's (read from the store if not seen yet). */
  private async dmKeyOf (author: Uint8Array): Promise<Uint8Array> {
    const mine = this.readers.find((r) => equal(r.author, author))
    if (mine !== undefined) return mine.keys.publicKey
    let k = this.known.get(hex(author))
    if (k === undefined) {
      const head = this.init.store.head(author)?.seq ?? 0
      if (head > 0) {
        const from = Math.max(1, head - SCAN_PER_AUTHOR + 1)
        for (const e of await this.init.store.range(author, from, head, { maxEntries: SCAN_PER_AUTHOR })) this.note(e)
      }
      k = this.known.get(hex(author))
    }
    if (k?.dmKey === undefined) {
      throw new ApiError(
        409,
        'no_message_key',
        `${authorName(author)} publishes no message key (their box is older, or their profile has not arrived yet)`
      )
    }
    return k.dmKey
  }

  private nameOf (author: Uint8Array): string | undefined {
    return this.readers.find((r) => equal(r.author, author))?.name ?? this.known.get(hex(author))?.name
  }

  // ---- for both faces, by member key -----------------------------------------

  async sendAs (signer: Signer, to: string[], text: string): Promise<SentJson> {
    await this.refresh()
    const authors = to.map((t) => this.resolve(t))
    const unique = [...new Map(authors.map((a) => [hex(a), a])).values()]
    const keys = [
      ...await Promise.all(unique.map(async (a) => await this.dmKeyOf(a))),
      await this.dmKeyOf(signer.publicKey)
    ]
    let envelope: Uint8Array
    try {
      envelope = seal({ from: signer.publicKey, to: unique, keys, text })
    } catch (err) {
      if (err instanceof MessageError) throw new ApiError(400, err.code, err.message)
      throw err
    }
    const e = await this.init.author({ type: 'message', envelope }, signer)
    await this.inbox.ingest(e)
    return { id: entryId(e.hash), seq: e.seq, timestamp: e.timestamp, to: unique.map(authorName) }
  }

  conversationsOf (member: Uint8Array): ConversationsJson {
    const list = this.inbox.conversations(member).map((c) => this.conversationJson(c))
    return { member: authorName(member), unread: list.reduce((n, c) => n + c.unread, 0), conversations: list }
  }

  async conversationOf (member: Uint8Array, peerText: string, markRead = true): Promise<ConversationViewJson> {
    const peer = this.resolve(peerText)
    const messages = await this.inbox.conversation(member, peer)
    if (markRead) await this.inbox.markRead(member, peer)
    const name = this.nameOf(peer)
    return {
      member: authorName(member),
      peer: authorName(peer),
      ...(name !== undefined ? { name } : {}),
      messages: messages.map(messageJson)
    }
  }

  async blockFor (
    member: Uint8Array,
    authorText: string,
    blocked: boolean
  ): Promise<{ author: string, blocked: boolean }> {
    const a = this.resolve(authorText)
    await this.inbox.block(member, a, blocked)
    return { author: authorName(a), blocked }
  }

  /** Calls `fn` with the member's key (hex) and the message, for each new message a member can read. */
  onMessage (fn: (member: string, m: MessageJson) => void): () => void {
    return this.inbox.onMessage((member, m) => fn(member, messageJson(m)))
  }

  private conversationJson (c: Conversation): ConversationJson {
    const peer = Buffer.from(c.peer, 'hex')
    const name = this.nameOf(peer)
    return {
      peer: authorName(peer),
      ...(name !== undefined ? { name } : {}),
      lastAt: c.lastAt,
      lastOut: c.lastOut,
      unread: c.unread,
      count: c.count
    }
  }

  /** The web gateway's face: the session's current member's messages (/api/v1/messages). */
  gateway (): GatewayMessages {
    return {
      conversations: (member) => this.conversationsOf(member),
      conversation: async (member, peer, markRead) => await this.conversationOf(member, peer, markRead),
      send: async (member, to, text) => await this.sendAs(await this.init.people.signerFor(member), to, text),
      block: async (member, author, blocked) => await this.blockFor(member, author, blocked),
      onMessage: (fn) => this.inbox.onMessage(() => fn())
    }
  }

  // ---- the control API (`kiez dm`) --------------------------------------------

  async send (req: MessageSendRequest): Promise<SentJson> {
    return await this.sendAs(await this.memberNamed(req.as), req.to, req.text)
  }

  async list (as: string | undefined): Promise<ConversationsJson> {
    return this.conversationsOf((await this.memberNamed(as)).publicKey)
  }

  async read (as: string | undefined, peer: string): Promise<ConversationViewJson> {
    return await this.conversationOf((await this.memberNamed(as)).publicKey, peer)
  }

  async block (req: { as?: string, author: string, blocked: boolean }): Promise<{ author: string, blocked: boolean }> {
    return await this.blockFor((await this.memberNamed(req.as)).publicKey, req.author, req.blocked)
  }
}

function messageJson (m: Message): MessageJson {
  return {
    id: entryId(Buffer.from(m.hash, 'hex')),
    from: authorName(Buffer.from(m.from, 'hex')),
    to: m.to.map((t) => authorName(Buffer.from(t, 'hex'))),
    at: m.at,
    out: m.out,
    text: m.text
  }
}

function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}
