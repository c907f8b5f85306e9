import type { KnownBody } from '@kiez/feed'
import { ClaimsIndex } from '@kiez/members'
import type { FeedStore } from '@kiez/store'
import type { Logger } from 'pino'
import type { KiezConfig } from './config.js'
import type { DaemonNode } from './node.js'
import { Vouching } from './vouching.js'

export interface NeighboursInit {
  config: KiezConfig
  store: FeedStore
  node: DaemonNode
  /** the box's own key */
  owner: Uint8Array
  /** the daemon's authoring path (box key) */
  publish(body: KnownBody): Promise<unknown>
  logger: Logger
  now?: () => number
}

/**
 * Households and neighbours you can recognise (issue 14 §2): who claims whom
 * (the claims index the feed's JSON reads) and, unless `people.vouch` is
 * false (`KIEZ_VOUCH=0`), vouching for the boxes mDNS finds on our link.
 */
export class Neighbours {
  readonly claims: ClaimsIndex
  private readonly vouching: Vouching | undefined

  constructor (init: NeighboursInit) {
    const { store, node, logger } = init
    this.claims = new ClaimsIndex(store, {
      ...(init.now !== undefined ? { now: init.now } : {}),
      onError: (err) => logger.warn({ err }, 'reading households and vouches from the store failed')
    })
    if (init.config.people?.vouch === false || init.config.mdns === false) return
    this.vouching = new Vouching({
      owner: init.owner,
      mdnsPeers: () => node.mdnsInfo?.()?.peers.map((p) => p.peerId) ?? [],
      connectedPeers: async () => (await node.peers()).filter((p) => p.connected).map((p) => p.peerId),
      vouches: this.claims,
      publish: async (body) => await init.publish(body),
      ...(node.onPeer !== undefined ? { onPeer: node.onPeer.bind(node) } : {}),
      logger: logger.child({ component: 'vouching' }),
      ...(init.now !== undefined ? { now: init.now } : {})
    })
  }

  start (): void {
    this.claims.start()
    // after the store's own vouches are read back, or a restart would vouch again for boxes vouched today
    const vouching = this.vouching
    if (vouching !== undefined) void this.claims.ready().then(() => vouching.start())
  }

  stop (): void {
    this.vouching?.stop()
    this.claims.stop()
  }
}
