import type { OwnFeedGuard } from '@kiez/store'
import type { Logger } from 'pino'
import type { DaemonNode } from './node.js'

export interface OwnFeedWatchInit {
  guard: OwnFeedGuard
  node: Pick<DaemonNode, 'replicationState'>
  logger: Logger
  now?: () => number
  /** how often neighbours' heads are read while armed */
  intervalMs?: number
  /** after the first claim, how long to wait for silent neighbours before trusting the ones that spoke */
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

  const tick = async (): Promise<void> => {
    const info = node.replicationState?.()?.info
    const peers = info?.peers ?? []
    // a neighbour that left still said how far our feed goes: its claim counts, its silence does not
    for (const p of [...peers, ...(info?.departed ?? [])]) {
      const h = p.heads.find((x) => x.author === ownHex)
      if (h !== undefined && h.seq > 0) {
        firstClaimAt ??= now()
        await guard.claim(p.peerId, h.seq)
      }
    }
    // replication's view is this process's own: any heads in it came since we started
    const allSpoke = peers.length > 0 && peers.every((p) => p.headsReceivedAtMs !== undefined)
    const settled = allSpoke || (firstClaimAt !== undefined && now() - firstClaimAt >= settleMs)
    if (await guard.check(settled)) {
      const s = guard.status()
      logger.info({ ownSeq: s.ownSeq, learnedFrom: s.claimedBy, afterMs: now() - startedAt }, 'learned this box\'s own feed from a neighbour; posting again')
      stop()
    }
  }
  const stop = (): void => { if (timer !== undefined) clearInterval(timer); timer = undefined }
  if (!guard.armed) return stop
  timer = setInterval(() => {
    if (busy) return
    busy = true
    tick().catch((err: unknown) => { logger.warn({ err }, 'the self-fork guard could not check neighbours\' heads') }).finally(() => { busy = false })
  }, init.intervalMs ?? 500)
  timer.unref()
  return stop
}
