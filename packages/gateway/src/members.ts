import { peerIdOf } from './entry-json.js'
import { GatewayError } from './errors.js'
import type { SessionInfo } from './pairing.js'
import type { GatewayMembers } from './types.js'

/** A member as the API shows it: the name, the author as a peer id (as entries' `author`), and the raw key. */
export interface MemberJson {
  name: string
  author: string
  /** the member's ed25519 key, hex (entries' `authorKey`) */
  authorKey: string
}

/** What `GET /api/v1/session` says about a paired browser's people. */
export interface SessionMembersJson {
  /** this browser's members that the box still holds */
  members?: MemberJson[]
  /** the author (peer id) of the member it posts as */
  current?: string
  /** the box has member support but no members yet: the page asks for a name */
  firstMember?: true
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export function memberJson (m: { name: string, author: Uint8Array }): MemberJson {
  return { name: m.name, author: peerIdOf(m.author), authorKey: hex(m.author) }
}

/**
 * Who a browser posts as. The session holds member keys (hex); the box's
 * member list is the truth: a member removed on the box is gone from every
 * browser that held it, without touching the sessions file.
 */
export class MemberSessions {
  constructor (private readonly members: GatewayMembers | undefined) {}

  get supported (): boolean {
    return this.members !== undefined
  }

  /** The box's members, in its order. */
  all (): MemberJson[] {
    return (this.members?.list() ?? []).map(memberJson)
  }

  /** The session's people as GET /session shows them. */
  view (session: SessionInfo | undefined): SessionMembersJson {
    if (this.members === undefined) return {}
    const list = this.members.list()
    const out: SessionMembersJson = {}
    if (list.length === 0) out.firstMember = true
    if (session === undefined) return out
    const byKey = new Map(list.map((m) => [hex(m.author), m]))
    out.members = session.members.flatMap((k) => {
      const m = byKey.get(k)
      return m === undefined ? [] : [memberJson(m)]
    })
    const current = session.current === undefined ? undefined : byKey.get(session.current)
    if (current !== undefined) out.current = peerIdOf(current.author)
    return out
  }

  /** A member of the box by author (peer id or hex key), or undefined. */
  find (author: string): { name: string, author: Uint8Array } | undefined {
    const a = author.toLowerCase()
    return this.members?.list().find((m) => peerIdOf(m.author) === author || hex(m.author) === a)
  }

  /**
   * The key a browser's post, edit, delete or profile is signed with: its
   * current member; none (the box signs) on a box without members, exactly as
   * before members existed. A browser with no member on a box that has some
   * must choose one first: the box's key never signs people's posts.
   */
  postingAs (session: SessionInfo | undefined): Uint8Array | undefined {
    if (this.members === undefined) return undefined
    const list = this.members.list()
    if (list.length === 0) return undefined
    const current = session?.current === undefined ? undefined : list.find((m) => hex(m.author) === session.current)
    if (current === undefined) {
      throw new GatewayError(
        403,
        'member_required',
        'this browser posts as none of the box\'s members: choose "I am new here", or pair it with `kiez pair --member NAME`'
      )
    }
    return current.author
  }

  async add (name: string): Promise<{ name: string, author: Uint8Array }> {
    if (this.members === undefined) {
      throw new GatewayError(404, 'not_found', 'this box has no member support: it posts as itself')
    }
    return await this.members.add(name)
  }
}

export { hex as memberKeyHex }
