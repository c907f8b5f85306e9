import type { FastifyInstance, FastifyRequest } from 'fastify'
import { parseEntryId } from '@kiez/feed'
import { isShown } from '../entry-json.js'
import { GatewayError } from '../errors.js'
import { deleteRoute, editRoute, entryRoute, postRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

function checkId (id: string): void {
  if (parseEntryId(id) === undefined) {
    throw new GatewayError(400, 'invalid_id', 'that is not an entry id (a CIDv1, dag-cbor, sha2-256)')
  }
}

/** One entry by id; new posts; deleting and editing the box's own. */
export function registerEntries (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'backend' | 'names' | 'format' | 'withName' | 'moderation' | 'session' | 'people'>
): void {
  const { backend } = ctx
  // the browser's current member signs; on a box without members, the box (nothing passed, as before members)
  const as = (req: FastifyRequest): { as?: Uint8Array } => {
    const key = ctx.people.postingAs(ctx.session(req)?.info)
    return key === undefined ? {} : { as: key }
  }
  api.get<{ Params: { id: string } }>('/entries/:id', { schema: entryRoute }, async (req) => {
    checkId(req.params.id)
    const e = await backend.feed.get(req.params.id)
    if (e === undefined) throw new GatewayError(404, 'entry_not_found', 'no entry with that id on this box')
    if (e.fate?.reason === 'deleted') throw new GatewayError(410, 'deleted', 'its author deleted that entry')
    // deletes, edits and kinds of a later version act on or carry what this API does not show
    if (!isShown(e)) throw new GatewayError(404, 'entry_not_found', 'no entry this box shows has that id')
    const blocked = ctx.moderation.blockedWhy(e.author)
    if (blocked !== undefined) throw new GatewayError(410, 'author_blocked', blocked)
    return await ctx.moderation.mark(ctx.format.signed(e, await ctx.names.nameOf(e.author)), e)
  })

  api.post<{ Body: { text: string, replyTo?: string, images?: Array<{ cid: string, alt?: string, thumb?: string }> } }>(
    '/posts',
    { schema: postRoute, config: { rate: 'post' } },
    async (req, reply) => {
      const e = await backend.post({ ...req.body, ...as(req) })
      return await reply.status(201).send(await ctx.withName(e))
    }
  )

  // the backend refuses what the box (or the member) may not change: 404 entry_not_found, 403 not_author, 410 deleted, 400 by kind
  api.delete<{ Params: { id: string } }>(
    '/entries/:id',
    { schema: deleteRoute, config: { rate: 'post' } },
    async (req) => {
      checkId(req.params.id)
      return await ctx.withName(await backend.deleteEntry(req.params.id, as(req).as))
    }
  )

  api.put<{ Params: { id: string }, Body: { text: string } }>(
    '/entries/:id',
    { schema: editRoute, config: { rate: 'post' } },
    async (req) => {
      checkId(req.params.id)
      await backend.editEntry({ id: req.params.id, text: req.body.text, ...as(req) })
      // the post as a feed now shows it: the new text, edited
      const e = await backend.feed.get(req.params.id)
      if (e === undefined || e.fate?.reason === 'deleted') {
        throw new GatewayError(410, 'deleted', 'its author deleted that entry')
      }
      return await ctx.withName(e)
    }
  )
}
