import { readFileSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { parseCidr } from './cidr.js'
import type { Cidr } from './cidr.js'
import type { NetworkInterfaceInfo } from 'node:os'

/** One multicast-capable link as seen at one poll: where we send from, and what counts as "on this link". */
export interface LinkInfo {
  /** interface name, e.g. "eth1" */
  readonly name: string
  /** the interface's (first) IPv4 address; the link's socket sends from it */
  readonly ipv4: string
  /** every non-link-local prefix of the interface (IPv4 and IPv6): addresses inside are reachable on this link */
  readonly cidrs: readonly Cidr[]
}

export interface LinkFilter {
  includeLoopback: boolean
  /** when set, only these interface names */
  interfaces?: readonly string[]
  ignoreInterfaces?: readonly string[]
}

export type NetworkInterfacesFn = () => NodeJS.Dict<NetworkInterfaceInfo[]>

/** Returns false only when the kernel says the interface cannot multicast (Linux sysfs; elsewhere assume yes). */
export type MulticastCheck = (name: string) => boolean

const IFF_MULTICAST = 0x1000

export const sysfsMulticastCheck: MulticastCheck = (name) => {
  try {
    const flags = parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16)
    return Number.isNaN(flags) || (flags & IFF_MULTICAST) !== 0
  } catch {
    return true
  }
}

/** Snapshot of the links we should run mDNS on, sorted by name for stable diagnostics. */
export function listLinks (
  filter: LinkFilter,
  list: NetworkInterfacesFn = networkInterfaces,
  canMulticast: MulticastCheck = sysfsMulticastCheck
): LinkInfo[] {
  const links: LinkInfo[] = []
  for (const [name, addrs] of Object.entries(list())) {
    if (addrs == null || addrs.length === 0) continue
    if (filter.interfaces != null && !filter.interfaces.includes(name)) continue
    if (filter.ignoreInterfaces?.includes(name) === true) continue
    const internal = addrs.some(a => a.internal)
    if (internal && !filter.includeLoopback) continue
    // loopback has no IFF_MULTICAST on Linux yet carries multicast fine when asked for explicitly
    if (!internal && !canMulticast(name)) continue
    const v4 = addrs.find(a => a.family === 'IPv4')
    if (v4 == null) continue
    const cidrs: Cidr[] = []
    for (const a of addrs) {
      if (a.family === 'IPv6' && /^fe[89ab]/i.test(a.address)) continue // link-local needs a zone id: never announced
      const cidr = a.cidr == null ? undefined : parseCidr(a.cidr)
      if (cidr != null) cidrs.push(cidr)
    }
    links.push({ name, ipv4: v4.address, cidrs })
  }
  return links.sort((a, b) => a.name.localeCompare(b.name))
}

export function linkKey (link: LinkInfo): string {
  return `${link.name}/${link.ipv4}`
}
