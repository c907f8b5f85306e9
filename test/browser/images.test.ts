import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Browser, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blobCid, createEntry, signerFromSeed } from '@kiez/feed'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { eventually } from '@kiez/testing'
import { createRogue, gossipEntry, item, type Rogue } from '../adversarial/rogue.js'
import { ROOT, killAll } from '../../packages/cli/src/testing/daemons.js'
import {
  LAPTOP,
  WAIT_MS,
  type Box,
  type Watch,
  assertClean,
  axeSerious,
  chromiumSkipReason,
  ensureWebBuilt,
  launch,
  openPage,
  pairingCode,
  postJson,
  screenshot,
  screenshots,
  startBox,
  waitForPost
} from './browser.js'

/*
 * Photos on the web page (issue 15 §1) in a real Chromium against a real
 * daemon: a phone photo WITH an EXIF segment (GPS position, Orientation 6)
 * goes through packages/web/src/images/prepare.ts in the page, and what comes
 * out is upright, at most 1600 px (thumb 320 px), and holds no EXIF and no
 * GPS bytes. Then the compose box: previews, description, Remove, the note
 * that location data is removed, upload progress and a failed upload that
 * keeps the text. And the feed: a neighbour's post with photos shows lazy
 * thumbnails with their descriptions and opens the full photo in a dialog.
 *
 * The box side (POST/GET /api/v1/blobs, posts with `images`) is built on
 * another branch (blobwire). Until it is merged, the compose test answers
 * POST /api/v1/blobs with page.route, for that route ONLY (it does not exist
 * here yet); everything else is the real daemon. The last test, the whole
 * way (upload → feed → thumbnail → full view, and the stored blob has no
 * EXIF), needs the real routes: set BLOB_ROUTES to true after the merge.
 */
const BLOB_ROUTES = true

const skipReason = chromiumSkipReason()
const skip = skipReason !== undefined
if (skip) console.warn(`test/browser: ${skipReason}: browser tests skipped`)

const STAMP = Date.now().toString(36)
/** Written into the GPS IFD (GPSMapDatum): no byte run of it may survive. */
const GPS_MARKER = 'KIEZ-GPS-52.520008N-13.404954E'
/** The latitude's rationals as the GPS IFD stores them (52/1, 31/1, 12/1), big-endian. */
const LATITUDE = Buffer.from([0, 0, 0, 52, 0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 1, 0, 0, 0, 12, 0, 0, 0, 1])

/**
 * An APP1 Exif segment: IFD0 with Orientation 6 (the camera was turned: the
 * stored rows are the picture's right-hand side) and a GPS IFD with version,
 * latitude ref and value, and GPSMapDatum carrying {@link GPS_MARKER}.
 */
function exifApp1 (): Buffer {
  const tiff: number[] = []
  const u16 = (n: number) => tiff.push((n >> 8) & 0xff, n & 0xff)
  const u32 = (n: number) => tiff.push((n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
  const entry = (tag: number, type: number, count: number, value: number[] | number) => {
    u16(tag)
    u16(type)
    u32(count)
    if (typeof value === 'number') u32(value)
    else tiff.push(...value, ...Array.from({ length: 4 - value.length }, () => 0))
  }
  const marker = [...Buffer.from(`${GPS_MARKER}\0`, 'ascii')]
  // header, IFD0 at 8 (2 entries: 30 bytes), the GPS IFD at 38 (4 entries: 54 bytes), its data at 92
  const gpsIfd = 8 + 2 + 2 * 12 + 4
  const latAt = gpsIfd + 2 + 4 * 12 + 4
  const datumAt = latAt + LATITUDE.length
  tiff.push(0x4d, 0x4d) // "MM": big-endian
  u16(42)
  u32(8)
  u16(2)
  entry(0x0112, 3, 1, [0, 6]) // Orientation = 6 (SHORT, left-justified)
  entry(0x8825, 4, 1, gpsIfd) // GPSInfo IFD pointer
  u32(0)
  u16(4)
  entry(0x0000, 1, 4, [2, 3, 0, 0]) // GPSVersionID
  entry(0x0001, 2, 2, [0x4e, 0]) // GPSLatitudeRef "N"
  entry(0x0002, 5, 3, latAt) // GPSLatitude
  entry(0x0012, 2, marker.length, datumAt) // GPSMapDatum
  u32(0)
  tiff.push(...LATITUDE, ...marker)
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'ascii'), Buffer.from(tiff)])
  const head = Buffer.from([0xff, 0xe1, 0, 0])
  head.writeUInt16BE(body.length + 2, 2)
  return Buffer.concat([head, body])
}

/** The JPEG with an APP1 Exif segment right after SOI (where cameras put it). */
function withExif (jpeg: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG')
  return Buffer.concat([jpeg.subarray(0, 2), exifApp1(), jpeg.subarray(2)])
}

/** The markers of a JPEG's segments up to the scan (APPn, DQT, SOF…), with each segment's bytes. */
function jpegSegments (jpeg: Buffer): Array<{ marker: number, data: Buffer }> {
  expect([jpeg[0], jpeg[1]], 'SOI').toEqual([0xff, 0xd8])
  const out: Array<{ marker: number, data: Buffer }> = []
  let at = 2
  while (at + 4 <= jpeg.length) {
    expect(jpeg[at], `a marker at ${at}`).toBe(0xff)
    const marker = jpeg[at + 1] as number
    const length = jpeg.readUInt16BE(at + 2)
    out.push({ marker, data: jpeg.subarray(at + 4, at + 2 + length) })
    if (marker === 0xda) break // SOS: entropy-coded data follows
    at += 2 + length
  }
  return out
}

/** The chunk ids of a WebP (RIFF) file: VP8/VP8L/VP8X, and EXIF/XMP/ICCP where metadata is kept. */
function webpChunks (webp: Buffer): string[] {
  expect(webp.subarray(0, 4).toString('latin1')).toBe('RIFF')
  expect(webp.subarray(8, 12).toString('latin1')).toBe('WEBP')
  const out: string[] = []
  for (let at = 12; at + 8 <= webp.length;) {
    out.push(webp.subarray(at, at + 4).toString('latin1'))
    const size = webp.readUInt32LE(at + 4)
    at += 8 + size + (size % 2)
  }
  return out
}

/** Nothing of the original's metadata in a prepared image: no Exif block, no GPS bytes, no APP1 (JPEG), no EXIF/XMP chunk (WebP). */
function assertNoMetadata (bytes: Buffer, type: string): void {
  expect(bytes.includes(Buffer.from('Exif\0\0', 'latin1')), 'an Exif header').toBe(false)
  expect(bytes.includes(Buffer.from(GPS_MARKER.slice(0, 12), 'latin1')), 'the GPS IFD\'s text').toBe(false)
  expect(bytes.includes(LATITUDE), 'the GPS latitude').toBe(false)
  if (type === 'image/jpeg') {
    const markers = jpegSegments(bytes).map((s) => s.marker)
    expect(markers, 'an APP1 segment (EXIF/XMP)').not.toContain(0xe1)
    expect(markers).toContain(0xda)
  } else {
    expect(type).toBe('image/webp')
    const chunks = webpChunks(bytes)
    expect(chunks).not.toContain('EXIF')
    expect(chunks).not.toContain('XMP ')
  }
}

/** A prepared rendition as the page hands it back: its bytes as base64. */
interface Out {
  type: string
  bytes: number
  width: number
  height: number
  b64: string
  /** decoded again in the page: its real size, and the colours at the top and bottom middle */
  decoded: { width: number, height: number, top: number[], bottom: number[] }
}

/** packages/web/src/images/prepare.ts bundled for the page, as `window.__prepare`. */
async function prepareBundle (): Promise<string> {
  const r = await build({
    entryPoints: [join(ROOT, 'packages/web/src/images/prepare.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__prepare',
    target: 'es2022',
    logLevel: 'warning'
  })
  // page.evaluate runs it in a function: the IIFE's `var` would stay local
  return `${r.outputFiles[0]?.text ?? ''}\nwindow.__prepare = __prepare`
}

/**
 * A 2000 × 1500 JPEG encoded by the page's own Chromium: red on the left half,
 * blue on the right (so a turn is visible), plus noise (so the sizes are a
 * photo's, not a flat picture's).
 */
async function baselineJpeg (page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(2000, 1500)
    const ctx = c.getContext('2d') as OffscreenCanvasRenderingContext2D
    const img = ctx.createImageData(2000, 1500)
    let seed = 7
    for (let i = 0; i < img.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      const noise = seed % 48
      const left = (i / 4) % 2000 < 1000
      img.data[i] = left ? 200 + noise : noise
      img.data[i + 1] = noise
      img.data[i + 2] = left ? noise : 200 + noise
      img.data[i + 3] = 255
    }
    ctx.putImageData(img, 0, 0)
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })
    const bytes = new Uint8Array(await blob.arrayBuffer())
    let s = ''
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(s)
  })
  return Buffer.from(b64, 'base64')
}

/** Runs prepareImage in the page on `file` (base64); the result, or the PrepareError's code. */
async function prepareInPage (
  page: Page,
  file: Buffer,
  type: string,
  opts: Record<string, unknown> = {}
): Promise<{ full: Out, thumb: Out | null } | { error: string }> {
  return await page.evaluate(async ([b64, fileType, o]) => {
    type Prepared = { blob: Blob, type: string, bytes: number, width: number, height: number }
    const lib = (window as unknown as {
      __prepare: {
        prepareImage: (f: Blob, o: unknown) => Promise<{ full: Prepared, thumb: Prepared | null }>
        PrepareError: new(...a: never[]) => Error & { code: string }
      }
    }).__prepare
    const raw = atob(b64)
    const bytes = new Uint8Array(raw.length)
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i)
    const out = async (r: Prepared) => {
      const data = new Uint8Array(await r.blob.arrayBuffer())
      let s = ''
      for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000))
      // decoded without orientation: the output must carry none, its pixels are upright already
      const bmp = await createImageBitmap(r.blob, { imageOrientation: 'none' })
      const c = new OffscreenCanvas(bmp.width, bmp.height)
      const ctx = c.getContext('2d') as OffscreenCanvasRenderingContext2D
      ctx.drawImage(bmp, 0, 0)
      const at = (y: number) => Array.from(ctx.getImageData(Math.floor(bmp.width / 2), y, 1, 1).data.slice(0, 3))
      const decoded = { width: bmp.width, height: bmp.height, top: at(2), bottom: at(bmp.height - 3) }
      return { type: r.type, bytes: r.bytes, width: r.width, height: r.height, b64: btoa(s), decoded }
    }
    try {
      const p = await lib.prepareImage(new File([bytes], 'IMG_0001.jpg', { type: fileType }), o)
      return { full: await out(p.full), thumb: p.thumb === null ? null : await out(p.thumb) }
    } catch (err) {
      if (err instanceof lib.PrepareError) return { error: err.code }
      throw err
    }
  }, [file.toString('base64'), type, opts] as const)
}

const isRed = (rgb: number[]) => (rgb[0] ?? 0) > 150 && (rgb[2] ?? 0) < 100
const isBlue = (rgb: number[]) => (rgb[2] ?? 0) > 150 && (rgb[0] ?? 0) < 100

describe.skipIf(skip)(`photos on the web page${skip ? ` (skipped: ${skipReason})` : ''}`, () => {
  let box: Box
  let browser: Browser
  let page: Page
  let watch: Watch
  let photo: Buffer

  beforeAll(async () => {
    await ensureWebBuilt()
    box = await startBox()
    browser = await launch()
    ;({ page, watch } = await openPage(browser, box.url, LAPTOP))
    const paired = await postJson(page, 'pair', { code: await pairingCode(box) })
    if (paired.status >= 300) throw new Error(`pairing refused: ${paired.status}`)
    await page.reload()
    await page.locator('#compose-text').waitFor({ timeout: WAIT_MS })
    await page.evaluate(await prepareBundle())
    photo = withExif(await baselineJpeg(page))
  })

  afterAll(async () => {
    await browser?.close()
    killAll()
    if (box !== undefined) rmSync(box.dataDir, { recursive: true, force: true })
  })

  it('the fixture is a phone photo: Chromium reads its EXIF (turned upright: 1500 × 2000), and it holds the GPS IFD', async () => {
    expect(photo.includes(Buffer.from(GPS_MARKER, 'latin1'))).toBe(true)
    expect(photo.includes(LATITUDE)).toBe(true)
    expect(jpegSegments(photo)[0]?.marker).toBe(0xe1)
    // the check the prepared photos must pass fails on the original
    expect(() => assertNoMetadata(photo, 'image/jpeg')).toThrow(/an Exif header/)
    const size = await page.evaluate(async (b64) => {
      const raw = atob(b64)
      const bytes = Uint8Array.from(raw, (ch) => ch.charCodeAt(0))
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }), { imageOrientation: 'from-image' })
      return [bmp.width, bmp.height]
    }, photo.toString('base64'))
    expect(size).toEqual([1500, 2000])
  })

  for (const prefer of ['image/webp', 'image/jpeg'] as const) {
    it(`prepared as ${prefer}: upright, ≤ 1600 px, thumb ≤ 320 px, ≤ 1 MiB, and no EXIF or GPS bytes left`, async () => {
      const r = await prepareInPage(page, photo, 'image/jpeg', { prefer })
      if ('error' in r) throw new Error(`prepareImage refused the photo: ${r.error}`)
      const { full, thumb } = r
      expect(thumb).not.toBeNull()
      if (thumb === null) return
      for (const out of [full, thumb]) {
        // Chromium encodes both; another browser may answer WebP with JPEG
        expect(out.type).toBe(prefer)
        const bytes = Buffer.from(out.b64, 'base64')
        expect(out.bytes).toBe(bytes.length)
        expect(bytes.length).toBeLessThanOrEqual(1024 * 1024)
        assertNoMetadata(bytes, out.type)
        // the size it says is the size it is, and the red half (the stored left) is now on top
        expect([out.decoded.width, out.decoded.height]).toEqual([out.width, out.height])
        expect(isRed(out.decoded.top), `top ${out.decoded.top.join(',')}`).toBe(true)
        expect(isBlue(out.decoded.bottom), `bottom ${out.decoded.bottom.join(',')}`).toBe(true)
      }
      expect([full.width, full.height]).toEqual([1200, 1600])
      expect([thumb.width, thumb.height]).toEqual([240, 320])
    })
  }

  it('refuses with a code: not an image, not decodable, too large even at the lowest quality', async () => {
    expect(await prepareInPage(page, Buffer.from('hello'), 'text/plain')).toEqual({ error: 'not_an_image' })
    expect(await prepareInPage(page, Buffer.from('\xff\xd8 not really a jpeg', 'latin1'), 'image/jpeg')).toEqual({
      error: 'decode_failed'
    })
    expect(await prepareInPage(page, photo, 'image/jpeg', { maxBytes: 2000 })).toEqual({ error: 'too_large' })
  })

  it('compose: previews with a description and Remove, the note on location data, progress, a failed upload keeps the text, then a post with `images`', async () => {
    // page.route for POST /api/v1/blobs ONLY: that route is on the blobwire branch, not here yet.
    // It answers as the box will (201, the CID of the bytes), once with 503 to see the text kept.
    const uploads: Array<{ type: string, body: Buffer }> = []
    let refuseNext = true
    await page.route('**/api/v1/blobs', async (route) => {
      const req = route.request()
      if (req.method() !== 'POST') return await route.fallback()
      if (refuseNext) {
        refuseNext = false
        return await route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'not_running', message: 'the blob store is busy' } })
        })
      }
      const body = req.postDataBuffer() ?? Buffer.alloc(0)
      const type = (await req.headerValue('content-type')) ?? ''
      uploads.push({ type, body })
      const cid = blobCid(createHash('sha256').update(body).digest())
      const dims = await page.evaluate(async ([b64, t]) => {
        const bmp = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: t }))
        return { width: bmp.width, height: bmp.height }
      }, [body.toString('base64'), type] as const)
      await route.fulfill({
        status: 201,
        contentType: 'application/json',
        body: JSON.stringify({ cid, type, bytes: body.length, ...dims })
      })
    })

    const form = page.locator('.kind-compose form')
    await expect.poll(async () => await form.locator('.photo-note').textContent()).toContain('location data (GPS)')
    // two photos from the gallery, then one removed
    await form.locator('input.photo-files').setInputFiles([
      { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: photo },
      { name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: photo }
    ])
    const previews = form.locator('.photo-preview')
    await expect.poll(async () => await previews.count(), { timeout: WAIT_MS }).toBe(2)
    expect(await previews.first().locator('img').getAttribute('src')).toMatch(/^data:image\/(webp|jpeg);base64,/)
    await form.getByRole('button', { name: 'Remove photo 2' }).click()
    expect(await previews.count()).toBe(1)
    await form.getByLabel('Describe photo 1 for people who cannot see it').fill('Red bike, blue wall')
    expect(await axeSerious(page)).toEqual([])
    await screenshots(page, 'photos-compose')

    const text = `Fahrrad zu verschenken ${STAMP}`
    await page.locator('#compose-text').fill(text)
    await form.locator('button[type=submit]').click()
    // the first upload is refused: said so, and the text and the photo stay
    const alert = form.locator('p.error[role=alert]')
    await expect.poll(async () => await alert.textContent(), { timeout: WAIT_MS }).toMatch(
      /^Photo not uploaded: the blob store is busy \(not_running\)\. Your text is kept\.$/
    )
    expect(await page.locator('#compose-text').inputValue()).toBe(text)
    expect(await previews.count()).toBe(1)

    // again: progress while uploading, then the post carries both blobs with the description
    const posted = page.waitForRequest((r: Request) => r.url().endsWith('/api/v1/posts') && r.method() === 'POST')
    const progress = form.locator('.upload-progress')
    await form.locator('button[type=submit]').click()
    await expect.poll(async () => await progress.textContent().catch(() => null), { timeout: WAIT_MS }).toMatch(
      /^Uploading photo 1 of 1…$/
    )
    const req = await posted
    expect(uploads.map((u) => u.type)).toEqual(['image/webp', 'image/webp'])
    for (const u of uploads) assertNoMetadata(u.body, u.type)
    const body = req.postDataJSON() as { text: string, images: Array<Record<string, unknown>> }
    const [full, thumb] = uploads.map((u) => blobCid(createHash('sha256').update(u.body).digest()))
    expect(body.text).toBe(text)
    // each upload by id, with its alt and its thumb's id: the box describes them from the blobs it holds
    expect(body.images).toEqual([{ cid: full, alt: 'Red bike, blue wall', thumb }])
    // the box's answer: the uploads were answered by page.route, so the box holds no such blobs and refuses
    // the post (text and photo kept); were they real, it would take it and the compose box would empty
    const res = await req.response()
    if (res?.status() === 201) {
      await expect.poll(async () => await page.locator('#compose-text').inputValue()).toBe('')
      expect(await previews.count()).toBe(0)
    } else {
      await expect.poll(async () => await alert.textContent(), { timeout: WAIT_MS }).toMatch(/Your text is kept\.$/)
      expect(await page.locator('#compose-text').inputValue()).toBe(text)
      expect(await previews.count()).toBe(1)
    }
    await page.unroute('**/api/v1/blobs')
    await assertClean(page, watch)
  })

  it('German: the note says location data is removed', async () => {
    await page.locator('#lang-select').selectOption('de')
    await expect.poll(async () => await page.locator('.kind-compose .photo-note').textContent(), { timeout: WAIT_MS })
      .toContain('Standortdaten werden entfernt')
    await page.locator('#lang-select').selectOption('en')
    await expect.poll(async () => await page.locator('.kind-compose .photo-note').textContent())
      .toContain('location data (GPS)')
  })

  it('the feed: a neighbour\'s photos as lazy thumbnails (the photo itself where there is no thumb), the full photo in a dialog only when opened', async () => {
    // A neighbouring box (a libp2p node speaking the sync protocol) brings a post with two photos; the box holds
    // no blobs for them (the blob protocol is blobwire's), so the images do not load, but the page shows them as it will.
    const seed = new Uint8Array(createHash('sha256').update(`neighbour ${STAMP}`).digest())
    const signer = signerFromSeed(seed)
    const hash = (s: string) => new Uint8Array(createHash('sha256').update(s).digest())
    const text = `Fahrrad abzugeben, Hof 4 ${STAMP}`
    const post = createEntry(signer, {
      seq: 1,
      previous: null,
      timestamp: Date.now(),
      body: {
        type: 'post',
        text,
        images: [
          {
            hash: hash('bike'),
            type: 'image/jpeg',
            bytes: 400_000,
            width: 1600,
            height: 1200,
            alt: 'Rotes Fahrrad',
            thumb: {
              hash: hash('bike thumb'),
              type: 'image/jpeg',
              bytes: 20_000,
              width: 320,
              height: 240,
              alt: 'Rotes Fahrrad'
            }
          },
          { hash: hash('saddle'), type: 'image/webp', bytes: 30_000, width: 300, height: 200, alt: '', thumb: null }
        ]
      }
    })
    const [bike, bikeThumb, saddle] = ['bike', 'bike thumb', 'saddle'].map((s) => blobCid(hash(s)))
    let rogue: Rogue | undefined
    try {
      rogue = await createRogue({
        privateKey: await generateKeyPairFromSeed('Ed25519', seed),
        serve: new Map([[Buffer.from(signer.publicKey).toString('hex'), [item(post)]]])
      })
      await rogue.dial(box.daemon.listenAddrs[0] as string)
      const r = rogue
      await eventually(() => r.topicPeers().includes(box.daemon.peerId), {
        what: 'the box to take the neighbour as a topic peer',
        timeoutMs: WAIT_MS,
        intervalMs: 200
      })
      await rogue.publish(gossipEntry(item(post)))
      await waitForPost(page, text, { timeout: 40_000 })
    } finally {
      await rogue?.stop()
    }
    const shown = page.locator('.post').filter({ has: page.locator('.post-text', { hasText: text }) })
    const thumbs = shown.locator('.post-images img')
    expect(
      await thumbs.evaluateAll((els) =>
        els.map((e) => [e.getAttribute('src'), e.getAttribute('alt'), e.getAttribute('loading')])
      )
    ).toEqual([
      [`/api/v1/blobs/${bikeThumb}`, 'Rotes Fahrrad', 'lazy'],
      [`/api/v1/blobs/${saddle}`, '', 'lazy']
    ])
    // the full photo is asked for only when opened
    expect(watch.requests.filter((u) => u.includes(bike as string))).toEqual([])
    const open = shown.getByRole('button', { name: 'Photo: Rotes Fahrrad. Show full size' })
    await open.click()
    const dialog = page.getByRole('dialog', { name: 'Rotes Fahrrad' })
    await dialog.waitFor({ timeout: WAIT_MS })
    expect(await dialog.locator('img').getAttribute('src')).toBe(`/api/v1/blobs/${bike}`)
    expect(await dialog.locator('figcaption bdi').textContent()).toBe('Rotes Fahrrad')
    await screenshot(page, 'photos-dialog')
    await expect.poll(() => watch.requests.filter((u) => u.includes(bike as string)).length).toBeGreaterThan(0)
    expect(await axeSerious(page)).toEqual([])
    await page.keyboard.press('Escape')
    await expect.poll(async () => await page.getByRole('dialog').count()).toBe(0)
    expect(await open.evaluate((b) => b === document.activeElement)).toBe(true)
    // no description: the button says so; Close shuts the dialog too
    const second = shown.getByRole('button', { name: 'Photo (no description): show full size' })
    await second.click()
    await page.getByRole('dialog', { name: 'Photo' }).waitFor({ timeout: WAIT_MS })
    expect(await page.getByRole('dialog').locator('figcaption bdi').textContent()).toBe('No description')
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click()
    await expect.poll(async () => await page.getByRole('dialog').count()).toBe(0)
    expect(await second.evaluate((b) => b === document.activeElement)).toBe(true)
    await assertClean(page, watch)
  })

  it.skipIf(!BLOB_ROUTES)(
    'the whole way: upload → feed thumbnail → full view; the stored blob holds no EXIF',
    async () => {
      const text = `Katze entlaufen ${STAMP}`
      const form = page.locator('.kind-compose form')
      // the compose test's made-up blobs were refused by the box, which kept its photo: start empty
      while (await form.getByRole('button', { name: 'Remove photo 1' }).count() > 0) {
        await form.getByRole('button', { name: 'Remove photo 1' }).click()
      }
      await form.locator('input.photo-camera').setInputFiles({
        name: 'IMG_0003.jpg',
        mimeType: 'image/jpeg',
        buffer: photo
      })
      await form.locator('.photo-preview').first().waitFor({ timeout: WAIT_MS })
      await form.getByLabel('Describe photo 1 for people who cannot see it').fill('Grey cat on a red blanket')
      await page.locator('#compose-text').fill(text)
      await form.locator('button[type=submit]').click()
      await waitForPost(page, text)
      const post = page.locator('.post').filter({ has: page.locator('.post-text', { hasText: text }) })
      const thumbImg = post.locator('.post-images img')
      await thumbImg.waitFor({ timeout: WAIT_MS })
      expect(await thumbImg.getAttribute('alt')).toBe('Grey cat on a red blanket')
      expect(await thumbImg.getAttribute('loading')).toBe('lazy')
      const entry = await page.evaluate(async () => {
        const r = await (await fetch('/api/v1/feed?limit=5')).json() as { entries: Array<Record<string, any>> }
        return r.entries.find((e) => Array.isArray(e.images))
      })
      const image = entry?.images?.[0]
      expect(image?.thumb?.cid).toMatch(/^bafkrei/)
      expect(await thumbImg.getAttribute('src')).toBe(`/api/v1/blobs/${String(image.thumb.cid)}`)
      await expect.poll(async () => await thumbImg.evaluate((i: HTMLImageElement) => i.naturalWidth), {
        timeout: WAIT_MS
      })
        .toBe(240)
      // what the box stores and serves: the prepared bytes, no EXIF, no GPS
      for (const cid of [image.cid, image.thumb.cid] as string[]) {
        const res = await page.request.get(`${box.url}api/v1/blobs/${cid}`)
        expect(res.status()).toBe(200)
        assertNoMetadata(await res.body(), res.headers()['content-type'] ?? '')
      }
      // full size in a modal dialog; Escape closes it and focus goes back to the thumbnail
      await post.getByRole('button', { name: 'Photo: Grey cat on a red blanket. Show full size' }).click()
      const dialog = page.getByRole('dialog')
      await dialog.waitFor({ timeout: WAIT_MS })
      const big = dialog.locator('img')
      expect(await big.getAttribute('src')).toBe(`/api/v1/blobs/${String(image.cid)}`)
      await expect.poll(async () => await big.evaluate((i: HTMLImageElement) => i.naturalHeight), { timeout: WAIT_MS })
        .toBe(1600)
      expect(await axeSerious(page)).toEqual([])
      await page.keyboard.press('Escape')
      await expect.poll(async () => await dialog.count()).toBe(0)
      expect(await page.evaluate(() => document.activeElement?.classList.contains('thumb'))).toBe(true)
      await assertClean(page, watch)
    }
  )
})
