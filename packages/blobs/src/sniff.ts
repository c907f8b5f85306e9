import type { ImageType } from '@kiez/feed'

/** What an image's own bytes say it is: its type by magic bytes and its pixel size from its header. */
export interface SniffedImage {
  type: ImageType
  width: number
  height: number
}

const be16 = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)
const be32 = (b: Uint8Array, i: number): number => be16(b, i) * 0x10000 + be16(b, i + 2)
const le16 = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8)
const le24 = (b: Uint8Array, i: number): number => le16(b, i) | ((b[i + 2] ?? 0) << 16)
function ascii (b: Uint8Array, i: number, s: string): boolean {
  for (let k = 0; k < s.length; k++) if (b[i + k] !== s.charCodeAt(k)) return false
  return true
}

/**
 * JPEG, PNG, WebP or AVIF with a readable pixel size; undefined for anything
 * else (SVG, HTML, GIF, truncated headers): the allowlist the gateway serves
 * and accepts. Never trusts a declared type.
 */
export function sniffImage (b: Uint8Array): SniffedImage | undefined {
  const ok = (type: ImageType, width: number, height: number): SniffedImage | undefined =>
    width > 0 && height > 0 ? { type, width, height } : undefined
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    // walk the markers to the first start-of-frame (SOF0…SOF15 but DHT C4, JPG C8, DAC CC)
    let i = 2
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined
      const m = b[i + 1] as number
      if (m === 0xff) {
        i++
        continue
      }
      if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
        i += 2
        continue
      }
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        return ok('image/jpeg', be16(b, i + 7), be16(b, i + 5))
      }
      if (m === 0xd9 || m === 0xda) return undefined
      i += 2 + be16(b, i + 2)
    }
    return undefined
  }
  if (ascii(b, 0, '\x89PNG\r\n\x1a\n') && ascii(b, 12, 'IHDR') && b.length >= 24) {
    return ok('image/png', be32(b, 16), be32(b, 20))
  }
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') && b.length >= 30) {
    if (ascii(b, 12, 'VP8 ')) return ok('image/webp', le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff)
    if (ascii(b, 12, 'VP8L') && b[20] === 0x2f) {
      const bits = le16(b, 21) + (le16(b, 23) * 0x10000)
      return ok('image/webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1)
    }
    if (ascii(b, 12, 'VP8X')) return ok('image/webp', le24(b, 24) + 1, le24(b, 27) + 1)
    return undefined
  }
  if (ascii(b, 4, 'ftyp') && (ascii(b, 8, 'avif') || ascii(b, 8, 'avis'))) {
    // the first image spatial extents property ('ispe': version/flags, width, height)
    const limit = Math.min(b.length - 16, 64 * 1024)
    for (let i = 12; i < limit; i++) {
      if (ascii(b, i, 'ispe')) return ok('image/avif', be32(b, i + 8), be32(b, i + 12))
    }
  }
  return undefined
}
