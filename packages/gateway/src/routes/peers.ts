import type { FastifyInstance } from 'fastify'
import { peersRoute } from '../schemas.js'
import { knownGap } from '../sync-state.js'
import type { RouteContext } from './context.js'

export function registerPeers (api: FastifyInstance, ctx: Pick<RouteContext, 'backend' | 'newestStoredAt'>): void {
  const { backend } = ctx
  api.get('/peers', { schema: peersRoute }, async () => {
    const [peers, sync] = await Promise.all([backend.peers(), backend.sync()])
    const byPeer = new Map(sync.map((s) => [s.peerId, s]))
    return {
      peers: peers.map((p) => {
        const s = byPeer.get(p.peerId)
        return { ...p, sync: s === undefined ? null : { ...s, inSync: !knownGap(s, ctx.newestStoredAt(), Date.now()) } }
      })
    }
  })
}
