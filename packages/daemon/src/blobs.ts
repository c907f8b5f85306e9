import { join } from 'node:path'
import { BlobExchange, BlobExchangeError, type BlobHost } from '@kiez/blob-exchange'
import { BlobError, BlobStore, sniffImage, type SniffedImage } from '@kiez/blobs'
import { blobCid, MAX_BLOB_BYTES, MAX_IMAGES, parseBlobCid, sha256, type ImageRef, type ImageThumb } from '@kiez/feed'
import type { FeedStore, StoredEntry } from '@kiez/store'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { BlobsJson } from './control/types.js'
import { ApiError } from './errors.js'
import { MetricMirror } from './metric-mirror.js'
import { DATA_DIR_FILES } from './paths.js'

/** How long a LAN open of a blob this box lacks waits for the neighbours (a 5-box line's relays, loaded). */
export const OPEN_TIMEOUT_MS = 30_000
/** Thumbnails waiting to be fetched; past it the newest are dropped (they are fetched when opened). */
const MAX_THUMB_QUEUE = 256
/** Thumbnails fetched at once. */
const THUMB_WORKERS = 2
/** A thumbnail declared larger than this is not fetched with its entry (only when opened). */
const MAX_THUMB_BYTES = 256 * 1024
/** Bytes of thumbnails fetched with entries per hour: a flood of image posts cannot fill the blob share. */
const THUMB_BYTES_PER_HOUR = 32 * 1024 * 1024
/**
 * A thumbnail not fetched is tried again after these delays (ms): the neighbours may still be fetching it
 * themselves (an entry travels faster than its thumbnail).
 */
const THUMB_RETRY_MS = [3_000, 10_000, 30_000]
/** Entries whose images are remembered (their blobs dropped on delete, own blobs kept longest). */
const MAX_INDEXED = 20_000
/**
 * At start, how many of the newest entries are read to remember their images; past them the scan
 * goes on only while a blob held here is named by no entry read yet (a delete must find it).
 */
const SCAN_ENTRIES = 5_000
/** A held blob no entry on this box names, older than this, is dropped at start (an upload never posted, a deleted post's). */
const ORPHAN_AFTER_MS = 60 * 60 * 1000

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The blobs (hex) a post or reply names as images and thumbnails; none for anything else. */
function imageHashes (e: StoredEntry): string[] {
  const b = e.body
  if ((b?.type !== 'post' && b?.type !== 'reply') || b.images === undefined) return []
  return b.images.flatMap((i) => i.thumb !== null ? [hex(i.hash), hex(i.thumb.hash)] : [hex(i.hash)])
}

/** What a post request names of an image: an uploaded blob, its alt text and its uploaded thumbnail. */
export interface ImageRequest {
  cid: string
  alt?: string
  thumb?: string
}

/** What an upload answers (POST /api/v1/blobs, kiez post --image). */
export interface UploadedBlob {
  cid: string
  type: string
  bytes: number
  width: number
  height: number
}

export interface BoxBlobsInit {
  dataDir: string
  /** the blobs' share of the storage budget (StorageWiring.blobBytes) */
  budgetBytes: number
  store: FeedStore
  /** the box's own key or one of its members': their images are evicted last */
  isOwn: (author: Uint8Array) => boolean
  logger: Logger
  now?: () => number
  /** how many of the newest entries the start-up scan reads in full (tests: fewer) */
  scanEntries?: number
}

/**
 * A box's images (issue #15 §1): the blob store under <data dir>/blobs, the
 * blob exchange with the neighbours once the node runs, thumbnails fetched
 * with their entries (bounded), full images fetched when the LAN opens them,
 * and a deleted entry's blobs dropped.
 */
export class BoxBlobs {
  private exchange: BlobExchange | undefined
  /** entry hash → its images' and thumbnails' blob hashes (hex) */
  private readonly byEntry = new Map<string, string[]>()
  /** blob → the neighbour that sent a blob of the same entry (asked first) */
  private readonly from = new Map<string, string>()
  /** blob → its entry's other blobs, for `from` */
  private readonly siblings = new Map<string, string[]>()
  private readonly thumbQueue: Array<{ hash: Uint8Array, attempt: number }> = []
  private readonly retries = new Set<ReturnType<typeof setTimeout>>()
  private thumbWorkers = 0
  private thumbHour = { start: 0, bytes: 0 }
  private uploaded = 0
  private thumbsFetched = 0
  private readonly stops: Array<() => void> = []
  private scan: Promise<void> = Promise.resolve()
  private closed = false
  private readonly now: () => number

  /** `own`: blobs of the box's own and its members' entries (the store evicts them last) */
  private constructor (
    readonly store: BlobStore,
    private readonly own: Set<string>,
    private readonly init: BoxBlobsInit
  ) {
    this.now = init.now ?? Date.now
  }

  static async open (init: BoxBlobsInit): Promise<BoxBlobs> {
    const own = new Set<string>()
    const store = await BlobStore.open({
      dir: join(init.dataDir, DATA_DIR_FILES.blobs),
      budgetBytes: init.budgetBytes,
      isOwn: (h) => own.has(hex(h)),
      ...(init.now !== undefined ? { now: init.now } : {})
    })
    const b = new BoxBlobs(store, own, init)
    b.follow()
    return b
  }

  /** Serves and fetches over /kiez/blob/1.0.0 once the node runs. */
  async attach (host: BlobHost): Promise<void> {
    const exchange = new BlobExchange({
      host,
      get: async (h) => await this.store.get(h),
      put: async (h, bytes) => await this.keep(h, bytes),
      // only blobs an entry here names: a want of made-up hashes is not passed on
      relays: (h) => this.siblings.has(hex(h)),
      onFetched: (h, peer) => {
        for (const s of this.siblings.get(hex(h)) ?? []) this.from.set(s, peer)
      }
    })
    await exchange.start()
    this.exchange = exchange
  }

  async close (): Promise<void> {
    this.closed = true
    for (const stop of this.stops.splice(0)) stop()
    this.thumbQueue.length = 0
    for (const t of this.retries) clearTimeout(t)
    this.retries.clear()
    await this.exchange?.stop()
    this.exchange = undefined
    await this.scan
  }

  status (): BlobsJson {
    const s = this.store.stats()
    const c = this.exchange?.counters
    return {
      count: s.count,
      bytes: s.bytes,
      maxBytes: s.budgetBytes,
      evicted: s.evicted,
      fetched: c?.fetched ?? 0,
      fetchedBytes: c?.fetchedBytes ?? 0,
      served: c?.served ?? 0,
      servedBytes: c?.servedBytes ?? 0,
      refused: c?.refused ?? 0,
      failed: c?.failed ?? 0,
      busy: c?.busy ?? 0,
      uploaded: this.uploaded,
      thumbsFetched: this.thumbsFetched
    }
  }

  /** kiez_blobs_* series in the daemon's registry, read from status() at scrape time. */
  registerMetrics (registry: Registry): void {
    const m = new MetricMirror(registry)
    m.gauge('kiez_blobs_count', 'image blobs this box holds', () => this.status().count)
    m.gauge('kiez_blobs_bytes', 'bytes of the image blobs this box holds', () => this.status().bytes)
    m.gauge('kiez_blobs_max_bytes', 'the blobs\' share of the storage budget', () => this.status().maxBytes)
    m.counter('kiez_blobs_evicted_total', 'blobs evicted for space', () => this.status().evicted)
    m.counter(
      'kiez_blobs_fetched_total',
      'blobs fetched from neighbours (checked against their hash)',
      () => this.status().fetched
    )
    m.counter('kiez_blobs_served_total', 'blobs sent to neighbours', () => this.status().served)
    m.counter(
      'kiez_blobs_refused_total',
      'blobs a neighbour sent that did not match their hash',
      () => this.status().refused
    )
    m.counter('kiez_blobs_failed_total', 'blob fetches no neighbour answered', () => this.status().failed)
  }

  /** Neighbours that sent blobs not matching their hash (scored down: not asked for them again). */
  liars (): Array<{ peerId: string, blobs: number }> {
    return this.exchange?.liars() ?? []
  }

  /**
   * An upload from the LAN: only JPEG/PNG/WebP/AVIF by their own bytes, ≤ 1 MiB; stored under its
   * sha-256. 413 blob_too_large, 415 unsupported_image, 400 blob_empty.
   */
  async upload (bytes: Uint8Array): Promise<UploadedBlob> {
    if (bytes.byteLength === 0) throw new ApiError(400, 'blob_empty', 'the upload is empty')
    if (bytes.byteLength > MAX_BLOB_BYTES) {
      throw new ApiError(
        413,
        'blob_too_large',
        `an image is at most ${MAX_BLOB_BYTES} bytes; this is ${bytes.byteLength}`
      )
    }
    const img = sniffImage(bytes)
    if (img === undefined) {
      throw new ApiError(
        415,
        'unsupported_image',
        'only JPEG, PNG, WebP and AVIF images are taken (judged by their bytes; SVG and HTML never)'
      )
    }
    const hash = sha256(bytes)
    await this.keep(hash, bytes)
    this.own.add(hex(hash))
    this.uploaded++
    return { cid: blobCid(hash), type: img.type, bytes: bytes.byteLength, width: img.width, height: img.height }
  }

  /**
   * The images of a post request, described from the uploaded blobs themselves (type and pixel size
   * from their bytes): 400 bad_images when one is not an id, 404 blob_not_found when it was not uploaded.
   */
  async describe (req: readonly ImageRequest[]): Promise<ImageRef[]> {
    if (!Array.isArray(req) || req.length < 1 || req.length > MAX_IMAGES) {
      throw new ApiError(400, 'bad_images', `a post carries 1..${MAX_IMAGES} images`)
    }
    const one = async (cid: unknown, alt: unknown): Promise<ImageThumb> => {
      const hash = typeof cid === 'string' ? parseBlobCid(cid) : undefined
      if (hash === undefined) {
        throw new ApiError(400, 'bad_images', `${JSON.stringify(cid)} is not a blob id (bafkrei…)`)
      }
      if (alt !== undefined && typeof alt !== 'string') throw new ApiError(400, 'bad_images', 'an alt text is a string')
      const bytes = await this.store.get(hash)
      if (bytes === undefined) {
        throw new ApiError(404, 'blob_not_found', `blob ${cid as string} is not on this box: upload it first`)
      }
      const img = sniffImage(bytes) as SniffedImage // only sniffed images are uploaded
      if (img === undefined) throw new ApiError(415, 'unsupported_image', `blob ${cid as string} is not an image`)
      return { hash, type: img.type, bytes: bytes.byteLength, width: img.width, height: img.height, alt: alt ?? '' }
    }
    const out: ImageRef[] = []
    for (const r of req) {
      if (typeof r !== 'object' || r === null) {
        throw new ApiError(400, 'bad_images', 'an image is an object {cid, alt?, thumb?}')
      }
      const extra = Object.keys(r).filter((k) => k !== 'cid' && k !== 'alt' && k !== 'thumb')
      if (extra.length > 0) throw new ApiError(400, 'bad_images', `an image takes no ${extra.join(', ')}`)
      const main = await one(r.cid, r.alt)
      const thumb = r.thumb === undefined ? null : await one(r.thumb, '')
      out.push({ ...main, thumb })
    }
    return out
  }

  /**
   * A blob opened on the LAN (GET /api/v1/blobs/:cid): from this box, or fetched from the neighbours
   * (kept) within OPEN_TIMEOUT_MS. 404 blob_not_found, 504 blob_timeout, 415 when its bytes are no
   * allowed image (it is never served).
   */
  async open (
    hash: Uint8Array,
    timeoutMs = OPEN_TIMEOUT_MS
  ): Promise<{ bytes: Uint8Array, type: string }> {
    let bytes = await this.store.get(hash)
    if (bytes === undefined) {
      // only blobs an entry on this box names are asked for: a LAN client cannot make the box (and its
      // neighbours) hunt for made-up hashes
      if (this.exchange === undefined || !this.siblings.has(hex(hash))) {
        throw new ApiError(404, 'blob_not_found', 'this box does not hold that blob, and no entry here names it')
      }
      try {
        const key = hex(hash)
        const prefer = this.from.get(key)
        bytes = await this.exchange.fetch(hash, {
          ...(prefer !== undefined ? { prefer: [prefer] } : {}),
          signal: AbortSignal.timeout(timeoutMs)
        })
        await this.keep(hash, bytes)
      } catch (err) {
        if (err instanceof BlobExchangeError && err.code === 'timeout') {
          throw new ApiError(504, 'blob_timeout', 'no neighbour sent that blob in time; try again')
        }
        if (err instanceof BlobExchangeError && err.code === 'busy') {
          throw new ApiError(503, 'blob_busy', 'the box is fetching many blobs; try again', 5)
        }
        throw new ApiError(404, 'blob_not_found', 'neither this box nor its neighbours hold that blob')
      }
    }
    const img = sniffImage(bytes)
    if (img === undefined) throw new ApiError(415, 'unsupported_image', 'that blob is not an image this box serves')
    return { bytes, type: img.type }
  }

  /** Stores a checked blob; a blob the budget cannot hold is still served this once. */
  private async keep (hash: Uint8Array, bytes: Uint8Array): Promise<void> {
    try {
      await this.store.put(hash, bytes)
    } catch (err) {
      if (err instanceof BlobError) throw new ApiError(400, err.code, err.message)
      throw err
    }
  }

  /** Follows the feed store: remembers entries' images, fetches thumbnails, drops a deleted entry's blobs. */
  private follow (): void {
    const { store } = this.init
    this.stops.push(store.onEntry((e, origin) => {
      this.take(e, origin === 'peer')
    }))
    this.stops.push(store.onPayload((e) => {
      this.take(e, true)
    }))
    this.scan = this.rescan().catch((err: unknown) => {
      this.init.logger.warn({ err }, 'could not read the store for images; deletes of older entries keep their blobs')
    })
  }

  private async rescan (): Promise<void> {
    const started = this.now()
    const held = new Map(this.store.held().map((b) => [b.hash, b.storedAt]))
    // held blobs some entry read so far names (kept apart from the index, which is capped)
    const named = new Set<string>()
    const newest = this.init.scanEntries ?? SCAN_ENTRIES
    let before: string | undefined
    let complete = false
    for (let read = 0; !this.closed;) {
      const page = await this.init.store.timeline(before === undefined ? { limit: 500 } : { limit: 500, before })
      for (const e of page.entries) {
        const names = imageHashes(e).filter((h) => held.has(h))
        // past the newest, only entries that name a blob held here not named yet: the index stays bounded
        if (read++ < newest || names.some((h) => !named.has(h))) this.take(e, false)
        for (const h of names) named.add(h)
      }
      if (page.next === undefined || page.entries.length === 0) {
        complete = true
        break
      }
      if (read >= newest && named.size === held.size) break
      before = page.next
    }
    if (!complete || this.closed) return
    // read to the end: a held blob no entry here names is an orphan (its post deleted, or an upload never posted)
    for (const [h, storedAt] of held) {
      if (named.has(h) || this.siblings.has(h) || started - storedAt < ORPHAN_AFTER_MS) continue
      await this.store.drop(Buffer.from(h, 'hex')).catch(() => {})
    }
  }

  private take (e: StoredEntry, fetchThumbs: boolean): void {
    const b = e.body
    if (b === undefined) return
    if (b.type === 'delete') {
      void this.dropEntry(b.target)
      return
    }
    if ((b.type !== 'post' && b.type !== 'reply') || b.images === undefined || e.fate?.reason === 'deleted') return
    const key = hex(e.hash)
    const hashes = imageHashes(e)
    if (!this.byEntry.has(key) && this.byEntry.size >= MAX_INDEXED) {
      const oldest = this.byEntry.keys().next().value as string
      for (const h of this.byEntry.get(oldest) ?? []) this.siblings.delete(h)
      this.byEntry.delete(oldest)
    }
    this.byEntry.set(key, hashes)
    for (const h of hashes) this.siblings.set(h, hashes)
    if (this.init.isOwn(e.author)) { for (const h of hashes) this.own.add(h) }
    else if (fetchThumbs) {
      for (const img of b.images) {
        if (img.thumb !== null && img.thumb.bytes <= MAX_THUMB_BYTES) this.queueThumb(img.thumb)
      }
    }
  }

  private async dropEntry (target: Uint8Array): Promise<void> {
    const key = hex(target)
    const hashes = this.byEntry.get(key)
    if (hashes === undefined) return
    this.byEntry.delete(key)
    for (const h of hashes) {
      this.own.delete(h)
      this.siblings.delete(h)
      this.from.delete(h)
    }
    // all at once: each drop leaves the index before its first await, so none is served once the delete
    // is committed (one after another, the thumbnail stayed servable while the photo's file was unlinked)
    await Promise.all(hashes.map(async (h) => await this.store.drop(Buffer.from(h, 'hex')).catch(() => {})))
  }

  private queueThumb (t: ImageThumb): void {
    this.queueThumbHash(t.hash, 0)
  }

  private queueThumbHash (hash: Uint8Array, attempt: number): void {
    if (this.closed || this.store.has(hash) || this.thumbQueue.length >= MAX_THUMB_QUEUE) return
    this.thumbQueue.push({ hash, attempt })
    while (this.thumbWorkers < THUMB_WORKERS && this.thumbQueue.length > 0) {
      this.thumbWorkers++
      void this.thumbWorker().finally(() => this.thumbWorkers--)
    }
  }

  private async thumbWorker (): Promise<void> {
    for (let next = this.thumbQueue.shift(); next !== undefined && !this.closed; next = this.thumbQueue.shift()) {
      const h = next.hash
      const exchange = this.exchange
      if (exchange === undefined || this.store.has(h)) continue
      const t = this.now()
      if (t - this.thumbHour.start > 3_600_000) this.thumbHour = { start: t, bytes: 0 }
      if (this.thumbHour.bytes >= THUMB_BYTES_PER_HOUR) continue
      try {
        const prefer = this.from.get(hex(h))
        const bytes = await exchange.fetch(h, prefer !== undefined ? { prefer: [prefer] } : {})
        this.thumbHour.bytes += bytes.byteLength
        await this.store.put(h, bytes)
        this.thumbsFetched++
      } catch (err) {
        const delay = THUMB_RETRY_MS[next.attempt]
        if (delay === undefined) {
          this.init.logger.debug({ err, blob: blobCid(h) }, 'thumbnail not fetched (fetched when opened)')
          continue
        }
        const attempt = next.attempt + 1
        const timer = setTimeout(() => {
          this.retries.delete(timer)
          this.queueThumbHash(h, attempt)
        }, delay)
        timer.unref()
        // bounded as the queue is: at most one timer per queued thumbnail
        if (this.retries.size >= MAX_THUMB_QUEUE) clearTimeout(timer)
        else this.retries.add(timer)
      }
    }
  }
}
