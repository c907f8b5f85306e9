import type { Entry } from '@kiez/feed'
import { INDEX_BYTES, type AuthorBytes, type GateVerdict, type IngestGate, type StoredEntry } from '@kiez/store'

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

export const DEFAULT_AUTHOR_SHARE = 1 / 32

/**
 * Bytes each author holds in the store (headers with their index keys, and
 * payloads), kept in memory: loaded by one scan at start and updated from the
 * store's events and the evictions. Deletes and edits that drop payloads are
 * not subtracted, so it errs high (an author is held back early, never late)
 * until the next start.
 */
export class AuthorShare {
  private readonly held = new Map<string, { author: Uint8Array, headers: number, payloads: number }>()
  /** hex of entries admitted but not yet committed: counted at admit (their announced payload size too) */
  private readonly admitted = new Map<string, number>()
  /**
   * Counts what it admits at once, so a range is held to the share entry by
   * entry rather than a commit later; so it must be the last gate (composeGates
   * asks no gate after a defer, and every verdict but defer stores the header).
   */
  readonly gate: IngestGate

  constructor (
    /** the most one author may hold, in bytes (share × the store's budget) */
    private readonly limit: () => number,
    private readonly exempt: (author: Uint8Array) => boolean = () => false
  ) {
    this.gate = {
      admit: (entry: Entry): GateVerdict => {
        if (this.exempt(entry.author)) return 'store'
        const h = this.held.get(hex(entry.author))
        if (h !== undefined && h.headers >= this.limit()) return 'defer'
        const verdict = h !== undefined && h.headers + h.payloads >= this.limit() ? 'header' : 'store'
        const size = verdict === 'store' ? entry.payloadSize : 0
        const a = h ?? this.of(entry.author)
        a.headers += entry.bytes.byteLength + INDEX_BYTES
        a.payloads += size
        this.admitted.set(hex(entry.hash), size)
        return verdict
      },
      takesPayload: (author) => this.exempt(author) || !this.over(author)
    }
  }

  load (bytes: Map<string, AuthorBytes>): void {
    this.held.clear()
    this.admitted.clear()
    for (const [k, b] of bytes) this.held.set(k, { author: b.author, headers: b.headerBytes, payloads: b.payloadBytes })
  }

  private of (author: Uint8Array): { author: Uint8Array, headers: number, payloads: number } {
    const k = hex(author)
    let h = this.held.get(k)
    if (h === undefined) this.held.set(k, h = { author, headers: 0, payloads: 0 })
    return h
  }

  /** A new entry went in (store.onEntry), with its payload when it came with one. */
  addEntry (entry: StoredEntry): void {
    const h = this.of(entry.author)
    const k = hex(entry.hash)
    const size = this.admitted.get(k)
    if (size !== undefined) {
      // counted at admit: only the payload may not have come (none sent, or the wrong bytes)
      this.admitted.delete(k)
      if (entry.payload === undefined) h.payloads = Math.max(0, h.payloads - size)
      return
    }
    h.headers += entry.bytes.byteLength + INDEX_BYTES
    h.payloads += entry.payload?.byteLength ?? 0
  }

  /** A payload arrived after its entry (store.onPayload). */
  addPayload (entry: StoredEntry): void {
    this.of(entry.author).payloads += entry.payload?.byteLength ?? 0
  }

  removePayload (author: Uint8Array, bytes: number): void {
    const h = this.held.get(hex(author))
    if (h !== undefined) h.payloads = Math.max(0, h.payloads - bytes)
  }

  forget (author: Uint8Array): void {
    this.held.delete(hex(author))
  }

  /** Whether `author` holds more than its share (headers and payloads together). */
  over (author: Uint8Array): boolean {
    const h = this.held.get(hex(author))
    return h !== undefined && h.headers + h.payloads >= this.limit()
  }

  /** Non-exempt authors over their share: their payloads are evicted first. */
  overShare (): Uint8Array[] {
    const out: Uint8Array[] = []
    for (const h of this.held.values()) {
      if (h.headers + h.payloads >= this.limit() && !this.exempt(h.author)) out.push(h.author)
    }
    return out
  }

  bytesOf (author: Uint8Array): { headers: number, payloads: number } | undefined {
    const h = this.held.get(hex(author))
    return h === undefined ? undefined : { headers: h.headers, payloads: h.payloads }
  }
}
