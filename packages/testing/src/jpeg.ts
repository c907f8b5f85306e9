/**
 * A JPEG-structured file of about `bytes` bytes for tests: SOI, APP0 (JFIF),
 * a baseline SOF0 naming `width`×`height`, SOS, scan data from a seeded
 * generator (0xff bytes stuffed with 0x00, as in a real scan), EOI. Not
 * decodable to a picture, but every header a sniffer or a browser reads first
 * is real. Same seed, same bytes.
 */
export function jpegFixture (opts: { bytes: number, width: number, height: number, seed?: number }): Uint8Array {
  const { width: w, height: h } = opts
  const hx = (h: string): number[] => [...Buffer.from(h, 'hex')]
  const head = [
    ...hx('ffd8'), // SOI
    ...hx('ffe000104a46494600010100000100010000'), // APP0 JFIF
    ...hx('ffc0001108'), // SOF0, length 17, 8-bit samples
    h >> 8,
    h & 255,
    w >> 8,
    w & 255,
    ...hx('03012200021101031101'), // 3 components
    ...hx('ffda000c03010002110311003f00') // SOS
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
