// The home-screen icons (a white house on Kiez green) as PNGs, drawn here so
// the repository holds no binary and the build needs no image tool.
import { deflateSync } from 'node:zlib'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk (type, data) {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'ascii')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

const GREEN = [0x2e, 0x6b, 0x4f]
const WHITE = [0xff, 0xff, 0xff]

/** The colour at (x, y) of a size×size icon, in units of the icon's width (0…1). */
function pixel (x, y, maskable) {
  // a maskable icon is cropped to a circle by the launcher: fill it all, keep the house in the middle 60 %
  const corner = 0.18
  if (!maskable) {
    const cx = Math.min(Math.max(x, corner), 1 - corner)
    const cy = Math.min(Math.max(y, corner), 1 - corner)
    if ((x - cx) ** 2 + (y - cy) ** 2 > corner ** 2) return undefined // transparent outside the rounded square
  }
  const s = maskable ? 0.8 : 1
  const u = (x - 0.5) / s + 0.5
  const v = (y - 0.5) / s + 0.5
  const roof = v >= 0.22 && v <= 0.48 && Math.abs(u - 0.5) <= (v - 0.22) * (0.3 / 0.26)
  const body = u >= 0.28 && u <= 0.72 && v > 0.47 && v <= 0.78
  const door = u >= 0.44 && u <= 0.56 && v >= 0.6 && v <= 0.78
  return (roof || body) && !door ? WHITE : GREEN
}

/** A size×size RGBA PNG of the icon. */
export function iconPng (size, maskable = false) {
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1)
    raw[row] = 0 // filter: none
    for (let x = 0; x < size; x++) {
      const c = pixel((x + 0.5) / size, (y + 0.5) / size, maskable)
      const o = row + 1 + x * 4
      if (c === undefined) continue
      raw[o] = c[0]
      raw[o + 1] = c[1]
      raw[o + 2] = c[2]
      raw[o + 3] = 255
    }
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

/** The icons the manifest names: file name → PNG. */
export function icons () {
  return {
    'icon-192.png': iconPng(192),
    'icon-512.png': iconPng(512),
    'icon-maskable-512.png': iconPng(512, true)
  }
}
