/**
 * The control API's members part (`kiez member …`, issue 14): JSON shapes and
 * the client calls (the routes and schemas are in member-routes.ts). The
 * daemon implements MemberControlApi over @kiez/members (../members.ts).
 */

/** One of the household's people on this box. */
export interface MemberJson {
  name: string
  /** the member's author id as a peer id (12D3KooW…), as the feed's `author` names them */
  author: string
  /** the member's raw ed25519 public key, hex (the feed's `authorKey`) */
  authorKey: string
  /** created here, or imported with a recovery phrase */
  origin: 'created' | 'imported'
  /** when this box added or imported the member, ms since the epoch */
  addedAt: number
  /** the member's posts are held until their feed is learned from a neighbour (`kiez member override` releases) */
  held?: true
}

export interface MembersJson {
  members: MemberJson[]
}

/** `kiez member export`: the member and their key as 24 words. Whoever reads the phrase can post as them. */
export interface MemberExportJson extends MemberJson {
  phrase: string
}

/** `kiez member override`: whether the member was held and is released now. */
export interface MemberOverrideJson extends MemberJson {
  released: boolean
}

export interface MemberControlApi {
  list(): Promise<MembersJson>
  /** the member of this name, compared as the box compares names (without case); 404 member_not_found */
  get(name: string): Promise<MemberJson>
  add(name: string): Promise<MemberJson>
  remove(name: string): Promise<MemberJson>
  rename(oldName: string, newName: string): Promise<MemberJson>
  exportPhrase(name: string): Promise<MemberExportJson>
  import(name: string, phrase: string): Promise<MemberJson>
  override(name: string): Promise<MemberOverrideJson>
}

/** What a control client calls; `call` is ControlClient's. */
export type MemberCall = <T>(method: string, path: string, body?: unknown) => Promise<T>

/** The client side of the routes in member-routes.ts. */
export function memberClient (call: MemberCall): MemberControlApi {
  const n = (name: string): string => encodeURIComponent(name)
  return {
    list: async () => await call('GET', '/members'),
    get: async (name) => await call('GET', `/members/${n(name)}`),
    add: async (name) => await call('POST', '/members', { name }),
    remove: async (name) => await call('DELETE', `/members/${n(name)}`),
    rename: async (oldName, newName) => await call('PUT', `/members/${n(oldName)}`, { name: newName }),
    exportPhrase: async (name) => await call('POST', `/members/${n(name)}/export`),
    import: async (name, phrase) => await call('POST', '/members/import', { name, phrase }),
    override: async (name) => await call('POST', `/members/${n(name)}/override`)
  }
}
