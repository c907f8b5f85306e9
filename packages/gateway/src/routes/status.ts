import type { FastifyInstance } from 'fastify'
import { statusRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

export function registerStatus (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'backend' | 'names' | 'hasSession'>
): void {
  const { backend } = ctx
  api.get('/status', { schema: statusRoute }, async (req) => {
    const info = backend.info()
    const stats = backend.feed.stats()
    const peers = await backend.peers()
    const name = await ctx.names.nameOf(info.publicKey)
    return {
      ...(name !== undefined ? { authorName: name } : {}),
      peerId: info.peerId,
      mesh: info.mesh,
      version: info.version,
      uptimeMs: Math.max(0, Date.now() - info.startedAt),
      listenAddrs: info.listenAddrs,
      counts: { peers: peers.filter((p) => p.connected).length, authors: stats.authors, entries: stats.entries },
      paired: ctx.hasSession(req)
    }
  })
}
