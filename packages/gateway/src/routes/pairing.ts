import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../errors.js'
import { pairRoute, sessionCurrentRoute, sessionLogoutRoute, sessionRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

export const SESSION_COOKIE = 'kiez_session'

/** Pairing a browser with a code from `kiez pair`, asking whether it is paired and as whom, switching member, logging out. */
export function registerPairing (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'logger' | 'pairing' | 'sessions' | 'pairFailures' | 'hasSession' | 'session' | 'people'>
): void {
  const { logger } = ctx
  api.post<{ Body: { code: string } }>(
    '/pair',
    { schema: pairRoute, config: { session: false, rate: 'pair' } },
    async (req, reply) => {
      const locked = ctx.pairFailures.lockedFor(req.ip)
      if (locked > 0) throw new GatewayError(429, 'locked_out', 'too many wrong pairing codes; try again later', locked)
      const code = ctx.pairing.take(req.body.code)
      if (code === undefined) {
        ctx.pairFailures.fail(req.ip)
        logger.warn({ ip: req.ip }, 'a wrong pairing code was entered')
        throw new GatewayError(
          403,
          'bad_pairing_code',
          'that pairing code is wrong, used or expired: run `kiez pair` for a new one'
        )
      }
      // a code from `kiez pair --member NAME`: the browser posts as that member
      const token = await ctx.sessions.create(code.member !== undefined ? { member: code.member } : {})
      logger.info(
        { ip: req.ip, sessions: ctx.sessions.size, member: code.member !== undefined },
        'a browser was paired'
      )
      void reply.header('set-cookie', `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000`)
      return await reply.status(201).send({ paired: true })
    }
  )

  api.get('/session', { schema: sessionRoute }, async (req) => {
    const s = ctx.session(req)
    return { paired: s !== undefined, ...ctx.people.view(s?.info) }
  })

  // switching between the members this browser holds
  api.post<{ Body: { author: string } }>('/session/current', { schema: sessionCurrentRoute }, async (req) => {
    const s = ctx.session(req)
    const m = ctx.people.find(req.body.author)
    const key = m === undefined ? undefined : Buffer.from(m.author).toString('hex')
    if (s === undefined || key === undefined || !await ctx.sessions.setCurrent(s.token, key)) {
      throw new GatewayError(
        403,
        'not_member',
        'this browser does not hold that member: pair it with `kiez pair --member NAME`'
      )
    }
    return { paired: true, ...ctx.people.view(ctx.session(req)?.info) }
  })

  // log out this browser: its cookie stops working here and now
  api.delete('/session', { schema: sessionLogoutRoute }, async (req, reply) => {
    const s = ctx.session(req)
    if (s !== undefined) await ctx.sessions.revokeToken(s.token)
    logger.info({ ip: req.ip, sessions: ctx.sessions.size }, 'a browser logged out')
    void reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`)
    return await reply.status(204).send()
  })
}
