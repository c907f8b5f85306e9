import type { Level } from 'level'
import { compactKey, P_COMPACT } from './keys.js'

/**
 * How a dropped payload leaves the disk (delete.test.ts greps every file for
 * it; PROTOCOL.md §7). LevelDB's CompactRange flushes the memtable to a table,
 * which retires the write-ahead log that held the value, then merges the range
 * down the levels *above* the deepest one holding it: a delete meeting its
 * value there drops both. Two traps: a flushed table holds every version its
 * memtable had, and one at the deepest level is never rewritten; so a value
 * and its delete must not be flushed together. Hence two passes:
 * `compactKeys` before the batch that drops the payload (the value goes to a
 * table without its delete), and `finishCompaction` after it (the delete is
 * flushed above the value and merged down onto it). A value can also survive
 * while an iterator opened before the delete is still open (its snapshot);
 * reads here are short, and the `C` mark left in the batch makes the next
 * open compact again after a crash.
 */
export async function compactKeys (db: Level<Uint8Array, Uint8Array>, keys: readonly Uint8Array[]): Promise<void> {
  // `level` types the browser-compatible surface; on Node the database is a ClassicLevel, which has it.
  const classic = db as unknown as { compactRange?: (start: Uint8Array, end: Uint8Array) => Promise<void> }
  for (const key of keys) {
    const end = new Uint8Array(key.byteLength + 1)
    end.set(key)
    await classic.compactRange?.(key, end)
  }
}

/** The second pass, then the marks are cleared; on failure they stay for the next open. */
export async function finishCompaction (db: Level<Uint8Array, Uint8Array>, keys: readonly Uint8Array[]): Promise<void> {
  try {
    await compactKeys(db, keys)
    const batch = db.batch()
    for (const key of keys) batch.del(compactKey(key))
    await batch.write()
  } catch {
    // The marks stay: the next open compacts again.
  }
}

/** Keys dropped before a crash whose second pass had not finished. */
export async function unfinishedCompactions (db: Level<Uint8Array, Uint8Array>): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = []
  for await (const k of db.keys({ gte: Uint8Array.of(P_COMPACT), lt: Uint8Array.of(P_COMPACT + 1) })) {
    keys.push(k.slice(1))
  }
  return keys
}
