import type { FastifyInstance } from 'fastify'
import { profileRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

export function registerProfile (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'backend' | 'names' | 'withName' | 'session' | 'people'>
): void {
  // a browser's member renames themself; on a box without members, the box
  api.post<{ Body: { name: string, about?: string } }>(
    '/profile',
    { schema: profileRoute, config: { rate: 'post' } },
    async (req, reply) => {
      const as = ctx.people.postingAs(ctx.session(req)?.info)
      const e = await ctx.backend.profile(as === undefined ? req.body : { ...req.body, as })
      ctx.names.note(e)
      return await reply.status(201).send(await ctx.withName(e))
    }
  )
}
