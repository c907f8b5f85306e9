import { readFile, stat } from 'node:fs/promises'
import { sniffImage } from '@kiez/blobs'
import { MAX_BLOB_BYTES, MAX_IMAGES, MAX_THUMB_SIDE } from '@kiez/feed'
import type { ControlClient } from '@kiez/daemon/control'
import { CliError, EXIT } from './errors.js'

/** `kiez post --image FILE [--alt TEXT] [--thumb FILE]`: each repeatable, paired by order. */
export interface ImageOptions {
  image?: string[]
  alt?: string[]
  thumb?: string[]
}

export interface CheckedImage {
  path: string
  bytes: Uint8Array
}

function refuse (
  code: 'image_unreadable' | 'image_too_large' | 'unsupported_image' | 'too_many_images',
  msg: string
): CliError {
  return new CliError(code, msg, EXIT.usage)
}

/**
 * Reads and checks an already-prepared image before anything is sent: ≤ 1 MiB, JPEG/PNG/WebP/AVIF by its
 * own bytes (the box checks again), a thumbnail at most 320 px on its long side.
 */
export async function checkImage (path: string, thumb = false): Promise<CheckedImage> {
  const size = await stat(path).then((s) => s.size, () => undefined)
  if (size === undefined) throw refuse('image_unreadable', `cannot read the image ${path}`)
  if (size > MAX_BLOB_BYTES) {
    throw refuse(
      'image_too_large',
      `${path} is ${size} bytes; an image is at most ${MAX_BLOB_BYTES} (1 MiB): scale it down first`
    )
  }
  const bytes = new Uint8Array(await readFile(path))
  const img = sniffImage(bytes)
  if (img === undefined) {
    throw refuse('unsupported_image', `${path} is no JPEG, PNG, WebP or AVIF image (judged by its bytes)`)
  }
  if (thumb && Math.max(img.width, img.height) > MAX_THUMB_SIDE) {
    throw refuse(
      'unsupported_image',
      `the thumbnail ${path} is ${img.width}×${img.height}; at most ${MAX_THUMB_SIDE} px a side`
    )
  }
  return { path, bytes }
}

export interface CheckedImages {
  images: CheckedImage[]
  thumbs: CheckedImage[]
  alt: string[]
}

/** Checks every file before anything is sent (a refusal is a usage error, exit 2). */
export async function checkImages (opts: ImageOptions): Promise<CheckedImages> {
  const images = opts.image ?? []
  if (images.length > MAX_IMAGES) throw refuse('too_many_images', `a post carries at most ${MAX_IMAGES} images`)
  if ((opts.alt?.length ?? 0) > images.length || (opts.thumb?.length ?? 0) > images.length) {
    throw refuse('too_many_images', 'each --alt and --thumb belongs to an --image before it')
  }
  return {
    images: await Promise.all(images.map(async (p) => await checkImage(p))),
    thumbs: await Promise.all((opts.thumb ?? []).map(async (p) => await checkImage(p, true))),
    alt: opts.alt ?? []
  }
}

/** Uploads checked images: the post's `images` request. */
export async function uploadImages (
  checked: CheckedImages,
  client: Pick<ControlClient, 'uploadBlob'>
): Promise<Array<{ cid: string, alt?: string, thumb?: string }>> {
  const out: Array<{ cid: string, alt?: string, thumb?: string }> = []
  for (const [i, img] of checked.images.entries()) {
    const one: { cid: string, alt?: string, thumb?: string } = { cid: (await client.uploadBlob(img.bytes)).cid }
    const alt = checked.alt[i]
    if (alt !== undefined) one.alt = alt
    const t = checked.thumbs[i]
    if (t !== undefined) one.thumb = (await client.uploadBlob(t.bytes)).cid
    out.push(one)
  }
  return out
}
