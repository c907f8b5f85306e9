import type { KnownBody } from '@kiez/feed'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from 'pino'

/** What the vouching needs of the box's own vouches (@kiez/members' ClaimsIndex). */
export interface OwnVouches {
  vouchOf(author: Uint8Array, box: Uint8Array): { timestamp: number } | undefined
  vouchesSince(author: Uint8Array, since: number): number
}

export interface VouchingComponents {
  /** the box's own key: the author of its vouches */
  owner: Uint8Array
  /** peer ids the box's own mDNS hears on its links now (never the DHT's or a bootstrap list's) */
  mdnsPeers(): string[]
  /** peer ids connected now: a Noise handshake proved each one holds its key */
  connectedPeers(): Promise<string[]>
  /** the box's vouches as the store holds them */
  vouches: OwnVouches
  /** signs a vouch with the box key and stores it (the daemon's authoring path) */
  publish(body: KnownBody): Promise<unknown>
  /** a peer connected: look at once instead of at the next tick */
  onPeer?(fn: (e: { peerId: string, connected: boolean }) => void): () => void
  logger: Logger
  now?: () => number
}

export interface VouchingInit {
  /**
   * How often the mDNS neighbours are looked at, in ms.
   *
   * @default 10000
   */
  intervalMs?: number
  /**
   * A box still seen is vouched for again once its newest vouch is this old, in ms.
   *
   * @default 86400000 (a day)
   */
  refreshMs?: number
  /**
   * Most vouches published in any 24 hours (docs/LIMITS.md "Vouches").
   *
   * @default 64
   */
  maxPerDay?: number
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Vouching by proximity (PROTOCOL.md §2, "Vouches"; docs/SECURITY.md §6): a
 * box publishes a signed vouch for each box its own mDNS hears on its link,
 * once the peer is connected (so the key is real, not an mDNS answer's claim),
 * at most one per box a day, refreshed daily while still seen, and at most
 * `maxPerDay` in any 24 hours.
 */
export class Vouching {
  private readonly intervalMs: number
  private readonly refreshMs: number
  private readonly maxPerDay: number
  private readonly now: () => number
  private timer: ReturnType<typeof setInterval> | undefined
  private unsubscribe: (() => void) | undefined
  private running: Promise<number> | undefined
  private stopped = false

  constructor (private readonly components: VouchingComponents, init: VouchingInit = {}) {
    this.intervalMs = init.intervalMs ?? 10_000
    this.refreshMs = init.refreshMs ?? DAY_MS
    this.maxPerDay = init.maxPerDay ?? 64
    this.now = components.now ?? Date.now
  }

  start (): void {
    if (this.timer !== undefined || this.stopped) return
    this.timer = setInterval(() => this.kick(), this.intervalMs)
    this.timer.unref?.()
    this.unsubscribe = this.components.onPeer?.((e) => {
      // a connection is the last step before a vouch: mDNS has usually heard the peer by then
      if (e.connected) this.kick()
    })
    this.kick()
  }

  stop (): void {
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.unsubscribe?.()
  }

  /** One look at the neighbours (tests call it); resolves with the vouches published. Never overlaps itself. */
  async tick (): Promise<number> {
    this.running ??= this.look().finally(() => {
      this.running = undefined
    })
    return await this.running
  }

  private kick (): void {
    void this.tick().catch((err: unknown) => {
      this.components.logger.debug({ err }, 'vouching for a neighbour failed; trying again later')
    })
  }

  private async look (): Promise<number> {
    const { owner, vouches, logger } = this.components
    const heard = new Set(this.components.mdnsPeers())
    if (heard.size === 0 || this.stopped) return 0
    const connected = (await this.components.connectedPeers()).filter((id) => heard.has(id))
    let published = 0
    for (const peerId of connected) {
      if (this.stopped) break
      const box = rawKey(peerId)
      if (box === undefined || Buffer.compare(box, owner) === 0) continue
      const now = this.now()
      const last = vouches.vouchOf(owner, box)
      if (last !== undefined && now - last.timestamp < this.refreshMs) continue
      if (vouches.vouchesSince(owner, now - DAY_MS) >= this.maxPerDay) {
        logger.debug({ maxPerDay: this.maxPerDay }, 'the daily vouch budget is spent')
        break
      }
      await this.components.publish({ type: 'vouch', box, seenAt: now })
      published++
      logger.info({ box: peerId }, 'vouched for a box on our link')
    }
    return published
  }
}

/** The raw ed25519 key inside a peer id; undefined for any other kind of key. */
function rawKey (peerId: string): Uint8Array | undefined {
  try {
    const id = peerIdFromString(peerId)
    return id.type === 'Ed25519' ? id.publicKey.raw : undefined
  } catch {
    return undefined
  }
}
