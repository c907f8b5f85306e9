import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { MAX_BLOB_BYTES, sha256 } from '@kiez/feed'
import { TEMP_SUFFIX, writeFileAtomic } from '@kiez/store'

export type BlobErrorCode = 'blob_too_large' | 'blob_hash_mismatch' | 'blob_empty'

export class BlobError extends Error {
  constructor (readonly code: BlobErrorCode, message: string) {
    super(message)
    this.name = 'BlobError'
  }
}

/** Blobs younger than this are evicted last (a new post's images stay while it is news). */
export const BLOB_FRESH_MS = 7 * 24 * 60 * 60 * 1000

export interface BlobStoreOptions {
  /** the directory (created): <data dir>/blobs */
  dir: string
  /** the blobs' share of the storage budget, in bytes (the daemon gives half the budget by default) */
  budgetBytes: number
  /** whether a blob belongs to one of the box's own members (their posts' images are evicted last) */
  isOwn?: (hash: Uint8Array) => boolean
  now?: () => number
}

export interface BlobStats {
  count: number
  bytes: number
  budgetBytes: number
  evicted: number
}

interface Meta {
  bytes: number
  storedAt: number
  viewedAt: number
}

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex')
const HEX_NAME = /^[0-9a-f]{64}$/

export class BlobStore {
  private readonly index = new Map<string, Meta>()
  private total = 0
  private evicted = 0
  private readonly now: () => number

  private constructor (private readonly opts: BlobStoreOptions) {
    this.now = opts.now ?? Date.now
  }

  /** Opens (and creates) the directory, removing temp files a crash left, and indexes what is there. */
  static async open (opts: BlobStoreOptions): Promise<BlobStore> {
    const s = new BlobStore(opts)
    await mkdir(opts.dir, { recursive: true, mode: 0o700 })
    for (const name of await readdir(opts.dir)) {
      const path = join(opts.dir, name)
      if (name.endsWith(TEMP_SUFFIX)) {
        await unlink(path).catch(() => {})
        continue
      }
      if (!HEX_NAME.test(name)) continue
      const st = await stat(path)
      s.index.set(name, { bytes: st.size, storedAt: st.mtimeMs, viewedAt: st.mtimeMs })
      s.total += st.size
    }
    return s
  }

  has (hash: Uint8Array): boolean {
    return this.index.has(hex(hash))
  }

  /** The blobs held, by hex hash, with when each was stored (ms). */
  held (): Array<{ hash: string, storedAt: number }> {
    return [...this.index].map(([hash, m]) => ({ hash, storedAt: m.storedAt }))
  }

  /** Stores `bytes` as the blob `hash`; refuses bytes of another hash or over 1 MiB. Evicts to the budget. */
  async put (hash: Uint8Array, bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength === 0) throw new BlobError('blob_empty', 'a blob must not be empty')
    if (bytes.byteLength > MAX_BLOB_BYTES) {
      throw new BlobError('blob_too_large', `blob is ${bytes.byteLength} bytes, over ${MAX_BLOB_BYTES}`)
    }
    if (Buffer.compare(sha256(bytes), hash) !== 0) {
      throw new BlobError('blob_hash_mismatch', 'blob bytes do not match their hash')
    }
    const key = hex(hash)
    if (this.index.has(key)) return
    await writeFileAtomic(join(this.opts.dir, key), bytes, 0o600)
    const t = this.now()
    this.index.set(key, { bytes: bytes.byteLength, storedAt: t, viewedAt: t })
    this.total += bytes.byteLength
    await this.evict(key)
  }

  /** The blob's bytes, or undefined; counts as a view (eviction order). */
  async get (hash: Uint8Array): Promise<Uint8Array | undefined> {
    const key = hex(hash)
    const m = this.index.get(key)
    if (m === undefined) return undefined
    try {
      const bytes = await readFile(join(this.opts.dir, key))
      m.viewedAt = this.now()
      return bytes
    } catch {
      this.forget(key)
      return undefined
    }
  }

  /** Drops a blob (its entry was deleted). */
  async drop (hash: Uint8Array): Promise<void> {
    const key = hex(hash)
    if (!this.index.has(key)) return
    this.forget(key)
    await unlink(join(this.opts.dir, key)).catch(() => {})
  }

  stats (): BlobStats {
    return { count: this.index.size, bytes: this.total, budgetBytes: this.opts.budgetBytes, evicted: this.evicted }
  }

  private forget (key: string): void {
    const m = this.index.get(key)
    if (m === undefined) return
    this.index.delete(key)
    this.total -= m.bytes
  }

  /** Over the budget: least recently viewed first; own members' and fresh blobs after all others. */
  private async evict (keep: string): Promise<void> {
    if (this.total <= this.opts.budgetBytes) return
    const now = this.now()
    const isOwn = this.opts.isOwn ?? (() => false)
    const rank = (key: string, m: Meta): number =>
      isOwn(Buffer.from(key, 'hex')) || now - m.storedAt < BLOB_FRESH_MS ? 1 : 0
    const order = [...this.index.entries()]
      .filter(([k]) => k !== keep)
      .sort(([ka, a], [kb, b]) => rank(ka, a) - rank(kb, b) || a.viewedAt - b.viewedAt)
    for (const [key] of order) {
      if (this.total <= this.opts.budgetBytes) break
      this.forget(key)
      this.evicted++
      await unlink(join(this.opts.dir, key)).catch(() => {})
    }
  }
}
