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

/** Short one-time codes, handed out through the control socket (`kiez pair`), spent by POST /api/v1/pair. */
export class PairingCodes {
  private codes: Array<{ code: string, expiresAt: number }> = []
  private readonly ttlMs: number
  private readonly maxCodes: number
  private readonly now: () => number

  constructor (init: PairingCodesInit = {}) {
    this.ttlMs = init.ttlMs ?? 10 * 60_000
    this.maxCodes = init.maxCodes ?? 8
    this.now = init.now ?? Date.now
  }

  create (): { code: string, expiresAt: number } {
    let code = ''
    for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]
    const c = { code, expiresAt: this.now() + this.ttlMs }
    this.codes = this.live().slice(-(this.maxCodes - 1))
    this.codes.push(c)
    return c
  }

  /** True once per issued code, within its lifetime. Case and separators are forgiven. */
  redeem (typed: string): boolean {
    const norm = typed.toUpperCase().replace(/[\s-]/g, '')
    this.codes = this.live()
    const i = this.codes.findIndex((c) =>
      c.code.length === norm.length && timingSafeEqual(Buffer.from(c.code), Buffer.from(norm))
    )
    if (i < 0) return false
    this.codes.splice(i, 1)
    return true
  }

  private live (): Array<{ code: string, expiresAt: number }> {
    const now = this.now()
    return this.codes.filter((c) => c.expiresAt > now)
  }
}

interface SessionRecord {
  hash: string
  createdAt: number
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

/**
 * Paired browsers' session tokens. Only SHA-256 hashes are kept, in a 0600
 * JSON file in the data dir: sessions survive a restart, and the file alone
 * does not let anyone in. Bounded; the oldest session goes first.
 */
export class SessionStore {
  private sessions: SessionRecord[] = []
  private writing: Promise<void> = Promise.resolve()

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
        this.sessions = list.filter((s): s is SessionRecord =>
          typeof s?.hash === 'string' && /^[0-9a-f]{64}$/.test(s.hash) && typeof s.createdAt === 'number'
        ).slice(-this.max)
      }
      return { ok: true }
    } catch {
      return { ok: false, reason: 'not JSON' }
    }
  }

  private get max (): number {
    return this.init.maxSessions ?? 64
  }

  /** A new random 256-bit token; the caller hands it to the browser and forgets it. */
  async create (): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    this.sessions.push({ hash: hashToken(token), createdAt: (this.init.now ?? Date.now)() })
    this.sessions = this.sessions.slice(-this.max)
    await this.save()
    return token
  }

  valid (token: string | undefined): boolean {
    if (token === undefined || token.length !== 43) return false
    const h = hashToken(token)
    return this.sessions.some((s) => s.hash === h)
  }

  get size (): number {
    return this.sessions.length
  }

  /** Revokes every session; returns how many there were. */
  async revokeAll (): Promise<number> {
    const n = this.sessions.length
    this.sessions = []
    await this.save()
    return n
  }

  private async save (): Promise<void> {
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
