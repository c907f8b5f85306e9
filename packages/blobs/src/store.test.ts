import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@kiez/feed'
import { afterEach, describe, expect, it } from 'vitest'
import { BLOB_FRESH_MS, BlobError, BlobStore } from './store.js'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
async function fresh (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kiez-blobs-'))
  dirs.push(d)
  return join(d, 'blobs')
}
const blob = (n: number, size = 1000): Uint8Array => new Uint8Array(size).fill(n)

describe('BlobStore', () => {
  it('stores by hash, reads back, refuses a wrong hash and an oversized blob with typed codes, and reopens', async () => {
    const dir = await fresh()
    const s = await BlobStore.open({ dir, budgetBytes: 10_000_000 })
    const b = blob(1)
    await s.put(sha256(b), b)
    expect(Buffer.from((await s.get(sha256(b))) as Uint8Array)).toEqual(Buffer.from(b))
    await expect(s.put(sha256(blob(2)), b)).rejects.toMatchObject({ code: 'blob_hash_mismatch' })
    const big = new Uint8Array(1024 * 1024 + 1)
    await expect(s.put(sha256(big), big)).rejects.toBeInstanceOf(BlobError)
    expect(s.stats()).toMatchObject({ count: 1, bytes: 1000 })
    const again = await BlobStore.open({ dir, budgetBytes: 10_000_000 })
    expect(again.has(sha256(b))).toBe(true)
    await again.drop(sha256(b))
    expect(again.has(sha256(b))).toBe(false)
    expect(await readdir(dir)).toEqual([])
  })

  it('evicts the least recently viewed old blob first, own members\' and fresh blobs last', async () => {
    let t = 1_000_000_000_000
    const own = sha256(blob(1))
    const s = await BlobStore.open({
      dir: await fresh(),
      budgetBytes: 3000,
      now: () => t,
      isOwn: (h) => Buffer.compare(h, own) === 0
    })
    await s.put(own, blob(1))
    await s.put(sha256(blob(2)), blob(2))
    await s.put(sha256(blob(3)), blob(3))
    t += BLOB_FRESH_MS + 1
    await s.get(sha256(blob(2))) // viewed: blob 3 is now the least recently viewed of the others
    await s.put(sha256(blob(4)), blob(4))
    expect(s.has(sha256(blob(3)))).toBe(false)
    expect(s.has(own) && s.has(sha256(blob(2))) && s.has(sha256(blob(4)))).toBe(true)
    expect(s.stats()).toMatchObject({ count: 3, bytes: 3000, evicted: 1 })
  })
})
