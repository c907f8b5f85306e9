import { describe, expect, it } from 'vitest'
import { sniffImage } from './sniff.js'

function jpeg (w: number, h: number): Uint8Array {
  // SOI, an APP0 segment, SOF0 (length 17: precision, height, width, 3 components)
  return Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0x00,
    0x04,
    0x4a,
    0x46,
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    h >> 8,
    h & 255,
    w >> 8,
    w & 255,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
    0xff,
    0xd9
  ])
}
function png (w: number, h: number): Uint8Array {
  const b = Buffer.alloc(33)
  Buffer.from('\x89PNG\r\n\x1a\n', 'latin1').copy(b, 0)
  b.writeUInt32BE(13, 8)
  b.write('IHDR', 12, 'latin1')
  b.writeUInt32BE(w, 16)
  b.writeUInt32BE(h, 20)
  return b
}
function webpX (w: number, h: number): Uint8Array {
  const b = Buffer.alloc(30)
  b.write('RIFF', 0, 'latin1')
  b.write('WEBP', 8, 'latin1')
  b.write('VP8X', 12, 'latin1')
  b.writeUIntLE(w - 1, 24, 3)
  b.writeUIntLE(h - 1, 27, 3)
  return b
}
function avif (w: number, h: number): Uint8Array {
  const b = Buffer.alloc(64)
  b.write('ftypavif', 4, 'latin1')
  b.write('ispe', 30, 'latin1')
  b.writeUInt32BE(w, 38)
  b.writeUInt32BE(h, 42)
  return b
}

describe('sniffImage', () => {
  it('reads type and pixel size of JPEG, PNG, WebP and AVIF from their own bytes', () => {
    expect(sniffImage(jpeg(1600, 1200))).toEqual({ type: 'image/jpeg', width: 1600, height: 1200 })
    expect(sniffImage(png(320, 240))).toEqual({ type: 'image/png', width: 320, height: 240 })
    expect(sniffImage(webpX(800, 600))).toEqual({ type: 'image/webp', width: 800, height: 600 })
    expect(sniffImage(avif(1024, 768))).toEqual({ type: 'image/avif', width: 1024, height: 768 })
  })

  it('refuses SVG, HTML, GIF, truncated headers and a zero size', () => {
    for (
      const s of [
        '<svg xmlns="http://www.w3.org/2000/svg"/>',
        '<!doctype html><script>x</script>',
        'GIF89a\x01\x00\x01\x00'
      ]
    ) {
      expect(sniffImage(Buffer.from(s, 'latin1'))).toBeUndefined()
    }
    expect(sniffImage(jpeg(1600, 1200).subarray(0, 12))).toBeUndefined()
    expect(sniffImage(png(0, 10))).toBeUndefined()
  })
})
