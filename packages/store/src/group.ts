import type { AuthorState, Entry } from '@kiez/feed'
import type { Level } from 'level'
import { hex, prefixEnd } from './keys.js'
import type { StoredEntry } from './payloads.js'
import type { PayloadTx } from './tx.js'

export type EntryOrigin = 'local' | 'peer'

export interface BatchOp {
  key: Uint8Array
  value: Uint8Array
}

/** State of one group commit: what it will write, and the heads as they will be after it. */
export class Group {
  /** header side: puts of fresh keys only (log, indexes, fork proofs) */
  readonly batch: BatchOp[] = []
  /** payload side: the last write of each key (a value, or null to delete it), by `kvKey` */
  readonly kv = new Map<string, { key: Uint8Array, value: Uint8Array | null }>()
  /** keys deleted outright (eviction.ts: a group of its own) */
  readonly dels: Uint8Array[] = []
  /** hex of authors forgotten by this group: no head after it */
  readonly forgotten = new Set<string>()
  /** dropped payload keys to compact once this group is on disk */
  readonly compact: Uint8Array[] = []
  settle: Array<() => void> = []
  readonly heads = new Map<string, { author: Uint8Array, state: AuthorState }>()
  /** entries staged in this group, by author hex, then seq */
  readonly staged = new Map<string, Map<number, Entry>>()
  readonly added: Array<{ entry: StoredEntry, origin: EntryOrigin }> = []
  /** the record in `added` of a staged entry, to attach its payload once checked */
  readonly addedOf = new Map<Entry, { entry: StoredEntry, origin: EntryOrigin }>()
  /**
   * Staged entries by hash hex, built on the first lookup (a delete or edit
   * naming a staged entry is rare; hashing every staged entry to hex is not
   * free on the range path) and extended as `added` grows.
   */
  private byHash: Map<string, Entry> | undefined
  private byHashCount = 0

  stagedByHash (k: string): Entry | undefined {
    this.byHash ??= new Map()
    for (; this.byHashCount < this.added.length; this.byHashCount++) {
      const { entry } = this.added[this.byHashCount] as { entry: Entry }
      this.byHash.set(hex(entry.hash), entry)
    }
    return this.byHash.get(k)
  }
  /** payloads stored in this group for headers held before it (fetched again or late) */
  readonly payloads: StoredEntry[] = []
  readonly forks: Array<{ author: Uint8Array, seq: number, proof: Uint8Array }> = []
  sync = false
}

/**
 * A key as a Map key: latin1 keeps byte order in string order (the scan sorts
 * by it) at half the length and cost of hex.
 */
function kvKey (key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
}

/**
 * The payload side's view of the database inside group `g`: reads see this
 * group's staged writes, then those of the groups still being written
 * (newest first), then the disk.
 */
export function groupTx (
  g: Group,
  pending: readonly Group[],
  db: Level<Uint8Array, Uint8Array>,
  storedEntry: (hash: Uint8Array) => Promise<Entry | undefined>,
  awaiting: Set<string>
): PayloadTx {
  const layers = (): Group[] => [g, ...[...pending].reverse().filter((p) => p !== g)]
  return {
    awaiting,
    async get (key) {
      const k = kvKey(key)
      for (const l of layers()) {
        const w = l.kv.get(k)
        if (w !== undefined) return w.value ?? undefined
      }
      return await db.get(key)
    },
    async scan (prefix) {
      const found = new Map<string, { key: Uint8Array, value: Uint8Array | null }>()
      for await (const [key, value] of db.iterator({ gte: prefix, lt: prefixEnd(prefix) })) {
        found.set(kvKey(key), { key, value })
      }
      const p = kvKey(prefix)
      // oldest layer first, so the newest write of a key wins
      for (const l of layers().reverse()) {
        for (const [k, w] of l.kv) if (k.startsWith(p)) found.set(k, w)
      }
      return [...found.entries()]
        .filter((e): e is [string, { key: Uint8Array, value: Uint8Array }] => e[1].value !== null)
        .sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
        .map(([, w]) => w)
    },
    put (key, value) {
      g.kv.set(kvKey(key), { key, value })
    },
    del (key) {
      g.kv.set(kvKey(key), { key, value: null })
    },
    async entry (hash) {
      const k = hex(hash)
      for (const l of layers()) {
        const e = l.stagedByHash(k)
        if (e !== undefined) return e
      }
      return await storedEntry(hash)
    },
    compact (key) {
      g.compact.push(key)
    }
  }
}
