import { CODE_IP4, CODE_IP6, CODE_P2P, CODE_TCP, multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Answer, Packet, Question } from 'dns-packet'

/**
 * Wire format, identical to @libp2p/mdns (so stock nodes and we understand each other):
 *   answers:     PTR  <service>           -> <instance>.<service>
 *                TXT  <instance>.<service> "dnsaddr=<multiaddr>/p2p/<peerId>"   (one record per address)
 *   additionals: SRV  <instance>.<service> -> <instance>.local:<tcp port>   (for generic DNS-SD browsers)
 *                A / AAAA <instance>.local -> the link's addresses
 */
export const DEFAULT_SERVICE_TAG = '_p2p._udp.local'
export const RECORD_TTL_S = 120
/** RFC 6763 6.1: a TXT string is at most 255 bytes */
export const MAX_TXT_STRING_BYTES = 255
const DNSADDR = 'dnsaddr='

export function instanceFqdn (instance: string, serviceTag: string): string {
  return `${instance}.${serviceTag}`
}

export function hostFqdn (instance: string): string {
  return `${instance}.local`
}

/** Response announcing `addrs` (each ending in /p2p/<our id>) on one link; undefined when there is nothing to say. */
export function buildResponse (instance: string, serviceTag: string, addrs: readonly Multiaddr[]): Packet | undefined {
  const fqdn = instanceFqdn(instance, serviceTag)
  const txt: Answer[] = []
  for (const ma of addrs) {
    const data = DNSADDR + ma.toString()
    if (Buffer.byteLength(data) > MAX_TXT_STRING_BYTES) continue
    txt.push({ name: fqdn, type: 'TXT', class: 'IN', ttl: RECORD_TTL_S, data })
  }
  if (txt.length === 0) return undefined
  const answers: Answer[] = [{ name: serviceTag, type: 'PTR', class: 'IN', ttl: RECORD_TTL_S, data: fqdn }, ...txt]

  const additionals: Answer[] = []
  const host = hostFqdn(instance)
  const port = addrs.map(tcpPort).find(p => p != null)
  if (port != null) {
    additionals.push({
      name: fqdn,
      type: 'SRV',
      class: 'IN',
      ttl: RECORD_TTL_S,
      data: { priority: 10, weight: 1, port, target: host }
    })
  }
  const seen = new Set<string>()
  for (const ma of addrs) {
    const ip = ipOf(ma)
    if (ip == null || seen.has(ip.address)) continue
    seen.add(ip.address)
    additionals.push(
      ip.family === 4
        ? { name: host, type: 'A', class: 'IN', ttl: RECORD_TTL_S, data: ip.address }
        : { name: host, type: 'AAAA', class: 'IN', ttl: RECORD_TTL_S, data: ip.address }
    )
  }
  return { type: 'response', answers, additionals }
}

export function buildQuery (serviceTag: string): Packet {
  return { type: 'query', questions: [{ name: serviceTag, type: 'PTR' }] }
}

/** Does this query ask for our service (browse) or for our instance / host (resolve)? */
export function queryConcernsUs (
  questions: readonly Question[] | undefined,
  serviceTag: string,
  instance: string
): boolean {
  if (!Array.isArray(questions)) return false
  const names = new Set([serviceTag, instanceFqdn(instance, serviceTag), hostFqdn(instance)].map(n => n.toLowerCase()))
  return questions.some(q => typeof q?.name === 'string' && names.has(q.name.toLowerCase()))
}

export interface ParseLimits {
  maxRecordsPerPacket: number
  maxPeersPerPacket: number
  maxAddrsPerPeer: number
}

/** One peer as described by a response, not yet checked against the receiving link. */
export interface Announcement {
  instance: string
  peerId: string
  /** addresses without the trailing /p2p/<peerId> */
  multiaddrs: Multiaddr[]
}

export type ParseResult =
  | { ok: true, announcements: Announcement[] }
  | { ok: false, reason: 'too-many-records' | 'malformed' }

/**
 * Extract announcements of `serviceTag` from a response. Never throws: whatever a
 * neighbour sends, the worst outcome is an empty list.
 */
export function parseResponse (packet: Packet, serviceTag: string, limits: ParseLimits): ParseResult {
  try {
    const answers = Array.isArray(packet.answers) ? packet.answers : []
    const additionals = Array.isArray(packet.additionals) ? packet.additionals : []
    if (answers.length + additionals.length > limits.maxRecordsPerPacket) {
      return { ok: false, reason: 'too-many-records' }
    }
    const records = [...answers, ...additionals]
    const tag = serviceTag.toLowerCase()

    const instances: string[] = []
    for (const r of records) {
      if (
        r.type !== 'PTR' || typeof r.name !== 'string' || r.name.toLowerCase() !== tag || typeof r.data !== 'string'
      ) continue
      if (r.ttl === 0) continue // a goodbye (RFC 6762 10.1) is not a discovery
      if (!instances.includes(r.data) && instances.length < limits.maxPeersPerPacket) instances.push(r.data)
    }

    const announcements: Announcement[] = []
    for (const fqdn of instances) {
      const strings = records
        .filter(r => r.type === 'TXT' && typeof r.name === 'string' && r.name.toLowerCase() === fqdn.toLowerCase())
        .flatMap(r => txtStrings((r as { data?: unknown }).data))
      const a = announcementFrom(fqdn, serviceTag, strings, limits.maxAddrsPerPeer)
      if (a != null) announcements.push(a)
    }
    return { ok: true, announcements }
  } catch {
    return { ok: false, reason: 'malformed' }
  }
}

function announcementFrom (
  fqdn: string,
  serviceTag: string,
  strings: string[],
  maxAddrs: number
): Announcement | undefined {
  let peerId: string | undefined
  const multiaddrs: Multiaddr[] = []
  for (const s of strings) {
    if (multiaddrs.length >= maxAddrs) break
    if (!s.startsWith(DNSADDR)) continue
    let ma: Multiaddr
    try {
      ma = multiaddr(s.slice(DNSADDR.length))
    } catch {
      continue
    }
    const id = ma.getComponents().findLast(c => c.code === CODE_P2P)?.value
    if (id == null) continue
    peerId ??= id
    // one instance speaks for one peer: an address naming another peer is someone else's claim
    if (id !== peerId) continue
    multiaddrs.push(ma.decapsulateCode(CODE_P2P))
  }
  if (peerId == null || multiaddrs.length === 0) return undefined
  const suffix = '.' + serviceTag.toLowerCase()
  const instance = fqdn.toLowerCase().endsWith(suffix) ? fqdn.slice(0, -suffix.length) : fqdn
  return { instance, peerId, multiaddrs }
}

function txtStrings (data: unknown): string[] {
  const items = Array.isArray(data) ? data : [data]
  const out: string[] = []
  for (const item of items) {
    if (typeof item === 'string') out.push(item)
    else if (item instanceof Uint8Array && item.byteLength <= MAX_TXT_STRING_BYTES) {
      out.push(Buffer.from(item).toString('utf8'))
    }
  }
  return out
}

/** The IP a multiaddr starts with, if it starts with one. */
export function ipOf (ma: Multiaddr): { family: 4 | 6, address: string } | undefined {
  const first = ma.getComponents()[0]
  if (first?.value == null) return undefined
  if (first.code === CODE_IP4) return { family: 4, address: first.value }
  if (first.code === CODE_IP6) return { family: 6, address: first.value }
  return undefined
}

function tcpPort (ma: Multiaddr): number | undefined {
  const c = ma.getComponents()[1]
  if (c?.code !== CODE_TCP || c.value == null) return undefined
  const port = Number(c.value)
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined
}
