import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../errors.js'
import { topologyRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

export function registerTopology (api: FastifyInstance, ctx: Pick<RouteContext, 'backend' | 'topologyMap'>): void {
  const { backend } = ctx
  api.get('/topology', { schema: topologyRoute }, async () => {
    if (backend.topology === undefined) throw new GatewayError(404, 'not_found', 'this box does not draw the mesh')
    return await ctx.topologyMap(backend.topology.bind(backend))
  })
}
