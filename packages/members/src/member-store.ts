import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { MAX_HOUSEHOLD_MEMBERS, signerFromSeed, type Signer } from '@kiez/feed'
import { MemberError } from './errors.js'
import { syncDir, TEMP_SUFFIX, writeFileAtomic } from './files.js'
import { checkName, nameKey } from './names.js'
import { phraseFromSeed, seedFromPhrase } from './recovery.js'

/** The folder of the data dir that holds the members (packages/daemon's DATA_DIR_FILES will name it). */
export const MEMBERS_DIR = 'members'
/** The list of members; each key is in `<author hex>.key` beside it. */
export const INDEX_FILE = 'index.json'
const INDEX_VERSION = 1
const KEY_FILE = /^([0-9a-f]{64})\.key$/

/** How a member's key came to this box: made here, or brought with a recovery phrase (member-guard.ts). */
export type MemberOrigin = 'created' | 'imported'

export interface Member {
  /** 1 … 64 characters, unique on this box without regard to case (names.ts) */
  readonly name: string
  /** the member's ed25519 public key: their author id in the mesh */
  readonly author: Uint8Array
  readonly origin: MemberOrigin
  /** when this box added or imported the member, ms since the epoch */
  readonly addedAt: number
}

export interface MemberStoreInit {
  /**
   * The box's data dir; the members live in its `members` folder, made 0700 if missing.
   *
   * @default none (required)
   */
  dataDir: string
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
  /**
   * The box's own author key (its identity): never imported as a member, so
   * that one key has one self-fork guard and signs either for the box or for a
   * person, not both.
   *
   * @default none (not checked)
   */
  boxAuthor?: Uint8Array
}

interface IndexRecord {
  name: string
  author: string
  origin: MemberOrigin
  addedAt: number
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/**
 * The members of this box, in `<dataDir>/members`: `index.json` (names,
 * authors) and one file per member holding their 32-byte ed25519 seed, mode
 * 0600. Every write is atomic (files.ts), and the order of the writes makes
 * every crash harmless: a key file is written before the index names it and
 * deleted after the index stops naming it, so the index never names a missing
 * key; a key file the index does not name (a crashed add, import or remove)
 * and a temp file are removed at the next open. One writer: operations queue.
 */
export class MemberStore {
  private members: Member[] = []
  private readonly signers = new Map<string, Signer>()
  private queue: Promise<unknown> = Promise.resolve()

  private constructor (
    readonly dir: string,
    private readonly now: () => number,
    private readonly boxAuthor: Uint8Array | undefined
  ) {}

  static async open (init: MemberStoreInit): Promise<MemberStore> {
    const store = new MemberStore(join(init.dataDir, MEMBERS_DIR), init.now ?? Date.now, init.boxAuthor)
    await io(`cannot create ${store.dir}`, async () => await mkdir(store.dir, { recursive: true, mode: 0o700 }))
    const names = await io(`cannot list ${store.dir}`, async () => await readdir(store.dir))
    const index = join(store.dir, INDEX_FILE)
    if (!names.includes(INDEX_FILE)) {
      // Written before the first key file can be, so a missing index beside key files is damage, not a crash.
      if (names.some((n) => KEY_FILE.test(n))) {
        throw new MemberError(
          'corrupt',
          `${index} is missing but ${store.dir} holds member keys: restore it from a backup`
        )
      }
      await store.writeIndex([])
    } else {
      store.members = parseIndex(await io(`cannot read ${index}`, async () => await readFile(index, 'utf8')), index)
    }
    await store.sweep(names)
    return store
  }

  /** The members in the order they were added. */
  list (): Member[] {
    return [...this.members]
  }

  /** The member of this name (compared without case), or undefined. */
  find (name: string): Member | undefined {
    const key = nameKey(typeof name === 'string' ? name.normalize('NFC') : '')
    return this.members.find((m) => nameKey(m.name) === key)
  }

  /** The member of this name (compared without case); `no_such_member` if none. */
  get (name: string): Member {
    const m = this.find(name)
    if (m === undefined) throw new MemberError('no_such_member', `this box has no member called "${String(name)}"`)
    return m
  }

  /** The member whose author key this is, or undefined. */
  byAuthor (author: Uint8Array): Member | undefined {
    const h = hex(author)
    return this.members.find((m) => hex(m.author) === h)
  }

  /** Signs as the member: the key is read from its file once and checked against the index. */
  async signer (name: string): Promise<Signer> {
    const m = this.get(name)
    const h = hex(m.author)
    const cached = this.signers.get(h)
    if (cached !== undefined) return cached
    const signer = signerFromSeed(await this.readSeed(m))
    this.signers.set(h, signer)
    return signer
  }

  /** A new member with a new random key. */
  async add (name: string): Promise<Member> {
    return await this.serial(async () => await this.insert(name, randomBytes(32), 'created'))
  }

  /**
   * A key derived from a member's seed by `derive` (their X25519 key for
   * private messages): the seed itself never leaves this store.
   */
  async derived<T> (name: string, derive: (seed: Uint8Array) => T): Promise<T> {
    const m = this.get(name)
    return derive(await this.readSeed(m))
  }

  /** A member who brings their key: the seed itself, or its 24-word recovery phrase (recovery.ts). */
  async import (name: string, key: Uint8Array | string): Promise<Member> {
    const seed = typeof key === 'string' ? seedFromPhrase(key) : key
    if (!(seed instanceof Uint8Array) || seed.byteLength !== 32) {
      throw new MemberError('bad_phrase', 'an imported key is a 32-byte ed25519 seed or a 24-word phrase')
    }
    return await this.serial(async () => await this.insert(name, seed, 'imported'))
  }

  /** The member's key as a 24-word recovery phrase. Whoever reads it can post as the member. */
  async exportPhrase (name: string): Promise<string> {
    return phraseFromSeed(await this.readSeed(this.get(name)))
  }

  /**
   * Removes the member and deletes their key file: this box can no longer post
   * as them. Their entries stay in the mesh, signed as they were.
   */
  async remove (name: string): Promise<Member> {
    return await this.serial(async () => {
      const m = this.get(name)
      await this.writeIndex(this.members.filter((x) => x !== m))
      this.members = this.members.filter((x) => x !== m)
      this.signers.delete(hex(m.author))
      const file = this.keyPath(m.author)
      await io(`cannot delete ${file}`, async () => {
        await unlink(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err
        })
        await syncDir(this.dir)
      })
      return m
    })
  }

  /** Gives the member another name; their key and author id stay. Only a change of case is allowed to collide. */
  async rename (oldName: string, newName: string): Promise<Member> {
    return await this.serial(async () => {
      const m = this.get(oldName)
      const name = checkName(newName)
      const other = this.find(name)
      if (other !== undefined && other !== m) {
        throw new MemberError('member_exists', `this box already has a member called "${other.name}"`)
      }
      const renamed: Member = { ...m, name }
      const next = this.members.map((x) => x === m ? renamed : x)
      await this.writeIndex(next)
      this.members = next
      return renamed
    })
  }

  private async insert (rawName: string, seed: Uint8Array, origin: MemberOrigin): Promise<Member> {
    const name = checkName(rawName)
    const existing = this.find(name)
    if (existing !== undefined) {
      throw new MemberError('member_exists', `this box already has a member called "${existing.name}"`)
    }
    const signer = signerFromSeed(seed)
    const same = this.byAuthor(signer.publicKey)
    if (same !== undefined) throw new MemberError('author_exists', `this key is already the member "${same.name}"`)
    if (this.boxAuthor !== undefined && hex(this.boxAuthor) === hex(signer.publicKey)) {
      throw new MemberError('author_exists', 'this key is the box\'s own: it signs for the box, not for a member')
    }
    if (this.members.length >= MAX_HOUSEHOLD_MEMBERS) {
      throw new MemberError('too_many_members', `a box has at most ${MAX_HOUSEHOLD_MEMBERS} members`)
    }
    const member: Member = { name, author: signer.publicKey, origin, addedAt: this.now() }
    // the key before the index: a crash in between leaves a key file nobody names, swept at the next open
    const file = this.keyPath(member.author)
    await io(`cannot write ${file}`, async () => await writeFileAtomic(file, seed, 0o600))
    const next = [...this.members, member]
    await this.writeIndex(next)
    this.members = next
    this.signers.set(hex(member.author), signer)
    return member
  }

  private async readSeed (m: Member): Promise<Uint8Array> {
    const file = this.keyPath(m.author)
    const mode = await io(`cannot read ${file}`, async () => (await stat(file)).mode)
    // as with the box's identity key: refuse a key others can read rather than silently fix it
    if ((mode & 0o077) !== 0) {
      throw new MemberError(
        'key_permissions',
        `${file} has mode ${(mode & 0o777).toString(8)}; it must be 600 (chmod 600 ${file})`
      )
    }
    const seed = await io(`cannot read ${file}`, async () => new Uint8Array(await readFile(file)))
    if (seed.byteLength !== 32 || hex(signerFromSeed(seed).publicKey) !== hex(m.author)) {
      throw new MemberError('corrupt', `${file} does not hold the key of member "${m.name}"`)
    }
    return seed
  }

  /** The file that holds the member's key (mode 0600). */
  keyFile (member: Pick<Member, 'author'>): string {
    return this.keyPath(member.author)
  }

  private keyPath (author: Uint8Array): string {
    return join(this.dir, `${hex(author)}.key`)
  }

  private async writeIndex (members: Member[]): Promise<void> {
    const records: IndexRecord[] = members.map((m) => ({
      name: m.name,
      author: hex(m.author),
      origin: m.origin,
      addedAt: m.addedAt
    }))
    const file = join(this.dir, INDEX_FILE)
    const text = JSON.stringify({ version: INDEX_VERSION, members: records }, null, 2) + '\n'
    await io(`cannot write ${file}`, async () => await writeFileAtomic(file, Buffer.from(text), 0o600))
  }

  /** Removes what a crash left behind: temp files, and key files the index does not name. */
  private async sweep (names: string[]): Promise<void> {
    const named = new Set(this.members.map((m) => hex(m.author)))
    const stale = names.filter((n) => {
      if (n.endsWith(TEMP_SUFFIX)) return true
      const key = KEY_FILE.exec(n)
      return key !== null && !named.has(key[1] as string)
    })
    if (stale.length === 0) return
    await io(`cannot clean up ${this.dir}`, async () => {
      for (const n of stale) await unlink(join(this.dir, n)).catch(() => {})
      await syncDir(this.dir)
    })
  }

  private async serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => {})
    return await run
  }
}

function parseIndex (text: string, file: string): Member[] {
  const bad = (why: string): MemberError => new MemberError('corrupt', `${file} is not a member index: ${why}`)
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new MemberError('corrupt', `${file} is not a member index: not JSON`, { cause: err })
  }
  const doc = v as { version?: unknown, members?: unknown }
  if (doc?.version !== INDEX_VERSION) throw bad(`version ${String(doc?.version)}, expected ${INDEX_VERSION}`)
  if (!Array.isArray(doc.members)) throw bad('no member list')
  return doc.members.map((r: Partial<IndexRecord>, i: number): Member => {
    if (typeof r?.name !== 'string' || typeof r.author !== 'string' || !/^[0-9a-f]{64}$/.test(r.author)) {
      throw bad(`member ${i + 1} has no name or author`)
    }
    return {
      name: r.name,
      author: Uint8Array.from(Buffer.from(r.author, 'hex')),
      origin: r.origin === 'imported' ? 'imported' : 'created',
      addedAt: typeof r.addedAt === 'number' ? r.addedAt : 0
    }
  })
}

/** Runs a file operation, turning a failure into `io_failed` (a MemberError passes through). */
async function io<T> (what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof MemberError) throw err
    throw new MemberError('io_failed', `${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err
    })
  }
}
