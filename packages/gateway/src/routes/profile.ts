import type { FastifyInstance } from 'fastify'
import { profileRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

export function registerProfile (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'backend' | 'names' | 'withName'>
): void {
  api.post<{ Body: { name: string } }>(
    '/profile',
    { schema: profileRoute, config: { rate: 'post' } },
    async (req, reply) => {
      const e = await ctx.backend.profile(req.body)
      ctx.names.note(e)
      return await reply.status(201).send(await ctx.withName(e))
    }
  )
}
