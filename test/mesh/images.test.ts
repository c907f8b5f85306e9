/**
 * Issue 15 §1 / §3, "Images": a ~900 KiB JPEG posted with `kiez post --image`
 * on box 1 of a 5-box segmented line is viewable by HTTP on box 5, byte for
 * byte. Box 5 fetches it only when it is opened (its thumbnail came with the
 * entry); the relaying boxes' counters show it passing. An SVG or HTML upload
 * is refused. A delete on box 1 drops the blobs on every box.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { eventually, jpegFixture } from '@kiez/testing'
import { createLab, labSkipReason, line, NODE_BIN, type Lab } from '../lab/index.ts'
import { kiezJson, peerIds, startDaemons, status, waitConnected, type EntryJson } from './helpers.ts'

const skip = labSkipReason()

interface Got {
  status: number
  type?: string
  nosniff?: string
  cache?: string
  csp?: string
  bytes: number
  sha256: string
  code?: string
}

/** GET /api/v1/blobs/:cid inside the box's namespace, as a browser on its LAN would: status, headers, hash. */
async function open (lab: Lab, box: number, cid: string): Promise<Got> {
  const script = `
    const http = require('node:http')
    const { createHash } = require('node:crypto')
    http.get({ host: '127.0.0.1', port: 7300, path: '/api/v1/blobs/' + process.env.CID, headers: { host: '127.0.0.1:7300' }, timeout: 60000 }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const b = Buffer.concat(chunks)
        let code
        try { code = JSON.parse(b.toString()).error.code } catch {}
        console.log(JSON.stringify({ status: res.statusCode, type: res.headers['content-type'], nosniff: res.headers['x-content-type-options'],
          cache: res.headers['cache-control'], csp: res.headers['content-security-policy'], bytes: b.length,
          sha256: createHash('sha256').update(b).digest('hex'), code }))
      })
    }).on('error', (err) => { console.error(err.message); process.exit(1) })
  `
  const r = await lab.exec(box, [NODE_BIN, '-e', script], { env: { CID: cid }, timeoutMs: 90_000 })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Got
}

/** Pairs a browser on `box` and uploads `body` with `type` through POST /api/v1/blobs: status and error code. */
async function upload (lab: Lab, box: number, body: string, type: string): Promise<{ status: number, code?: string }> {
  const { code } = await kiezJson<{ code: string }>(lab, box, ['pair'])
  const script = `
    const http = require('node:http')
    const call = (path, data, type, cookie) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: 7300, method: 'POST', path, headers: {
        host: '127.0.0.1:7300', origin: 'http://127.0.0.1:7300', 'content-type': type,
        'content-length': Buffer.byteLength(data), ...(cookie ? { cookie } : {}) } }, (res) => {
        let text = ''
        res.on('data', (c) => { text += c })
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }))
      })
      req.on('error', reject)
      req.end(data)
    })
    ;(async () => {
      const paired = await call('/api/v1/pair', JSON.stringify({ code: process.env.CODE }), 'application/json')
      if (paired.status !== 201) throw new Error('pair: ' + paired.status + ' ' + paired.text)
      const cookie = [paired.headers['set-cookie']].flat()[0].split(';')[0]
      const up = await call('/api/v1/blobs', process.env.BODY, process.env.TYPE, cookie)
      let code
      try { code = JSON.parse(up.text).error.code } catch {}
      console.log(JSON.stringify({ status: up.status, code }))
    })().catch((err) => { console.error(err.message); process.exit(1) })
  `
  const r = await lab.exec(box, [NODE_BIN, '-e', script], { env: { CODE: code, BODY: body, TYPE: type } })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as { status: number, code?: string }
}

/** How many blob files a box holds. */
async function held (lab: Lab, box: number): Promise<number> {
  return (await readdir(join(lab.dataDir(box), 'blobs')).catch(() => [])).length
}

describe.skipIf(skip !== undefined)(`images${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it(
    'a 900 KiB JPEG posted on box 1 opens on box 5 byte-identical, fetched only when opened, through the relays; SVG/HTML refused',
    async () => {
      const files = await mkdtemp(join(tmpdir(), 'kiez-images-'))
      const lab = await createLab({ ...line(5), mode: 'segment' })
      try {
        await startDaemons(lab, [0, 1, 2, 3, 4])
        const ids = await peerIds(lab, [0, 1, 2, 3, 4])
        for (const b of [1, 2, 3]) await waitConnected(lab, b, [ids[b - 1]!, ids[b + 1]!], 60_000)

        const photo = jpegFixture({ bytes: 900 * 1024, width: 1600, height: 1200, seed: 15 })
        const thumb = jpegFixture({ bytes: 12 * 1024, width: 320, height: 240, seed: 16 })
        await writeFile(join(files, 'bike.jpg'), photo)
        await writeFile(join(files, 'bike-thumb.jpg'), thumb)
        const posted = await kiezJson<EntryJson>(lab, 0, [
          'post',
          'Fahrrad zu verkaufen',
          '--image',
          join(files, 'bike.jpg'),
          '--alt',
          'ein blaues Hollandrad',
          '--thumb',
          join(files, 'bike-thumb.jpg')
        ])
        const img = posted.images?.[0] as { cid: string, bytes: number, thumb: { cid: string } }
        expect(img).toMatchObject({ bytes: 900 * 1024, width: 1600, height: 1200, alt: 'ein blaues Hollandrad' })

        // the entry reaches box 5, and with it its thumbnail (fetched in the background), not the photo
        await eventually(
          async () => (await kiezJson<{ verdict: string }>(lab, 4, ['why', posted.id])).verdict === 'here',
          { what: 'box 5 to hold the post', timeoutMs: 120_000, intervalMs: 1000 }
        )
        await eventually(async () => ((await status(lab, 4)).blobs?.thumbsFetched ?? 0) >= 1, {
          what: 'box 5 to fetch the thumbnail with the entry',
          timeoutMs: 60_000,
          intervalMs: 1000
        }).catch(async (err: unknown) => {
          const all = await Promise.all([0, 1, 2, 3, 4].map(async (b) => (await status(lab, b)).blobs))
          throw new Error(`${(err as Error).message}; blobs: ${JSON.stringify(all)}`)
        })
        const before = await Promise.all([0, 1, 2, 3, 4].map(async (b) => (await status(lab, b)).blobs))
        expect(before[4]).toMatchObject({ count: 1, bytes: thumb.byteLength })
        for (const b of [1, 2, 3, 4]) {
          expect(before[b]?.bytes, `box ${b + 1} holds the photo before anyone opened it`).toBeLessThan(
            photo.byteLength
          )
        }
        const thumbOn5 = await open(lab, 4, img.thumb.cid)
        expect(thumbOn5).toMatchObject({ status: 200, type: 'image/jpeg', bytes: thumb.byteLength })

        // someone on box 5's LAN opens it: fetched through boxes 4, 3, 2 from box 1, byte-identical
        const t0 = performance.now()
        const got = await open(lab, 4, img.cid)
        const openMs = Math.round(performance.now() - t0)
        expect(got).toMatchObject({
          status: 200,
          type: 'image/jpeg',
          nosniff: 'nosniff',
          cache: 'public, max-age=31536000, immutable',
          csp: 'default-src \'none\'',
          bytes: photo.byteLength,
          sha256: createHash('sha256').update(photo).digest('hex')
        })
        const after = await Promise.all([0, 1, 2, 3, 4].map(async (b) => (await status(lab, b)).blobs))
        console.log(`900 KiB photo opened on box 5 in ${openMs} ms; blobs after:`, JSON.stringify(after))
        expect(after[4]?.fetched).toBe((before[4]?.fetched ?? 0) + 1)
        expect(after[4]?.bytes).toBe(thumb.byteLength + photo.byteLength)
        // each relay fetched it once and served it once; box 1 served it
        for (const b of [1, 2, 3]) {
          expect(after[b]?.fetched, `box ${b + 1} fetched`).toBe((before[b]?.fetched ?? 0) + 1)
          expect((after[b]?.servedBytes ?? 0) - (before[b]?.servedBytes ?? 0), `box ${b + 1} served`)
            .toBe(photo.byteLength)
        }
        expect((after[0]?.servedBytes ?? 0) - (before[0]?.servedBytes ?? 0)).toBe(photo.byteLength)
        expect(after.every((s) => s?.refused === 0)).toBe(true)
        expect(await held(lab, 4)).toBe(2)
        // opened again: from box 5's own store, nothing fetched
        expect((await open(lab, 4, img.cid)).sha256).toBe(got.sha256)
        expect((await status(lab, 4)).blobs?.fetched).toBe(after[4]?.fetched)

        // an SVG or HTML upload is refused, whatever type it claims
        const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
        expect(await upload(lab, 0, svg, 'image/svg+xml')).toEqual({ status: 415, code: 'unsupported_image' })
        expect(await upload(lab, 0, '<!doctype html><script>alert(1)</script>', 'image/jpeg'))
          .toEqual({ status: 415, code: 'unsupported_image' })
        // box 1 deletes the post: every box drops its blobs, as it drops its text
        await kiezJson<EntryJson>(lab, 0, ['delete', posted.id])
        await eventually(async () => {
          const counts = await Promise.all([0, 1, 2, 3, 4].map(async (b) => (await status(lab, b)).blobs?.count))
          return counts.every((n) => n === 0) ? counts : false
        }, { what: 'every box to drop the deleted post\'s blobs', timeoutMs: 60_000, intervalMs: 1000 })
        for (const b of [0, 1, 2, 3, 4]) expect(await held(lab, b), `box ${b + 1} blob files`).toBe(0)
        // an unknown blob on box 5: asked around, then a JSON 404
        const absent = await open(lab, 4, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
        expect(absent).toMatchObject({ status: 404, code: 'blob_not_found' })
      } finally {
        await lab.close()
        await rm(files, { recursive: true, force: true })
      }
    },
    420_000
  )
})
