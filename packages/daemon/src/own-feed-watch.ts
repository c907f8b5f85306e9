import type { OwnFeedGuard } from '@kiez/store'
import type { Logger } from 'pino'
import type { DaemonNode } from './node.js'

export interface OwnFeedWatchInit {
  /**
   * The self-fork guard to feed claims to; nothing is watched when it is not armed.
   *
   * @default none (required)
   */
  guard: OwnFeedGuard
  /**
   * Where neighbours' heads come from.
   *
   * @default none (required)
   */
  node: Pick<DaemonNode, 'replicationState' | 'onHeads'>
  /**
   * Where the watch logs a disarm and its failures.
   *
   * @default none (required)
   */
  logger: Logger
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
  /**
   * How often neighbours' heads are read while armed, in milliseconds.
   *
   * @default 500
   */
  intervalMs?: number
  /**
   * After the first claim, how long (milliseconds) to wait for silent neighbours before trusting the ones that spoke.
   *
   * @default 60000
   */
  settleMs?: number
}

/**
 * While the self-fork guard is armed: reads what each connected neighbour's
 * last heads said of our own author, hands the claims to the guard, and lets
 * it disarm once we hold our feed up to the highest claim. "Settled" means
 * every connected neighbour has sent its heads (or settleMs
 * passed since the first claim), so one neighbour that is behind cannot
 * disarm us before a better-informed one has spoken. Returns the stop.
 */
export function watchOwnFeed (init: OwnFeedWatchInit): () => void {
  const { guard, node, logger } = init
  const now = init.now ?? Date.now
  const settleMs = init.settleMs ?? 60_000
  const startedAt = now()
  const ownHex = Buffer.from(guard.owner).toString('hex')
  let firstClaimAt: number | undefined
  let busy = false
  let timer: NodeJS.Timeout | undefined
  let claims = Promise.resolve()
  const claim = (peerId: string, seq: number): void => {
    if (seq <= 0) return
    firstClaimAt ??= now()
    claims = claims.then(async () => {
      await guard.claim(peerId, seq)
    }).catch((err: unknown) => {
      logger.warn({ err }, 'the self-fork guard could not record a neighbour\'s claim')
    })
  }

  const tick = async (): Promise<void> => {
    const info = node.replicationState?.()?.info
    const peers = info?.peers ?? []
    // a neighbour that left still said how far our feed goes: its claim counts, its silence does not
    for (const p of [...peers, ...(info?.departed ?? [])]) {
      const h = p.heads.find((x) => x.author === ownHex)
      if (h !== undefined) claim(p.peerId, h.seq)
    }
    await claims
    // replication's view is this process's own: any heads in it came since we started
    const allSpoke = peers.length > 0 && peers.every((p) => p.headsReceivedAtMs !== undefined)
    const settled = allSpoke || (firstClaimAt !== undefined && now() - firstClaimAt >= settleMs)
    if (await guard.check(settled)) {
      const s = guard.status()
      logger.info(
        { ownSeq: s.ownSeq, learnedFrom: s.claimedBy, afterMs: now() - startedAt },
        'learned this box\'s own feed from a neighbour; posting again'
      )
      stop()
    }
  }
  if (!guard.armed) return () => {}
  // Claims as they arrive: the heads in info() are only the latest per peer, and a neighbour
  // that claims our feed but serves nothing is answered by a pull whose reply replaces the claim.
  // One chain, so a lower claim can never be saved after a higher one.
  const unlisten = node.onHeads?.((peerId, heads) => {
    const h = heads.find((x) => x.author === ownHex)
    if (h !== undefined) claim(peerId, h.seq)
  })
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    unlisten?.()
  }
  timer = setInterval(() => {
    if (busy) return
    busy = true
    tick().catch((err: unknown) => {
      logger.warn({ err }, 'the self-fork guard could not check neighbours\' heads')
    }).finally(() => {
      busy = false
    })
  }, init.intervalMs ?? 500)
  timer.unref()
  return stop
}
