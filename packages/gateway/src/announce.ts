import { hostname as osHostname } from 'node:os'
import { LinkSocket, linkKey, listLinks, type LinkInfo } from '@kiez/discovery'
import type { Logger as Libp2pLogger } from '@libp2p/interface'
import type { Answer, Packet } from 'dns-packet'
import type { RemoteInfo } from 'node:dgram'
import type { Logger } from 'pino'

const SERVICE = '_http._tcp.local'
const META = '_services._dns-sd._udp.local'
const TTL = 120

export interface HttpAnnouncerInit {
  /**
   * The gateway's TCP port, announced in the SRV record.
   *
   * @default none (required)
   */
  port: number
  /**
   * DNS-SD instance name, e.g. "Kiez on box1".
   *
   * @default none (required)
   */
  instance: string
  /**
   * Host name announced as `<hostname>.local` (lowercased, other characters than a-z, 0-9 and - become -).
   *
   * @default os.hostname()
   */
  hostname?: string
  /**
   * How often interfaces are re-listed, in milliseconds (links come and go).
   *
   * @default 10000
   */
  pollMs?: number
  /**
   * Also announce on loopback interfaces.
   *
   * @default false
   */
  includeLoopback?: boolean
  /**
   * UDP port of the mDNS group.
   *
   * @default 5353
   */
  mdnsPort?: number
  /**
   * The gateway listens on this one address only: announce on its link alone.
   *
   * @default none (every link)
   */
  onlyAddress?: string
}

/**
 * Announces the web feed by DNS-SD over mDNS (RFC 6762/6763) as
 * `<instance>._http._tcp.local`: SRV with our port, TXT `path=/`, and an A
 * record per link, on one socket per interface (@kiez/discovery's
 * LinkSocket), so each link hears its own address. Answers queries and
 * sends an unsolicited announcement when a link appears, and goodbyes on stop.
 */
export class HttpAnnouncer {
  private readonly sockets = new Map<string, LinkSocket>()
  private timer: NodeJS.Timeout | undefined
  private readonly host: string
  private readonly instanceFqdn: string
  private readonly log: Libp2pLogger

  constructor (private readonly components: { logger: Logger }, private readonly init: HttpAnnouncerInit) {
    this.host = `${
      (init.hostname ?? osHostname()).toLowerCase().replace(/\.local$/, '').replace(/[^a-z0-9-]/g, '-')
    }.local`
    this.instanceFqdn = `${init.instance.replace(/\./g, ' ')}.${SERVICE}`
    const l = components.logger
    this.log = Object.assign((fmt: string, ...args: unknown[]) => {
      l.debug({ args }, fmt)
    }, {
      enabled: false,
      error: (fmt: string, ...args: unknown[]) => {
        l.warn({ args }, fmt)
      },
      trace: (_fmt: string) => {},
      newScope: () => this.log
    }) as unknown as Libp2pLogger
  }

  async start (): Promise<void> {
    this.poll()
    this.timer = setInterval(() => {
      this.poll()
    }, this.init.pollMs ?? 10_000).unref()
  }

  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    for (const s of this.sockets.values()) s.respond({ type: 'response', answers: this.records(s.link, 0) } as Packet)
    await Promise.all([...this.sockets.values()].map(async (s) => {
      await s.close()
    }))
    this.sockets.clear()
  }

  private poll (): void {
    const links = listLinks({ includeLoopback: this.init.includeLoopback ?? false })
      .filter((l) => this.init.onlyAddress === undefined || l.ipv4 === this.init.onlyAddress)
    const want = new Map(links.map((l) => [linkKey(l), l]))
    for (const [key, s] of this.sockets) {
      if (!want.has(key)) {
        this.sockets.delete(key)
        void s.close()
      }
    }
    for (const [key, link] of want) {
      if (this.sockets.has(key)) continue
      const s = new LinkSocket(link, {
        port: this.init.mdnsPort ?? 5353,
        group: '224.0.0.251',
        log: this.log,
        onQuery: (sock, p, from) => {
          this.onQuery(sock, p, from)
        },
        onResponse: () => {},
        onFatal: (sock, err) => {
          this.components.logger.warn(
            { link: sock.name, err: err.message },
            'mDNS announcement socket failed; retrying at the next poll'
          )
          this.sockets.delete(key)
          void sock.close()
        }
      })
      this.sockets.set(key, s)
      s.whenReady().then(() => {
        s.respond({ type: 'response', answers: this.records(link, TTL) } as Packet)
      }, () => {})
    }
  }

  private records (link: LinkInfo, ttl: number): Answer[] {
    return [
      { name: SERVICE, type: 'PTR', ttl, data: this.instanceFqdn },
      {
        name: this.instanceFqdn,
        type: 'SRV',
        ttl,
        flush: true,
        data: { port: this.init.port, target: this.host, priority: 0, weight: 0 }
      },
      { name: this.instanceFqdn, type: 'TXT', ttl, flush: true, data: ['path=/'] },
      { name: this.host, type: 'A', ttl, flush: true, data: link.ipv4 }
    ] as Answer[]
  }

  private onQuery (sock: LinkSocket, p: Packet, from: RemoteInfo): void {
    const all = this.records(sock.link, TTL)
    const answers: Answer[] = []
    for (const q of p.questions ?? []) {
      const name = q.name.toLowerCase()
      const any = (q.type as string) === 'ANY'
      if (name === META && (q.type === 'PTR' || any)) {
        answers.push({ name: META, type: 'PTR', ttl: TTL, data: SERVICE } as Answer)
      }
      if (name === SERVICE && (q.type === 'PTR' || any)) answers.push(...all)
      if (name === this.instanceFqdn.toLowerCase() && (q.type === 'SRV' || q.type === 'TXT' || any)) {
        answers.push(...all.slice(1))
      }
      if (name === this.host && (q.type === 'A' || any)) answers.push(all[3] as Answer)
    }
    if (answers.length === 0) return
    const unique = [...new Map(answers.map((a) => [`${a.name}/${a.type}`, a])).values()]
    // a legacy (one-shot) querier asks from a port other than 5353 and wants a unicast answer
    sock.respond(
      { type: 'response', answers: unique } as Packet,
      from.port !== (this.init.mdnsPort ?? 5353) ? from : undefined
    )
  }
}
