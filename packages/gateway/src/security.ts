import { hostname as osHostname, networkInterfaces } from 'node:os'
import type { IncomingMessage, ServerResponse } from 'node:http'

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    'default-src \'none\'; script-src \'self\'; style-src \'self\'; img-src \'self\' data:; connect-src \'self\'; manifest-src \'self\'; base-uri \'none\'; frame-ancestors \'none\'',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer'
}

/** Set before anything else writes, so every answer carries them (errors, 421s and static files too). */
export function setSecurityHeaders (res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
}

/**
 * The names this box answers to: loopback, every local interface address,
 * the hostname and <hostname>.local, plus any configured extras. A Host
 * outside this set is a DNS-rebinding attempt (or a misdirected request).
 */
export function defaultAllowedHosts (hostname = osHostname(), ifaces = networkInterfaces()): string[] {
  const out = new Set(['localhost', '127.0.0.1', '::1'])
  const h = hostname.toLowerCase()
  if (h !== '') {
    out.add(h)
    out.add(h.endsWith('.local') ? h : `${h}.local`)
  }
  for (const addrs of Object.values(ifaces)) {
    for (const a of addrs ?? []) out.add(a.address.toLowerCase().replace(/%.*$/, ''))
  }
  return [...out]
}

/** The host part of a Host header (port and IPv6 brackets stripped, lowercased), or undefined if malformed. */
export function hostOf (header: string | undefined): string | undefined {
  if (header === undefined || header.length === 0 || header.length > 255) return undefined
  const h = header.trim().toLowerCase()
  const v6 = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(h)
  if (v6 !== null) return v6[1]
  const m = /^([a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(h)
  if (m === null) return undefined
  return (m[1] as string).replace(/\.$/, '')
}

export class HostCheck {
  private hosts: Set<string>
  private refreshedAt: number

  /**
   * `hosts` is a list, or a function re-read (at most every `refreshMs`) when
   * a Host is not known: a DHCP lease may give the box a new address while it runs.
   */
  constructor (
    private readonly source: readonly string[] | (() => readonly string[]),
    private readonly refreshMs = 5000,
    private readonly now: () => number = Date.now
  ) {
    this.hosts = this.read()
    this.refreshedAt = now()
  }

  private read (): Set<string> {
    const list = typeof this.source === 'function' ? this.source() : this.source
    return new Set(list.map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')))
  }

  allows (header: string | undefined): boolean {
    const h = hostOf(header)
    if (h === undefined) return false
    if (this.hosts.has(h)) return true
    if (typeof this.source !== 'function' || this.now() - this.refreshedAt < this.refreshMs) return false
    this.hosts = this.read()
    this.refreshedAt = this.now()
    return this.hosts.has(h)
  }

  list (): string[] {
    return [...this.hosts]
  }
}

/**
 * A state-changing request must come from our own page: its Origin names
 * exactly the Host it was sent to, or (no Origin) the browser vouches with
 * Sec-Fetch-Site: same-origin. Anything else is a cross-site request.
 */
export function sameOrigin (req: IncomingMessage): boolean {
  const origin = req.headers.origin
  const host = req.headers.host
  if (typeof origin === 'string' && origin !== 'null') {
    try {
      const u = new URL(origin)
      return (u.protocol === 'http:' || u.protocol === 'https:') && host !== undefined &&
        u.host === new URL(`http://${host}`).host
    } catch {
      return false
    }
  }
  return req.headers['sec-fetch-site'] === 'same-origin' && origin === undefined
}

/** Only `application/json` (with an optional charset) counts as JSON: forms and text/plain cannot be sent cross-site without it. */
export function isJson (contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const [type, ...params] = contentType.split(';').map((s) => s.trim().toLowerCase())
  return type === 'application/json' && params.every((p) => p === '' || p === 'charset=utf-8')
}
