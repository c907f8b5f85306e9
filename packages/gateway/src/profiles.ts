import type { Entry } from '@kiez/feed'
import type { FeedReader } from './types.js'

export interface ProfileNamesInit {
  /**
   * Most authors remembered (the oldest looked-up are forgotten first).
   *
   * @default 10000
   */
  maxAuthors?: number
  /**
   * Most entries of one author scanned for a profile on first sight.
   *
   * @default 5000
   */
  maxScan?: number
}

/**
 * Display names: the latest `profile` entry per author. The store has no
 * profile index, so an author's log is scanned once (bounded) on first sight;
 * after that new profile entries keep the cache current.
 */
export class ProfileNames {
  private readonly names = new Map<string, { seq: number, name: string | undefined }>()
  private readonly maxAuthors: number
  private readonly maxScan: number
  private readonly scans = new Map<string, Promise<string | undefined>>()

  constructor (private readonly feed: FeedReader, init: ProfileNamesInit = {}) {
    this.maxAuthors = init.maxAuthors ?? 10_000
    this.maxScan = init.maxScan ?? 5_000
  }

  /** Called for every stored entry. */
  note (e: Entry): void {
    if (e.body?.type !== 'profile') return
    const key = Buffer.from(e.author).toString('hex')
    const known = this.names.get(key)
    if (known === undefined || known.seq <= e.seq) this.set(key, { seq: e.seq, name: e.body.name })
  }

  /** The name if already known, without touching the store (for the event stream, which must not wait). */
  cached (author: Uint8Array): string | undefined {
    return this.names.get(Buffer.from(author).toString('hex'))?.name
  }

  async nameOf (author: Uint8Array): Promise<string | undefined> {
    const key = Buffer.from(author).toString('hex')
    const known = this.names.get(key)
    if (known !== undefined) return known.name
    // one scan per author, however many requests ask at once
    let scan = this.scans.get(key)
    if (scan === undefined) {
      scan = this.scan(author, key).finally(() => this.scans.delete(key))
      this.scans.set(key, scan)
    }
    return await scan
  }

  private async scan (author: Uint8Array, key: string): Promise<string | undefined> {
    const head = this.feed.head(author)?.seq ?? 0
    let found: { seq: number, name: string | undefined } = { seq: 0, name: undefined }
    const from = Math.max(1, head - this.maxScan + 1)
    for (let at = from; at <= head;) {
      const page = await this.feed.range(author, at, head, { maxEntries: 500 })
      if (page.length === 0) break
      for (const e of page) if (e.body?.type === 'profile') found = { seq: e.seq, name: e.body.name }
      at = (page[page.length - 1]?.seq ?? head) + 1
    }
    const now = this.names.get(key)
    // a profile may have arrived while we scanned
    if (now === undefined || now.seq < found.seq) this.set(key, found)
    return this.names.get(key)?.name
  }

  private set (key: string, v: { seq: number, name: string | undefined }): void {
    this.names.delete(key)
    if (this.names.size >= this.maxAuthors) this.names.delete(this.names.keys().next().value as string)
    this.names.set(key, v)
  }
}
