import { fallbackText, type Entry } from '@kiez/feed'
import { SearchError } from './errors.js'
import { INDEX_VERSION, termKey, TermIndex } from './term-index.js'
import { lookupPrefix, MIN_PREFIX, prefixes, queryWords, tokens } from './tokens.js'

/** An entry as the store reads it back (@kiez/store's StoredEntry, structurally). */
export type SearchEntry = Entry & { readonly fate?: { reason: string }, readonly editedText?: string }

/** What search reads of the feed store: its public interface, nothing more. */
export interface SearchSource<E extends SearchEntry = SearchEntry> {
  get(hash: Uint8Array): Promise<E | undefined>
  timeline(opts: { limit?: number, before?: string }): Promise<{ entries: E[], next?: string }>
  onEntry(fn: (entry: E) => void): () => void
  /** a payload that came after its entry */
  onPayload?(fn: (entry: E) => void): () => void
  stats(): { entries: number }
}

export interface SearchLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface SearchLimits {
  /** entries waiting to be indexed; beyond it the index notes it is behind and walks the store once the queue drains */
  maxQueue: number
  /** entries per index write */
  batch: number
  /** posting-list seeks one query may take (bounds a query's time on a large box) */
  maxSteps: number
  /** candidates one query may read from the store to check against their current text */
  maxChecks: number
  /** characters in a query */
  maxQueryChars: number
  /** words of a query used (the rest are ignored) */
  maxQueryWords: number
  /** most results one query returns */
  maxResults: number
  /** distinct terms indexed per entry */
  maxTerms: number
  /**
   * Entries a second the store may take in before indexing waits for it to be quiet: a catch-up or a
   * flood is stored at full speed and indexed after it (a person's posts are indexed at once).
   */
  busyPerSecond: number
  /**
   * Entries indexed at most; past it the oldest are dropped, so the index's disk use has a bound the box's
   * storage budget can count on (the daemon sets it from the budget: setMaxDocs).
   */
  maxDocs: number
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = {
  maxQueue: 10_000,
  batch: 256,
  maxSteps: 50_000,
  maxChecks: 2_000,
  maxQueryChars: 200,
  maxQueryWords: 8,
  maxResults: 100,
  maxTerms: 512,
  busyPerSecond: 100,
  maxDocs: Number.POSITIVE_INFINITY
}

export interface SearchInit<E extends SearchEntry = SearchEntry> {
  /** directory of the index's LevelDB (created if missing) */
  path: string
  source: SearchSource<E>
  /** the author's display name, indexed with each entry */
  nameOf?: (author: Uint8Array) => Promise<string | undefined>
  logger?: SearchLogger
  limits?: Partial<SearchLimits>
}

export interface SearchQuery {
  text: string
  kind?: string
  limit?: number
}

/** The text search looks at in an entry (besides its author's name and its kind); undefined: not searchable. */
export function searchText (e: SearchEntry): string | undefined {
  // an edited post's own payload is gone: the store attaches the newest edit's text
  if (e.editedText !== undefined) return e.editedText
  const b = e.body
  if (b === undefined) return undefined
  switch (b.type) {
    case 'post':
    case 'reply':
      return b.text
    case 'offer':
      return b.price === null ? b.text : `${b.text}\n${b.price}`
    case 'request':
    case 'lost':
    case 'found':
    case 'recommendation':
    case 'alert':
      return b.text
    case 'event':
      return `${b.title}\n${b.place}\n${b.text}`
    case 'poll':
      return [b.question, ...b.options].join('\n')
    case 'profile':
      return `${b.name}\n${b.about ?? ''}`
    case 'unknown':
      // a kind from a newer box is shown as a post when its payload has a text (PROTOCOL.md §10)
      return e.payload === undefined ? undefined : fallbackText(e.payload)
    default:
      return undefined
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * Search over the entries a store holds: a term index (term-index.ts) kept
 * current from the store's events (new entries, late payloads; a delete or
 * an edit re-reads its target), caught up by a walk of the store's timeline
 * when it was missing, unclean or behind. A query's hits are read from the
 * store and checked against their current text, so an index that lags
 * never shows a deleted or changed text.
 */
export class Search<E extends SearchEntry = SearchEntry> {
  private limits: SearchLimits
  private readonly queue = new Map<string, { hash: Uint8Array, entry?: E }>()
  private behind = false
  private draining: Promise<void> | undefined
  private walking = false
  private closed = false
  private readonly unsubscribe: Array<() => void> = []
  /** entries noted in the current one-second window and the one before (busy()) */
  private window = { start: 0, count: 0, previous: 0 }

  private constructor (private readonly index: TermIndex, private readonly init: SearchInit<E>) {
    this.limits = { ...DEFAULT_SEARCH_LIMITS, ...init.limits }
  }

  /** Opens the index and starts following the store; a walk to catch up runs in the background when needed. */
  static async open<E extends SearchEntry> (init: SearchInit<E>): Promise<Search<E>> {
    const index = await TermIndex.open(init.path)
    const s = new Search<E>(index, init)
    const state = await index.state()
    const entries = init.source.stats().entries
    let why: string | undefined
    if (state === undefined) why = 'no index yet'
    else if (state.version !== INDEX_VERSION) {
      why = `index version ${state.version}, this is ${INDEX_VERSION}`
      await index.clear()
    } else if (!state.clean) why = 'the index was not closed cleanly'
    else if (state.entries !== entries) why = `the store holds ${entries} entries, the index saw ${state.entries}`
    await index.setState({ version: INDEX_VERSION, clean: false, entries })
    const { source } = init
    s.unsubscribe.push(source.onEntry((e) => s.noted(e)))
    if (source.onPayload !== undefined) s.unsubscribe.push(source.onPayload((e) => s.noted(e)))
    if (why !== undefined) {
      s.behind = true
      init.logger?.info({ entries, why }, 'search: catching up the index from the store')
      s.kick()
    }
    return s
  }

  /**
   * Whether the store is taking in entries faster than busyPerSecond (this second or the last): indexing
   * then waits, since it would take CPU from replication on the same thread (measured: a 200 000-entry
   * flood stored 2.5× slower while indexed as it came).
   */
  busy (now = Date.now()): boolean {
    this.roll(now)
    const limit = this.limits.busyPerSecond
    return this.window.count >= limit || this.window.previous >= limit
  }

  private roll (now: number): void {
    const w = this.window
    if (now - w.start >= 2000) this.window = { start: now, count: 0, previous: 0 }
    else if (now - w.start >= 1000) this.window = { start: w.start + 1000, count: 0, previous: w.count }
  }

  /** The most entries the index keeps (oldest dropped first); takes effect at the next write. */
  setMaxDocs (n: number): void {
    this.limits = { ...this.limits, maxDocs: Math.max(0, Math.floor(n)) }
    this.kick()
  }

  /** Entries indexed now. */
  get docs (): number {
    return this.index.docs
  }

  /** Drops the oldest entries past maxDocs. */
  private async trim (): Promise<void> {
    const over = this.index.docs - this.limits.maxDocs
    if (over <= 0) return
    const old = await this.index.oldest(over)
    await this.index.apply(old.map((hash) => ({ hash })))
  }

  /** Sleeps while the store is busy (or until closed). */
  private async yieldToStore (): Promise<void> {
    while (!this.closed && this.busy()) await new Promise((resolve) => setTimeout(resolve, 250))
  }

  /** Whether the index is known to hold every entry of the store (no walk pending, nothing queued). */
  get current (): boolean {
    return !this.behind && !this.walking && this.queue.size === 0
  }

  /** Resolves when everything noted so far is indexed (tests, the benchmark). */
  async settled (): Promise<void> {
    while (this.draining !== undefined) await this.draining
  }

  /** Whether the index holds postings for the entry (tests, diagnostics). */
  async indexed (hash: Uint8Array): Promise<boolean> {
    return (await this.index.has([hash]))[0] === true
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const u of this.unsubscribe) u()
    await this.draining?.catch(() => {})
    const clean = this.current
    try {
      await this.index.setState({ version: INDEX_VERSION, clean, entries: this.init.source.stats().entries })
    } finally {
      await this.index.close()
    }
  }

  /** Entries matching every word of `q.text` (the last one as a prefix), of `q.kind`, that `accept` lets through; newest first. */
  async query (q: SearchQuery, accept: (e: E) => boolean = () => true): Promise<E[]> {
    const L = this.limits
    if (q.text.length > L.maxQueryChars) {
      throw new SearchError('bad_query', `a search is at most ${L.maxQueryChars} characters`)
    }
    const words = queryWords(q.text).slice(0, L.maxQueryWords)
    if (words.length === 0 && q.kind === undefined) throw new SearchError('bad_query', 'search for at least one word')
    const limit = Math.max(1, Math.min(q.limit ?? 20, L.maxResults))
    const terms = words.map((w, i) => {
      const p = i === words.length - 1 ? lookupPrefix(w) : undefined
      return p !== undefined ? termKey('p', p) : termKey('w', w)
    })
    if (q.kind !== undefined) terms.push(termKey('k', q.kind))
    // read your own writes: a post just made is found, unless the index is busy catching up
    if (!this.walking && !this.busy() && this.queue.size <= this.limits.batch) await this.draining
    const out: E[] = []
    let checks = 0
    let batch: Uint8Array[] = []
    const check = async (): Promise<void> => {
      const got = await Promise.all(batch.map(async (h) => await this.init.source.get(h)))
      for (let i = 0; i < batch.length && out.length < limit; i++) {
        const e = got[i]
        if (e === undefined || !(await this.matches(e, words, q.kind))) {
          // the index is behind this entry (deleted, edited, payload gone): mend it
          this.enqueue(batch[i] as Uint8Array, e)
          continue
        }
        if (accept(e)) out.push(e)
      }
      batch = []
    }
    for await (const hit of this.index.match(terms, L.maxSteps)) {
      batch.push(hit.hash)
      checks++
      if (batch.length >= Math.min(32, limit - out.length)) await check()
      if (out.length >= limit || checks >= L.maxChecks) break
    }
    if (batch.length > 0) await check()
    return out
  }

  private async matches (e: SearchEntry, words: string[], kind: string | undefined): Promise<boolean> {
    if (kind !== undefined && e.kind !== kind) return false
    const have = await this.tokensOf(e)
    if (have === undefined) return false
    return words.every((w, i) => {
      if (have.has(w)) return true
      if (i !== words.length - 1 || w.length < MIN_PREFIX) return false
      for (const t of have) if (t.startsWith(w)) return true
      return false
    })
  }

  private async tokensOf (e: SearchEntry): Promise<Set<string> | undefined> {
    if (e.fate?.reason === 'deleted') return undefined
    const text = searchText(e)
    if (text === undefined) return undefined
    const name = this.init.nameOf === undefined ? undefined : await this.init.nameOf(e.author).catch(() => undefined)
    return tokens(`${text}\n${name ?? ''}\n${e.kind}`)
  }

  private async docOf (e: SearchEntry): Promise<Uint8Array[] | undefined> {
    const words = await this.tokensOf(e)
    if (words === undefined) return undefined
    const terms = [termKey('k', e.kind)]
    for (const w of words) {
      terms.push(termKey('w', w))
      for (const p of prefixes(w)) terms.push(termKey('p', p))
      if (terms.length >= this.limits.maxTerms) break
    }
    return terms.slice(0, this.limits.maxTerms)
  }

  private noted (e: E): void {
    const now = Date.now()
    this.roll(now)
    this.window.count++
    // in a burst, keep nothing per entry (measured: queueing them still cost the flood a fifth of its
    // speed): the walk after the burst finds what was stored
    if (this.busy(now)) {
      if (!this.behind) {
        this.behind = true
        this.kick()
      }
      return
    }
    const b = e.body
    // a delete or edit changes what its target shows: re-read the target
    if (b?.type === 'delete' || b?.type === 'edit') this.enqueue(b.target)
    else this.enqueue(e.hash, e)
  }

  private enqueue (hash: Uint8Array, entry?: E): void {
    if (this.closed) return
    const key = hex(hash)
    if (!this.queue.has(key) && this.queue.size >= this.limits.maxQueue) {
      this.behind = true // a walk of the store finds it later
    } else {
      this.queue.set(key, entry === undefined ? { hash } : { hash, entry })
    }
    this.kick()
  }

  private kick (): void {
    if (this.draining !== undefined) return
    this.draining = this.drain()
      .catch((err: unknown) => {
        if (!this.closed) {
          this.init.logger?.warn({ err }, 'search: indexing failed; the index catches up at the next start')
        }
      })
      .finally(() => {
        this.draining = undefined
        if (!this.closed && (this.queue.size > 0 || this.behind)) this.kick()
      })
  }

  private async drain (): Promise<void> {
    while (!this.closed && this.queue.size > 0) {
      await this.yieldToStore()
      if (this.closed) break
      const items = [...this.queue.values()].slice(0, this.limits.batch)
      for (const it of items) this.queue.delete(hex(it.hash))
      const updates = await Promise.all(items.map(async (it) => {
        const e = it.entry ?? await this.init.source.get(it.hash)
        const terms = e === undefined ? undefined : await this.docOf(e)
        return terms === undefined || e === undefined
          ? { hash: it.hash }
          : { hash: it.hash, doc: { hash: it.hash, timestamp: e.timestamp, terms } }
      }))
      await this.index.apply(updates)
      await this.trim()
    }
    await this.trim()
    if (!this.closed && this.behind) {
      this.behind = false
      await this.walk()
    }
  }

  /** Indexes every searchable entry of the store the index lacks (and drops deleted ones it has), newest first. */
  private async walk (): Promise<void> {
    this.walking = true
    const t0 = Date.now()
    let seen = 0
    let added = 0
    let before: string | undefined
    try {
      do {
        if (this.closed) {
          this.behind = true
          return
        }
        await this.yieldToStore()
        if (this.closed) {
          this.behind = true
          return
        }
        const page = await this.init.source.timeline(before === undefined ? { limit: 500 } : { limit: 500, before })
        const has = await this.index.has(page.entries.map((e) => e.hash))
        const updates = []
        for (let i = 0; i < page.entries.length; i++) {
          const e = page.entries[i] as E
          const terms = await this.docOf(e)
          if (terms !== undefined && has[i] !== true) {
            updates.push({ hash: e.hash, doc: { hash: e.hash, timestamp: e.timestamp, terms } })
          } else if (terms === undefined && has[i] === true) updates.push({ hash: e.hash })
        }
        await this.index.apply(updates)
        await this.trim()
        added += updates.length
        seen += page.entries.length
        before = page.next
        // newest first: once the index is full, what is left is older than everything it keeps
        if (this.index.docs >= this.limits.maxDocs) before = undefined
        if (seen % 10_000 < 500 && seen >= 10_000) {
          this.init.logger?.info({ seen, indexed: added }, 'search: catching up')
        }
      } while (before !== undefined)
      this.init.logger?.info({ seen, indexed: added, ms: Date.now() - t0 }, 'search: the index is current')
    } finally {
      this.walking = false
    }
  }
}
