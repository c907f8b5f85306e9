import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { jpegFixture } from '@kiez/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { Boxes, call, pair, sameOrigin, type Box, type Res } from './helpers.ts'

/**
 * Images on the web API (issue #15 §1): POST /api/v1/blobs (paired, raw bytes, allowlist by magic bytes),
 * GET /api/v1/blobs/:cid with its headers, and a post carrying images. Real daemon, real HTTP.
 */

function expectError (r: Res, status: number, code: string): void {
  expect(r.status, r.text).toBe(status)
  expect(r.json?.error?.code, r.text).toBe(code)
}

async function upload (box: Box, cookie: string | undefined, body: Buffer, type = 'image/jpeg'): Promise<Res> {
  return await call(box, '/api/v1/blobs', {
    method: 'POST',
    headers: { ...sameOrigin(box, cookie), 'content-type': type },
    body
  })
}

describe('/api/v1/blobs', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('takes a paired JPEG, serves it byte-identical with its headers; refuses SVG, HTML, oversized and unpaired', async () => {
    const box = await boxes.start()
    const cookie = await pair(box)
    const jpeg = Buffer.from(jpegFixture({ bytes: 200_000, width: 1600, height: 1200, seed: 7 }))

    expectError(await upload(box, undefined, jpeg), 401, 'unauthorized')
    const up = await upload(box, cookie, jpeg, 'application/octet-stream')
    expect(up.status, up.text).toBe(201)
    expect(up.json).toMatchObject({ type: 'image/jpeg', bytes: 200_000, width: 1600, height: 1200 })
    expect(up.json.cid).toMatch(/^bafkrei/)

    const got = await call(box, `/api/v1/blobs/${up.json.cid as string}`)
    expect(got.status).toBe(200)
    expect(got.headers['content-type']).toBe('image/jpeg')
    expect(got.headers['x-content-type-options']).toBe('nosniff')
    expect(got.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(got.headers['content-security-policy']).toBe('default-src \'none\'')
    const raw = await fetch(`${box.base}/api/v1/blobs/${up.json.cid as string}`)
    const bytes = Buffer.from(await raw.arrayBuffer())
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(jpeg).digest('hex'))

    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    expectError(await upload(box, cookie, svg, 'image/svg+xml'), 415, 'unsupported_image')
    expectError(
      await upload(box, cookie, Buffer.from('<!doctype html><script>alert(1)</script>'), 'text/html'),
      415,
      'unsupported_image'
    )
    // a JPEG's magic bytes claimed by an HTML body do not help it: the bytes are judged
    expectError(await upload(box, cookie, Buffer.from('<html>'), 'image/jpeg'), 415, 'unsupported_image')
    const big = Buffer.from(jpegFixture({ bytes: 1024 * 1024 + 1, width: 10, height: 10 }))
    expectError(await upload(box, cookie, big), 413, 'body_too_large')

    expectError(await call(box, '/api/v1/blobs/not-a-cid'), 400, 'invalid_id')
    const absent = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
    expectError(await call(box, `/api/v1/blobs/${absent}`), 404, 'blob_not_found')
    // only the uploaded JPEG is on disk
    expect(await readdir(join(box.dataDir, 'blobs'))).toHaveLength(1)
    const st = await box.daemon.status()
    expect(st.blobs).toMatchObject({ count: 1, bytes: 200_000, uploaded: 1 })
    // /metrics mirrors the same numbers
    const metrics = (await call(box, '/metrics')).text
    expect(metrics).toMatch(/^kiez_blobs_count 1$/m)
    expect(metrics).toMatch(/^kiez_blobs_bytes 200000$/m)
    expect(metrics).toMatch(new RegExp(`^kiez_blobs_max_bytes ${String(st.blobs?.maxBytes)}$`, 'm'))
    expect(metrics).toMatch(new RegExp(`^kiez_store_max_bytes ${String(st.storage?.feedMaxBytes)}$`, 'm'))
    expect(st.blobs?.maxBytes).toBe(st.storage?.blobMaxBytes)
  })

  it('a post carries uploaded images (alt, thumb); the feed lists them; a delete drops their blobs', async () => {
    const box = await boxes.start()
    const cookie = await pair(box)
    const full = await upload(
      box,
      cookie,
      Buffer.from(jpegFixture({ bytes: 50_000, width: 800, height: 600, seed: 1 }))
    )
    const thumb = await upload(
      box,
      cookie,
      Buffer.from(jpegFixture({ bytes: 5_000, width: 320, height: 240, seed: 2 }))
    )
    const posted = await call(box, '/api/v1/posts', {
      method: 'POST',
      headers: sameOrigin(box, cookie),
      body: { text: 'Fahrrad', images: [{ cid: full.json.cid, alt: 'blue bike', thumb: thumb.json.cid }] }
    })
    expect(posted.status, posted.text).toBe(201)
    expect(posted.json.images).toEqual([{
      cid: full.json.cid,
      type: 'image/jpeg',
      bytes: 50_000,
      width: 800,
      height: 600,
      alt: 'blue bike',
      thumb: { cid: thumb.json.cid, type: 'image/jpeg', bytes: 5_000, width: 320, height: 240, alt: '' }
    }])
    const feed = await call(box, '/api/v1/feed')
    expect(feed.json.entries.find((e: { id: string }) => e.id === posted.json.id)?.images).toEqual(posted.json.images)
    // images without text; an image never uploaded
    const bare = await call(box, '/api/v1/posts', {
      method: 'POST',
      headers: sameOrigin(box, cookie),
      body: { images: [{ cid: full.json.cid }] }
    })
    expect(bare.status, bare.text).toBe(201)
    expectError(
      await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: sameOrigin(box, cookie),
        body: { text: 'x', images: [{ cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' }] }
      }),
      404,
      'blob_not_found'
    )
    const del = await call(box, `/api/v1/entries/${posted.json.id as string}`, {
      method: 'DELETE',
      headers: { ...sameOrigin(box, cookie), 'content-type': 'application/json' }
    })
    expect(del.status, del.text).toBe(200)
    expectError(await call(box, `/api/v1/blobs/${thumb.json.cid as string}`), 404, 'blob_not_found')
  })
})
