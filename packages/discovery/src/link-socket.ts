import { createSocket } from 'node:dgram'
import multicastDns from 'multicast-dns'
import { cidrContains } from './cidr.js'
import type { LinkInfo } from './links.js'
import type { Logger } from '@libp2p/interface'
import type { Packet } from 'dns-packet'
import type { RemoteInfo } from 'node:dgram'

export interface LinkSocketInit {
  /**
   * UDP port of the multicast group (5353 for mDNS).
   *
   * @default none (required)
   */
  port: number
  /**
   * IPv4 multicast group address ('224.0.0.251' for mDNS).
   *
   * @default none (required)
   */
  group: string
  /**
   * Where the socket logs send failures and warnings.
   *
   * @default none (required)
   */
  log: Logger
  /**
   * Called for each query whose source is on this socket's link.
   *
   * @default none (required)
   */
  onQuery(socket: LinkSocket, packet: Packet, from: RemoteInfo): void
  /**
   * Called for each response whose source is on this socket's link.
   *
   * @default none (required)
   */
  onResponse(socket: LinkSocket, packet: Packet, from: RemoteInfo): void
  /**
   * The socket is unusable (e.g. EADDRINUSE); the owner should close it and retry later.
   *
   * @default none (required)
   */
  onFatal(socket: LinkSocket, err: Error): void
}

/**
 * One mDNS socket bound to 0.0.0.0:5353 (so it receives the group at all: a socket
 * bound to a unicast IP never sees multicast on Linux), joined and sending on ONE
 * interface. Linux hands every joined group packet to every such socket
 * (IP_MULTICAST_ALL), so this socket keeps only packets whose source is on its link.
 */
export class LinkSocket {
  link: LinkInfo
  ready = false
  private readonly mdns: multicastDns.MulticastDNS
  private closed = false

  constructor (link: LinkInfo, private readonly init: LinkSocketInit) {
    this.link = link
    const socket = createSocket({ type: 'udp4', reuseAddr: true })
    this.mdns = multicastDns({
      socket,
      interface: link.ipv4,
      bind: '0.0.0.0',
      port: init.port,
      ip: init.group,
      reuseAddr: true,
      loopback: true
    })
    this.mdns.on('ready', () => {
      // multicast-dns only pins the sending interface after a successful join; pin it regardless
      try {
        socket.setMulticastInterface(link.ipv4)
      } catch (err) {
        init.log.error('%s: cannot pin multicast interface - %e', this.name, err)
      }
      this.ready = true
    })
    this.mdns.on('query', (p: Packet, r: RemoteInfo) => {
      if (this.fromLink(r)) init.onQuery(this, p, r)
    })
    this.mdns.on('response', (p: Packet, r: RemoteInfo) => {
      if (this.fromLink(r)) init.onResponse(this, p, r)
    })
    this.mdns.on('warning', (err: Error) => {
      init.log.trace('%s: warning - %s', this.name, err.message)
    })
    this.mdns.on('error', (err: Error) => {
      init.onFatal(this, err)
    })
  }

  get name (): string {
    return this.link.name
  }

  /** Resolves once bound (or rejects on bind failure). */
  async whenReady (): Promise<void> {
    if (this.ready) return
    await new Promise<void>((resolve, reject) => {
      this.mdns.once('ready', () => {
        resolve()
      })
      this.mdns.once('error', reject)
    })
  }

  /** Is this packet's source on our link? Every socket also receives the other links' packets. */
  fromLink (r: RemoteInfo): boolean {
    return this.link.cidrs.some(c => cidrContains(c, r.address))
  }

  query (packet: Packet): void {
    if (this.closed) return
    this.mdns.query({ ...packet, questions: packet.questions ?? [] }, this.sendDone)
  }

  /** Multicast a response on this link, or unicast it to a legacy querier (RFC 6762 6.7). */
  respond (packet: Packet, to?: RemoteInfo): void {
    if (this.closed) return
    const res = { ...packet, answers: packet.answers ?? [] }
    if (to == null) this.mdns.respond(res, this.sendDone)
    else this.mdns.respond(res, { port: to.port, address: to.address }, this.sendDone)
  }

  private readonly sendDone = (err: Error | null): void => {
    if (err != null) this.init.log('%s: send failed - %s', this.name, err.message)
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.ready = false
    this.mdns.removeAllListeners()
    this.mdns.on('error', () => {}) // late socket errors during teardown are not ours to surface
    await new Promise<void>(resolve => {
      this.mdns.destroy(() => {
        resolve()
      })
    })
  }
}
