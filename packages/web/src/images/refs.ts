/**
 * How the page names images: `POST /api/v1/blobs` answers a {@link BlobRef};
 * a post carries, and the feed JSON shows, `images: ImageRef[]`
 * (docs/PROTOCOL.md, "Images"; docs/HTTP-API.md). What comes from the box is
 * shape-checked here like every other answer (api.ts): an image of the wrong
 * shape is left out, never shown.
 */
import { MAX_IMAGES } from './prepare.js'

/** The types a box stores and serves (judged by magic bytes there; this only filters what the page shows). */
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif'] as const
export type ImageType = typeof IMAGE_TYPES[number]

/** The longest alt text, in UTF-8 bytes (the protocol's limit). */
export const MAX_ALT_BYTES = 1000

/** A stored blob, as `POST /api/v1/blobs` answers it (201). */
export interface BlobRef {
  /** CIDv1, raw codec, sha2-256, base32: `bafkrei…` */
  cid: string
  type: ImageType
  bytes: number
  width: number
  height: number
}

export interface ThumbRef extends BlobRef {
  alt: string
}

/** One image of a post or reply: in `POST /posts`'s `images`, and in the feed JSON. */
export interface ImageRef extends BlobRef {
  alt: string
  thumb: ThumbRef | null
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
/** base32 lower case, as a CIDv1 prints; the length bounds what a URL path gets */
const CID = /^b[a-z2-7]{20,120}$/
const side = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 16_384
const size = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 1024 * 1024

/** A blob's description from the network, or undefined when any part is off. */
export function asBlobRef (x: unknown): BlobRef | undefined {
  if (!isObject(x)) return undefined
  const { cid, type, bytes, width, height } = x
  if (typeof cid !== 'string' || !CID.test(cid)) return undefined
  if (typeof type !== 'string' || !(IMAGE_TYPES as readonly string[]).includes(type)) return undefined
  if (!size(bytes) || !side(width) || !side(height)) return undefined
  return { cid, type: type as ImageType, bytes, width, height }
}

function asThumb (x: unknown): ThumbRef | undefined {
  const b = asBlobRef(x)
  if (b === undefined || !isObject(x) || Math.max(b.width, b.height) > 320) return undefined
  return { ...b, alt: typeof x.alt === 'string' ? x.alt : '' }
}

/** An entry's `images`, each checked; undefined when there are none the page can show. */
export function asImages (x: unknown): ImageRef[] | undefined {
  if (!Array.isArray(x)) return undefined
  const out: ImageRef[] = []
  for (const item of x.slice(0, MAX_IMAGES)) {
    const b = asBlobRef(item)
    if (b === undefined || !isObject(item)) continue
    out.push({ ...b, alt: typeof item.alt === 'string' ? item.alt : '', thumb: asThumb(item.thumb) ?? null })
  }
  return out.length > 0 ? out : undefined
}

/** Where the box serves a blob (same origin: the CSP's img-src 'self'). */
export function blobUrl (cid: string, base = '/api/v1'): string {
  return `${base}/blobs/${encodeURIComponent(cid)}`
}
