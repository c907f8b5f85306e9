import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { blobCid, parseBlobCid, signerFromSeed } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import { eventually, jpegFixture } from '@kiez/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { BoxBlobs } from './blobs.js'
import { createLogger } from './logger.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Opened {
  blobs: BoxBlobs
  store: FeedStore
  dir: string
  /** closes both stores (a restart); the dir stays until the test ends */
  close: () => Promise<void>
}

async function open (
  budgetBytes = 10_000_000,
  opts: { dir?: string, now?: () => number, scanEntries?: number } = {}
): Promise<Opened> {
  const dir = opts.dir ?? await mkdtemp(join(tmpdir(), 'kiez-boxblobs-'))
  const store = await FeedStore.open({ path: join(dir, 'feed') })
  const own = signerFromSeed(new Uint8Array(32).fill(1)).publicKey
  const blobs = await BoxBlobs.open({
    dataDir: dir,
    budgetBytes,
    store,
    isOwn: (a) => Buffer.compare(a, own) === 0,
    logger: createLogger({ level: 'silent' }),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(opts.scanEntries !== undefined ? { scanEntries: opts.scanEntries } : {})
  })
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await blobs.close()
    await store.close()
  }
  cleanups.push(async () => {
    await close()
    if (opts.dir === undefined) await rm(dir, { recursive: true, force: true })
  })
  return { blobs, store, dir, close }
}

describe('BoxBlobs (real blob store and feed store, no node)', () => {
  it('takes only allowed images by their bytes, with typed codes', async () => {
    const { blobs } = await open()
    const up = await blobs.upload(jpegFixture({ bytes: 5000, width: 640, height: 480 }))
    expect(up).toMatchObject({ type: 'image/jpeg', bytes: 5000, width: 640, height: 480 })
    expect(parseBlobCid(up.cid)).toBeDefined()
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')
    await expect(blobs.upload(svg)).rejects.toMatchObject({ status: 415, code: 'unsupported_image' })
    await expect(blobs.upload(new Uint8Array(0))).rejects.toMatchObject({ status: 400, code: 'blob_empty' })
    await expect(blobs.upload(jpegFixture({ bytes: 1024 * 1024 + 1, width: 1, height: 1 })))
      .rejects.toMatchObject({ status: 413, code: 'blob_too_large' })
    expect(blobs.status()).toMatchObject({ count: 1, bytes: 5000, uploaded: 1, maxBytes: 10_000_000 })
  })

  it('describes a post\'s images from the uploaded bytes; refuses unknown ids and bad shapes', async () => {
    const { blobs } = await open()
    const full = await blobs.upload(jpegFixture({ bytes: 9000, width: 1600, height: 900, seed: 1 }))
    const thumb = await blobs.upload(jpegFixture({ bytes: 900, width: 320, height: 180, seed: 2 }))
    const [img] = await blobs.describe([{ cid: full.cid, alt: 'a bike', thumb: thumb.cid }])
    expect(img).toMatchObject({ type: 'image/jpeg', bytes: 9000, width: 1600, height: 900, alt: 'a bike' })
    expect(img?.thumb).toMatchObject({ bytes: 900, width: 320, height: 180, alt: '' })
    await expect(blobs.describe([{ cid: 'nope' }])).rejects.toMatchObject({ code: 'bad_images' })
    await expect(blobs.describe([])).rejects.toMatchObject({ code: 'bad_images' })
    const absent = blobCid(new Uint8Array(32).fill(9))
    await expect(blobs.describe([{ cid: absent }])).rejects.toMatchObject({ status: 404, code: 'blob_not_found' })
    // without the mesh, or for a blob no entry names, an open is a 404 at once
    await expect(blobs.open(new Uint8Array(32).fill(9))).rejects.toMatchObject({ code: 'blob_not_found' })
  })

  it('drops a post\'s blobs when its author deletes it', async () => {
    const { blobs, store, dir } = await open()
    const a = await blobs.upload(jpegFixture({ bytes: 4000, width: 100, height: 100, seed: 3 }))
    const b = await blobs.upload(jpegFixture({ bytes: 4000, width: 100, height: 100, seed: 4 }))
    const signer = signerFromSeed(new Uint8Array(32).fill(7))
    const post = await store.append(signer, { type: 'post', text: 'x', images: await blobs.describe([{ cid: a.cid }]) })
    expect(await readdir(join(dir, 'blobs'))).toHaveLength(2)
    await store.append(signer, { type: 'delete', target: post.hash })
    // a's entry is gone and so is a; b, named by no deleted entry, stays
    await eventually(() => !blobs.store.has(parseBlobCid(a.cid) as Uint8Array), {
      what: 'the deleted post\'s blob to be dropped',
      timeoutMs: 5000,
      intervalMs: 20
    })
    expect(blobs.store.has(parseBlobCid(b.cid) as Uint8Array)).toBe(true)
    expect(await readdir(join(dir, 'blobs'))).toHaveLength(1)
  })

  it('after a restart, a delete of a post older than the entries read in full still drops its blobs; an orphan is dropped', async () => {
    const first = await open(10_000_000, { scanEntries: 2 })
    const a = await first.blobs.upload(jpegFixture({ bytes: 4000, width: 100, height: 100, seed: 5 }))
    const orphan = await first.blobs.upload(jpegFixture({ bytes: 4000, width: 100, height: 100, seed: 6 }))
    const [aHash, orphanHash] = [parseBlobCid(a.cid) as Uint8Array, parseBlobCid(orphan.cid) as Uint8Array]
    const signer = signerFromSeed(new Uint8Array(32).fill(8))
    const post = await first.store.append(signer, {
      type: 'post',
      text: 'old',
      images: await first.blobs.describe([{ cid: a.cid }])
    })
    for (let i = 0; i < 5; i++) await first.store.append(signer, { type: 'post', text: `newer ${i}` })
    await first.close()
    // two hours later: the 2 newest are read in full, then on until every held blob is named (a's post)
    const later = Date.now() + 2 * 3600_000
    const second = await open(10_000_000, { dir: first.dir, scanEntries: 2, now: () => later })
    // read to the end, the upload no entry names is dropped; a is kept
    await eventually(() => !second.blobs.store.has(orphanHash), {
      what: 'the orphan upload to be dropped',
      timeoutMs: 5000,
      intervalMs: 20
    })
    expect(second.blobs.store.has(aHash)).toBe(true)
    await second.store.append(signer, { type: 'delete', target: post.hash })
    await eventually(() => !second.blobs.store.has(aHash), {
      what: 'the old post\'s blob to be dropped on its delete',
      timeoutMs: 5000,
      intervalMs: 20
    })
  })
})
