import { statfs } from 'node:fs/promises'
import type { FeedStore } from '@kiez/store'

export const MIN_DEFAULT_MAX_BYTES = 64 * 1024 * 1024
export const MAX_DEFAULT_MAX_BYTES = 4 * 1024 * 1024 * 1024
const META = 'quota/defaultMaxBytes'

/**
 * The storage budget when none is configured: a quarter of the space free on
 * the data dir's filesystem at first start, between 64 MiB and 4 GiB. It is
 * kept in a store meta record, so it does not drift as the disk fills (with
 * the store's own data, or anything else).
 */
export async function defaultMaxBytes (store: FeedStore, dir: string): Promise<number> {
  const kept = await store.getMeta(META)
  if (kept !== undefined && kept.byteLength === 8) {
    return Number(Buffer.from(kept.buffer, kept.byteOffset, 8).readBigUInt64BE())
  }
  const bytes = await freeSpaceDefault(dir)
  const record = Buffer.alloc(8)
  record.writeBigUInt64BE(BigInt(bytes))
  await store.putMeta(META, record)
  return bytes
}

/** A quarter of the free space on `dir`'s filesystem now, between 64 MiB and 4 GiB (not kept anywhere). */
export async function freeSpaceDefault (dir: string): Promise<number> {
  const fs = await statfs(dir)
  const quarter = Math.floor(fs.bavail * fs.bsize / 4)
  return Math.min(MAX_DEFAULT_MAX_BYTES, Math.max(MIN_DEFAULT_MAX_BYTES, quarter))
}
