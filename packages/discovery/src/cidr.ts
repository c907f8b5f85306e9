import { isIP } from 'node:net'

/** An address prefix, e.g. 198.19.250.0/24, kept as bytes so v4 and v6 share one comparison. */
export interface Cidr {
  readonly family: 4 | 6
  readonly bytes: Uint8Array
  readonly prefix: number
  readonly text: string
}

/** Parse "a.b.c.d/n" or "x:y::/n" (what os.networkInterfaces() reports); undefined when invalid. */
export function parseCidr (text: string): Cidr | undefined {
  const slash = text.lastIndexOf('/')
  if (slash < 0) return undefined
  const bytes = ipBytes(text.slice(0, slash))
  const prefixText = text.slice(slash + 1)
  if (bytes == null || !/^\d{1,3}$/.test(prefixText)) return undefined
  const prefix = Number(prefixText)
  if (prefix > bytes.length * 8) return undefined
  return { family: bytes.length === 4 ? 4 : 6, bytes, prefix, text }
}

/** True when `ip` (a textual address) lies inside `cidr`. */
export function cidrContains (cidr: Cidr, ip: string): boolean {
  const bytes = ipBytes(ip)
  if (bytes == null || bytes.length !== cidr.bytes.length) return false
  let bits = cidr.prefix
  for (let i = 0; i < bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if (((bytes[i] ?? 0) & mask) !== ((cidr.bytes[i] ?? 0) & mask)) return false
  }
  return true
}

/** Bytes of a textual IPv4/IPv6 address (IPv4-mapped IPv6 is unwrapped to 4 bytes). */
export function ipBytes (ip: string): Uint8Array | undefined {
  const zoneless = ip.split('%')[0] ?? ''
  const family = isIP(zoneless)
  if (family === 4) return Uint8Array.from(zoneless.split('.').map(Number))
  if (family !== 6) return undefined
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(zoneless)
  if (mapped?.[1] != null) return ipBytes(mapped[1])
  return ipv6Bytes(zoneless)
}

function ipv6Bytes (ip: string): Uint8Array {
  // isIP() already validated the syntax; expand "::" and a trailing dotted quad.
  let text = ip
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (quad?.[1] != null) {
    const [a = 0, b = 0, c = 0, d = 0] = quad[1].split('.').map(Number)
    text = text.slice(0, -quad[1].length) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16)
  }
  const [head = '', tail] = text.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail == null || tail === '' ? [] : tail.split(':')
  const fill = tail == null ? 0 : 8 - headGroups.length - tailGroups.length
  const groups = [...headGroups, ...Array.from({ length: fill }, () => '0'), ...tailGroups]
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    const v = parseInt(g, 16)
    out[i * 2] = v >> 8
    out[i * 2 + 1] = v & 0xff
  })
  return out
}
