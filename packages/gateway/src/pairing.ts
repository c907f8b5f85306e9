import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'

/** No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read off a screen is typed right. */
export const CODE_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679'
export const CODE_LENGTH = 8

export interface PairingCodesInit {
  /**
   * How long a pairing code stays valid, in milliseconds.
   *
   * @default 600000 (10 minutes)
   */
  ttlMs?: number
  /**
   * Most codes valid at once (older ones are dropped).
   *
   * @default 8
   */
  maxCodes?: number
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
}

export interface PairingCode {
  code: string
  expiresAt: number
  /** the member (author key, hex) the browser becomes */
  member?: string
}

/** Short one-time codes, handed out through the control socket (`kiez pair`), spent by POST /api/v1/pair. */
export class PairingCodes {
  private codes: PairingCode[] = []
  private readonly ttlMs: number
  private readonly maxCodes: number
  private readonly now: () => number

  constructor (init: PairingCodesInit = {}) {
    this.ttlMs = init.ttlMs ?? 10 * 60_000
    this.maxCodes = init.maxCodes ?? 8
    this.now = init.now ?? Date.now
  }

  /** `member` (a member's author key, hex): the browser that spends the code posts as that member (`kiez pair --member`). */
  create (opts: { member?: string } = {}): PairingCode {
    let code = ''
    for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]
    const c: PairingCode = { code, expiresAt: this.now() + this.ttlMs }
    if (opts.member !== undefined) c.member = opts.member
    this.codes = this.live().slice(-(this.maxCodes - 1))
    this.codes.push(c)
    return c
  }

  /** True once per issued code, within its lifetime. Case and separators are forgiven. */
  redeem (typed: string): boolean {
    return this.take(typed) !== undefined
  }

  /** The code, once, within its lifetime (with the member it is bound to); undefined for a wrong, used or expired one. */
  take (typed: string): PairingCode | undefined {
    const norm = typed.toUpperCase().replace(/[\s-]/g, '')
    this.codes = this.live()
    const i = this.codes.findIndex((c) =>
      c.code.length === norm.length && timingSafeEqual(Buffer.from(c.code), Buffer.from(norm))
    )
    if (i < 0) return undefined
    return this.codes.splice(i, 1)[0]
  }

  private live (): PairingCode[] {
    const now = this.now()
    return this.codes.filter((c) => c.expiresAt > now)
  }
}

/** A paired browser, as `kiez pair --list` shows it. Members are author keys, hex. */
export interface SessionInfo {
  /** a short random id that names the browser (`kiez pair --revoke ID`); not the token */
  id: string
  createdAt: number
  lastSeenAt: number
  /** the members this browser may post as, oldest first */
  members: string[]
  /** the member it posts as now; one of `members` */
  current?: string
}

interface SessionRecord extends SessionInfo {
  hash: string
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')
const HEX_KEY = /^[0-9a-f]{64}$/
const SESSION_ID = /^[0-9a-f]{16}$/
/** Members one browser may hold; adding one more drops the oldest it is not posting as. */
export const MAX_SESSION_MEMBERS = 16
/** A browser's last-seen time reaches the disk at most this often: reading the page is no disk write. */
const SEEN_SAVE_MS = 10 * 60_000

const newId = (): string => randomBytes(8).toString('hex')

function copy (s: SessionRecord): SessionInfo {
  const out: SessionInfo = { id: s.id, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, members: [...s.members] }
  if (s.current !== undefined) out.current = s.current
  return out
}

/** A record from the sessions file, or undefined; a file from before members (no id, no members) still loads. */
function asRecord (x: unknown): SessionRecord | undefined {
  if (typeof x !== 'object' || x === null) return undefined
  const s = x as Record<string, unknown>
  if (typeof s.hash !== 'string' || !/^[0-9a-f]{64}$/.test(s.hash) || typeof s.createdAt !== 'number') return undefined
  const members = Array.isArray(s.members)
    ? [...new Set(s.members.filter((m): m is string => typeof m === 'string' && HEX_KEY.test(m)))].slice(
      -MAX_SESSION_MEMBERS
    )
    : []
  const r: SessionRecord = {
    hash: s.hash,
    id: typeof s.id === 'string' && SESSION_ID.test(s.id) ? s.id : newId(),
    createdAt: s.createdAt,
    lastSeenAt: typeof s.lastSeenAt === 'number' ? s.lastSeenAt : s.createdAt,
    members
  }
  if (typeof s.current === 'string' && members.includes(s.current)) r.current = s.current
  return r
}

/**
 * Paired browsers' sessions: which members each may post as, and which it
 * posts as now. Only SHA-256 hashes of the tokens are kept, in a 0600 JSON
 * file in the data dir: sessions survive a restart, and the file alone does
 * not let anyone in. Bounded; the oldest session goes first.
 */
export class SessionStore {
  private sessions: SessionRecord[] = []
  private writing: Promise<void> = Promise.resolve()
  private savedAt = 0

  constructor (private readonly init: { path?: string, maxSessions?: number, now?: () => number }) {}

  /** Reads the sessions file; a missing or unreadable one means no sessions (browsers pair again), never a failed start. */
  async load (): Promise<{ ok: boolean, reason?: string }> {
    if (this.init.path === undefined) return { ok: true }
    let text: string
    try {
      text = await readFile(this.init.path, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      return code === 'ENOENT' ? { ok: true } : { ok: false, reason: code ?? String(err) }
    }
    try {
      const parsed: unknown = JSON.parse(text)
      const list = (parsed as { sessions?: unknown }).sessions
      if (Array.isArray(list)) {
        // a file from before browsers had ids gets them now, and keeps them (`kiez pair --revoke ID` after a restart)
        const renamed = list.some((s) => typeof (s as { id?: unknown })?.id !== 'string')
        const seen = new Set<string>()
        this.sessions = list.map(asRecord).filter((s): s is SessionRecord => {
          if (s === undefined || seen.has(s.id)) return false
          seen.add(s.id)
          return true
        }).slice(-this.max)
        if (renamed) await this.save().catch(() => {})
      }
      return { ok: true }
    } catch {
      return { ok: false, reason: 'not JSON' }
    }
  }

  private get max (): number {
    return this.init.maxSessions ?? 64
  }

  private now (): number {
    return (this.init.now ?? Date.now)()
  }

  /**
   * A new random 256-bit token; the caller hands it to the browser and forgets it.
   * With `member` (author key, hex), the browser posts as that member.
   */
  async create (opts: { member?: string } = {}): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    const now = this.now()
    const r: SessionRecord = { hash: hashToken(token), id: newId(), createdAt: now, lastSeenAt: now, members: [] }
    if (opts.member !== undefined && HEX_KEY.test(opts.member)) {
      r.members.push(opts.member)
      r.current = opts.member
    }
    this.sessions.push(r)
    this.sessions = this.sessions.slice(-this.max)
    await this.save()
    return token
  }

  private find (token: string | undefined): SessionRecord | undefined {
    if (token === undefined || token.length !== 43) return undefined
    const h = hashToken(token)
    return this.sessions.find((s) => s.hash === h)
  }

  valid (token: string | undefined): boolean {
    return this.find(token) !== undefined
  }

  /** The browser's session (a copy); notes that it was seen now. */
  get (token: string | undefined): SessionInfo | undefined {
    const s = this.find(token)
    if (s === undefined) return undefined
    s.lastSeenAt = this.now()
    if (s.lastSeenAt - this.savedAt > SEEN_SAVE_MS) void this.save().catch(() => {})
    return copy(s)
  }

  /** Binds a member to the browser and posts as it from now on; false when the session is gone. */
  async addMember (token: string | undefined, member: string): Promise<boolean> {
    const s = this.find(token)
    if (s === undefined || !HEX_KEY.test(member)) return false
    if (!s.members.includes(member)) {
      s.members.push(member)
      while (s.members.length > MAX_SESSION_MEMBERS) {
        const i = s.members.findIndex((m) => m !== member && m !== s.current)
        s.members.splice(i, 1)
      }
    }
    s.current = member
    await this.save()
    return true
  }

  /** Posts as another of the browser's members; false when it holds no such member. */
  async setCurrent (token: string | undefined, member: string): Promise<boolean> {
    const s = this.find(token)
    if (s === undefined || !s.members.includes(member)) return false
    if (s.current !== member) {
      s.current = member
      await this.save()
    }
    return true
  }

  /** Every paired browser, oldest first. */
  list (): SessionInfo[] {
    return this.sessions.map(copy)
  }

  get size (): number {
    return this.sessions.length
  }

  /** Ends one browser's session (`kiez pair --revoke ID`); false when there is none with that id. */
  async revoke (id: string): Promise<boolean> {
    const n = this.sessions.length
    this.sessions = this.sessions.filter((s) => s.id !== id)
    if (this.sessions.length === n) return false
    await this.save()
    return true
  }

  /** Ends the session of the browser holding `token` (log out this browser). */
  async revokeToken (token: string | undefined): Promise<boolean> {
    const s = this.find(token)
    return s !== undefined && await this.revoke(s.id)
  }

  /** Revokes every session; returns how many there were. */
  async revokeAll (): Promise<number> {
    const n = this.sessions.length
    this.sessions = []
    await this.save()
    return n
  }

  private async save (): Promise<void> {
    this.savedAt = this.now()
    const path = this.init.path
    if (path === undefined) return
    const text = JSON.stringify({ sessions: this.sessions }) + '\n'
    // serialised, and atomic by rename: a crash leaves the old file or the new one
    this.writing = this.writing.catch(() => {}).then(async () => {
      await writeFile(`${path}.tmp`, text, { mode: 0o600 })
      await rename(`${path}.tmp`, path)
    })
    await this.writing
  }
}

/** The session cookie's value from a Cookie header. */
export function sessionCookie (header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}
