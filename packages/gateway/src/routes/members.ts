import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../errors.js'
import { memberJson, memberKeyHex } from '../members.js'
import { membersRoute, newMemberRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

/** The household's people: who they are (paired browsers only), and "I am new here". */
export function registerMembers (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'logger' | 'sessions' | 'session' | 'people'>
): void {
  // names and keys of the household: for its own browsers, not for every passer-by on the LAN
  api.get('/members', { schema: membersRoute }, async (req) => {
    if (ctx.session(req) === undefined) {
      throw new GatewayError(
        401,
        'unauthorized',
        'pair this browser first: run `kiez pair` on the box and enter the code'
      )
    }
    return { members: ctx.people.all() }
  })

  // a new member with a fresh key, bound to this browser, which posts as them from now on
  api.post<{ Body: { name: string } }>(
    '/members',
    { schema: newMemberRoute, config: { rate: 'post' } },
    async (req, reply) => {
      const s = ctx.session(req)
      if (s === undefined) throw new GatewayError(401, 'unauthorized', 'pair this browser first')
      const m = await ctx.people.add(req.body.name)
      await ctx.sessions.addMember(s.token, memberKeyHex(m.author))
      ctx.logger.info({ ip: req.ip, session: s.info.id }, 'a browser made a new member')
      return await reply.status(201).send(memberJson(m))
    }
  )
}
