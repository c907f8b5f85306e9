import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import { cidrContains } from './cidr.js'
import { ipOf } from './records.js'
import type { LinkInfo } from './links.js'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Is this address's IP on one of the link's prefixes? Addresses that don't start with an IP never are. */
export function onLink (ma: Multiaddr, link: LinkInfo): boolean {
  const ip = ipOf(ma)
  return ip != null && link.cidrs.some(c => c.family === ip.family && cidrContains(c, ip.address))
}

/**
 * The subset of our addresses a neighbour on `link` can reach: those whose IP is on
 * the link, with a wildcard IPv4 listener (0.0.0.0:port) replaced by the link's own
 * IPv4. Every result ends in /p2p/<peerId>, as the record format demands.
 */
export function addrsForLink (ours: readonly Multiaddr[], link: LinkInfo, peerId: string): Multiaddr[] {
  const out = new Map<string, Multiaddr>()
  for (const original of ours) {
    let ma = original
    const text = ma.toString()
    if (text.startsWith('/ip4/0.0.0.0/')) {
      if (/^\/ip4\/0\.0\.0\.0\/(tcp|udp)\/0(\/|$)/.test(text)) continue // not bound yet: no real port to give
      ma = multiaddr(`/ip4/${link.ipv4}/${text.slice('/ip4/0.0.0.0/'.length)}`)
    }
    if (!onLink(ma, link)) continue
    const last = ma.getComponents().findLast(c => c.code === CODE_P2P)?.value
    if (last == null) ma = ma.encapsulate(`/p2p/${peerId}`)
    else if (last !== peerId) continue // a relay address of someone else: not ours to announce
    out.set(ma.toString(), ma)
  }
  return [...out.values()]
}
