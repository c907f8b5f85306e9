import type { FastifyInstance } from 'fastify'
import { isShown } from '../entry-json.js'
import { GatewayError } from '../errors.js'
import { kindPage } from '../life-json.js'
import { feedRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

export function registerFeed (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'backend' | 'names' | 'format' | 'withName' | 'moderation'>
): void {
  const { backend } = ctx
  api.get<{ Querystring: { limit: number, before?: string, raw?: '0' | '1', kind?: string } }>(
    '/feed',
    { schema: feedRoute },
    async (req) => {
      const { raw, kind, ...query } = req.query
      let page
      try {
        // ?kind=: reads on until the page is full of that kind (bounded: life-json.ts kindPage)
        page = kind === undefined
          ? await backend.feed.timeline(query)
          : await kindPage(async (q) => await backend.feed.timeline(q), query, (e) => e.kind === kind && isShown(e))
      } catch (err) {
        if ((err as { code?: unknown }).code === 'bad_input') {
          throw new GatewayError(
            400,
            'bad_cursor',
            'the paging cursor is not one this box issued'
          )
        }
        throw err
      }
      const entries = await Promise.all(
        // a page may come out shorter than `limit`: `next` still pages on from where the store stopped
        // blocked authors (the owner's blocks, followed lists') are left out; a followed list's hides are marked
        ctx.moderation.visible(page.entries.filter(isShown)).map(async (e) =>
          await ctx.moderation.mark(
            raw === '1' ? ctx.format.signed(e, await ctx.names.nameOf(e.author)) : await ctx.withName(e),
            e
          )
        )
      )
      return page.next === undefined ? { entries } : { entries, next: page.next }
    }
  )
}
