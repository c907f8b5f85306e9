/**
 * Photos are prepared in the browser, never on the box (docs/DECISIONS.md,
 * "Photos on the web page"): decoded upright, scaled to at most 1600 px on the
 * long side, and drawn onto a fresh canvas that is encoded again. Only pixels
 * cross the canvas, so EXIF (GPS position, camera, time), XMP and ICC data of
 * the original are gone from what is uploaded. A thumbnail of at most 320 px
 * is made from the same pixels.
 */

/** A blob's size limit on the box (docs/PROTOCOL.md, "Images"). */
export const MAX_IMAGE_BYTES = 1024 * 1024
/** The long side of an uploaded photo, in pixels. */
export const MAX_SIDE = 1600
/** The long side of a thumbnail (the protocol's limit for a thumb). */
export const THUMB_SIDE = 320
/** A post or reply carries at most this many images. */
export const MAX_IMAGES = 4
/**
 * A file larger than this is not decoded at all: a phone's photo is 2 … 15 MB,
 * and decoding a huge one could take the tab's memory.
 */
export const MAX_INPUT_BYTES = 40 * 1024 * 1024
/** JPEG/WebP qualities tried in turn until the photo fits in {@link MAX_IMAGE_BYTES}. */
export const QUALITIES = [0.85, 0.75, 0.65, 0.5, 0.35] as const
const THUMB_QUALITY = 0.7

export type PreparedType = 'image/jpeg' | 'image/webp'

/** Why a photo could not be prepared; the page says it in the reader's language (i18n `images.errors`). */
export type PrepareErrorCode = 'not_an_image' | 'input_too_large' | 'decode_failed' | 'too_large' | 'encode_failed'

export class PrepareError extends Error {
  constructor (readonly code: PrepareErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PrepareError'
  }
}

/** One encoding of a photo: what is uploaded as a blob. */
export interface Rendition {
  blob: Blob
  type: PreparedType
  /** blob.size */
  bytes: number
  width: number
  height: number
}

export interface PreparedImage {
  full: Rendition
  /** null when the photo itself is no larger than a thumbnail */
  thumb: Rendition | null
}

export interface PrepareOptions {
  /**
   * The encoding to try first; WebP falls back to JPEG where the browser cannot encode it.
   *
   * @default 'image/webp'
   */
  prefer?: PreparedType
  /** @default MAX_IMAGE_BYTES */
  maxBytes?: number
  /** @default MAX_SIDE */
  maxSide?: number
  /** @default THUMB_SIDE */
  thumbSide?: number
}

/** `width` × `height` scaled down (never up) so the long side is at most `max`, each side at least 1. */
export function fitWithin (width: number, height: number, max: number): { width: number, height: number } {
  const long = Math.max(width, height)
  if (long <= max) return { width, height }
  const scale = max / long
  return {
    width: Math.max(1, Math.min(max, Math.round(width * scale))),
    height: Math.max(1, Math.min(max, Math.round(height * scale)))
  }
}

/** Files a phone or a file picker may hand us that are not photos (the type is the picker's guess). */
function notAnImage (file: Blob): boolean {
  return file.type !== '' && !file.type.startsWith('image/')
}

type Surface = OffscreenCanvas | HTMLCanvasElement

function surface (width: number, height: number): Surface {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height)
  const c = document.createElement('canvas')
  c.width = width
  c.height = height
  return c
}

/** Draws `source` scaled onto a new canvas of that size, on white (JPEG has no transparency). */
function draw (source: CanvasImageSource, width: number, height: number): Surface {
  const canvas = surface(width, height)
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null
  if (ctx === null) throw new PrepareError('encode_failed', 'this browser gave no 2D canvas')
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, width, height)
  ctx.imageSmoothingEnabled = true
  ctx.imageSmoothingQuality = 'high'
  ctx.drawImage(source, 0, 0, width, height)
  return canvas
}

async function encode (canvas: Surface, type: PreparedType, quality: number): Promise<Blob> {
  if ('convertToBlob' in canvas) return await canvas.convertToBlob({ type, quality })
  return await new Promise<Blob>((resolve, reject) => {
    canvas.toBlob(
      (b) => {
        if (b === null) reject(new PrepareError('encode_failed', 'the canvas gave no image'))
        else resolve(b)
      },
      type,
      quality
    )
  })
}

/**
 * The canvas encoded as `prefer` (or JPEG, where the browser answers WebP with
 * a PNG), at the first quality that fits in `maxBytes`.
 */
async function fit (
  canvas: Surface,
  prefer: PreparedType,
  qualities: readonly number[],
  maxBytes: number
): Promise<Rendition> {
  let type = prefer
  let smallest = Infinity
  for (const quality of qualities) {
    let blob = await encode(canvas, type, quality)
    // a browser that cannot encode a type gives PNG instead: fall back to JPEG, which every browser encodes
    if (blob.type !== type && type !== 'image/jpeg') {
      type = 'image/jpeg'
      blob = await encode(canvas, type, quality)
    }
    if (blob.type !== type) throw new PrepareError('encode_failed', `the browser encoded ${blob.type}, not ${type}`)
    if (blob.size <= maxBytes) return { blob, type, bytes: blob.size, width: canvas.width, height: canvas.height }
    smallest = Math.min(smallest, blob.size)
  }
  throw new PrepareError(
    'too_large',
    `the photo is still ${smallest} bytes at the lowest quality; the limit is ${maxBytes}`
  )
}

/**
 * A photo from a file input, ready to upload: upright, at most `maxSide` px on
 * the long side, re-encoded (no metadata of the original survives), at most
 * `maxBytes`; and its thumbnail.
 */
export async function prepareImage (file: Blob, opts: PrepareOptions = {}): Promise<PreparedImage> {
  const prefer = opts.prefer ?? 'image/webp'
  const maxBytes = opts.maxBytes ?? MAX_IMAGE_BYTES
  const maxSide = opts.maxSide ?? MAX_SIDE
  const thumbSide = opts.thumbSide ?? THUMB_SIDE
  if (notAnImage(file)) throw new PrepareError('not_an_image', `${file.type} is not an image`)
  if (file.size > MAX_INPUT_BYTES) {
    throw new PrepareError('input_too_large', `the file is ${file.size} bytes; at most ${MAX_INPUT_BYTES} are read`)
  }
  let bitmap: ImageBitmap
  try {
    // from-image: a phone stores a portrait photo landscape with an Orientation tag; the tag goes, so turn it now
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
  } catch (err) {
    throw new PrepareError(
      file.type === '' ? 'not_an_image' : 'decode_failed',
      `the browser could not decode it: ${String((err as Error)?.message ?? err)}`,
      { cause: err }
    )
  }
  try {
    const size = fitWithin(bitmap.width, bitmap.height, maxSide)
    const canvas = draw(bitmap, size.width, size.height)
    const full = await fit(canvas, prefer, QUALITIES, maxBytes)
    if (Math.max(full.width, full.height) <= thumbSide) return { full, thumb: null }
    const t = fitWithin(full.width, full.height, thumbSide)
    // the thumb keeps the encoding the full image got (one type per photo)
    const thumb = await fit(
      draw(canvas, t.width, t.height),
      full.type,
      [THUMB_QUALITY, ...QUALITIES.slice(3)],
      maxBytes
    )
    return { full, thumb }
  } finally {
    bitmap.close()
  }
}
