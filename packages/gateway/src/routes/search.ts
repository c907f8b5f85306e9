import type { FastifyInstance } from 'fastify'
import { isShown } from '../entry-json.js'
import { GatewayError } from '../errors.js'
import { searchRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

/** GET /search?q=&kind=&limit=: what the feed shows, matching the words, newest first, as the feed's entries. */
export function registerSearch (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'backend' | 'withName' | 'moderation'>
): void {
  const { backend } = ctx
  api.get<{ Querystring: { q: string, kind?: string, limit: number } }>(
    '/search',
    { schema: searchRoute },
    async (req) => {
      if (backend.search === undefined) throw new GatewayError(404, 'not_found', 'this box has no search')
      const found = await backend.search(req.query)
      // as the feed: blocked authors left out, a followed list's hides marked
      const entries = await Promise.all(
        ctx.moderation.visible(found.filter(isShown)).map(async (e) =>
          await ctx.moderation.mark(await ctx.withName(e), e)
        )
      )
      return { entries }
    }
  )
}
