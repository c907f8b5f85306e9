import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { HASH_BYTES } from './constants.js'

/**
 * Images on posts and replies. The payload carries only a description of
 * each image (its sha2-256, type, size, pixel size, alt text and a thumbnail
 * description); the image bytes are blobs, fetched on demand by hash.
 */

/** The image types a post may name; everything else (SVG, HTML…) is refused: it could carry script. */
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif'] as const
export type ImageType = typeof IMAGE_TYPES[number]

export const MAX_IMAGES = 4
/** a blob's size limit: one image, 1 MiB */
export const MAX_BLOB_BYTES = 1024 * 1024
export const MAX_IMAGE_SIDE = 16384
export const MAX_THUMB_SIDE = 320
export const MAX_ALT_BYTES = 1000

export interface ImageThumb {
  /** sha2-256 of the blob */
  readonly hash: Uint8Array
  readonly type: string
  readonly bytes: number
  readonly width: number
  readonly height: number
  readonly alt: string
}

export interface ImageRef extends ImageThumb {
  readonly thumb: ImageThumb | null
}

const RAW = 0x55
const SHA2_256 = 0x12

/** A blob id: a CIDv1 (raw, sha2-256) of the blob bytes, base32 (`bafkrei…`). */
export function blobCid (hash: Uint8Array): string {
  return CID.createV1(RAW, Digest.create(SHA2_256, hash)).toString()
}

/** The sha2-256 digest inside a blob id, or undefined when the string is not one. */
export function parseBlobCid (id: string): Uint8Array | undefined {
  if (typeof id !== 'string' || id.length > 100) return undefined
  try {
    const cid = CID.parse(id)
    if (
      cid.version !== 1 || cid.code !== RAW || cid.multihash.code !== SHA2_256 ||
      cid.multihash.digest.byteLength !== HASH_BYTES || cid.toString() !== id
    ) return undefined
    return cid.multihash.digest
  } catch {
    return undefined
  }
}

/** CBOR value of one image (payload order): [hash, type, bytes, width, height, alt, thumb?]. */
export function imageValue (img: ImageRef | ImageThumb, withThumb: boolean): unknown[] {
  const v: unknown[] = [img.hash, img.type, img.bytes, img.width, img.height, img.alt]
  if (withThumb) {
    const t = (img as ImageRef).thumb
    v.push(t === null ? null : imageValue(t, false))
  }
  return v
}

function isUint (v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/** Reads the shape (not the limits) of a decoded images value; undefined when it is not one. */
export function imagesFromValue (v: unknown): ImageRef[] | undefined {
  if (!Array.isArray(v)) return undefined
  const out: ImageRef[] = []
  for (const item of v) {
    const img = oneFromValue(item, true)
    if (img === undefined) return undefined
    out.push(img as ImageRef)
  }
  return out
}

function oneFromValue (v: unknown, withThumb: boolean): ImageRef | ImageThumb | undefined {
  if (!Array.isArray(v) || v.length !== (withThumb ? 7 : 6)) return undefined
  const [hash, type, bytes, width, height, alt] = v as unknown[]
  if (!(hash instanceof Uint8Array) || hash.byteLength !== HASH_BYTES) return undefined
  if (typeof type !== 'string' || typeof alt !== 'string') return undefined
  if (!isUint(bytes) || !isUint(width) || !isUint(height)) return undefined
  const base = { hash, type, bytes, width, height, alt }
  if (!withThumb) return base
  const t = v[6]
  if (t === null) return { ...base, thumb: null }
  const thumb = oneFromValue(t, false)
  return thumb === undefined ? undefined : { ...base, thumb }
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8')

/** The content limits of an images list; a message when one is broken. */
export function imagesProblem (images: readonly ImageRef[]): string | undefined {
  if (images.length === 0) return 'images must hold at least one image (omit the item instead)'
  if (images.length > MAX_IMAGES) return `at most ${MAX_IMAGES} images`
  for (const img of images) {
    const p = oneProblem(img, MAX_IMAGE_SIDE) ??
      (img.thumb === null ? undefined : oneProblem(img.thumb, MAX_THUMB_SIDE))
    if (p !== undefined) return p
  }
  return undefined
}

function oneProblem (img: ImageThumb, maxSide: number): string | undefined {
  if (!(IMAGE_TYPES as readonly string[]).includes(img.type)) {
    return `image type ${JSON.stringify(img.type.slice(0, 40))} is not allowed`
  }
  if (img.bytes < 1 || img.bytes > MAX_BLOB_BYTES) return `image bytes must be 1..${MAX_BLOB_BYTES}`
  if (img.width < 1 || img.height < 1 || img.width > maxSide || img.height > maxSide) {
    return `image width and height must be 1..${maxSide}`
  }
  if (byteLength(img.alt) > MAX_ALT_BYTES) return `image alt is over ${MAX_ALT_BYTES} UTF-8 bytes`
  return undefined
}

/** The feed JSON of an images list. */
export function imagesJson (images: readonly ImageRef[]): Array<Record<string, unknown>> {
  const one = (i: ImageThumb): Record<string, unknown> => ({
    cid: blobCid(i.hash),
    type: i.type,
    bytes: i.bytes,
    width: i.width,
    height: i.height,
    alt: i.alt
  })
  return images.map((i) => ({ ...one(i), thumb: i.thumb === null ? null : one(i.thumb) }))
}
