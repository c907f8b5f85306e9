import type { Level } from 'level'
import { metaKey, prefixEnd } from './keys.js'

/**
 * The meta records whose name starts with `prefix`, in name order, at most
 * `limit`: a small record set kept under one prefix (a box's blocks and
 * followed moderation lists, one record each), read back at start.
 */
export async function metaRecords (
  db: Level<Uint8Array, Uint8Array>,
  prefix: string,
  limit: number
): Promise<Array<{ name: string, value: Uint8Array }>> {
  const start = metaKey(prefix)
  const out: Array<{ name: string, value: Uint8Array }> = []
  for await (const [k, value] of db.iterator({ gte: start, lt: prefixEnd(start), limit })) {
    out.push({ name: Buffer.from(k.subarray(1)).toString('utf8'), value })
  }
  return out
}
