/**
 * A JPEG-structured file of about `bytes` bytes for tests: SOI, APP0 (JFIF),
 * a baseline SOF0 naming `width`×`height`, SOS, scan data from a seeded
 * generator (0xff bytes stuffed with 0x00, as in a real scan), EOI. Not
 * decodable to a picture, but every header a sniffer or a browser reads first
 * is real. Same seed, same bytes.
 */
export function jpegFixture (opts: { bytes: number, width: number, height: number, seed?: number }): Uint8Array {
  const { width: w, height: h } = opts
  const head = [
    0xff, 0xd8, // SOI
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // APP0 JFIF
    0xff, 0xc0, 0x00, 0x11, 0x08, h >> 8, h & 255, w >> 8, w & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, // SOF0
    0xff, 0xda, 0x00, 0x0c, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0x00, 0x3f, 0x00 // SOS
  ]
  const out = new Uint8Array(Math.max(opts.bytes, head.length + 2))
  out.set(head)
  let s = (opts.seed ?? 1) >>> 0
  let i = head.length
  while (i < out.length - 2) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const b = s >>> 24
    if (b === 0xff) {
      if (i + 1 >= out.length - 2) break
      out[i++] = 0xff
      out[i++] = 0x00
    } else out[i++] = b
  }
  out[out.length - 2] = 0xff
  out[out.length - 1] = 0xd9 // EOI
  return out
}
