import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../errors.js'
import { pairRoute, sessionRoute } from '../schemas.js'
import type { RouteContext } from './context.js'

export const SESSION_COOKIE = 'kiez_session'

/** Pairing a browser with a code from `kiez pair`, and asking whether it is paired. */
export function registerPairing (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'logger' | 'pairing' | 'sessions' | 'pairFailures' | 'hasSession'>
): void {
  const { logger } = ctx
  api.post<{ Body: { code: string } }>(
    '/pair',
    { schema: pairRoute, config: { session: false, rate: 'pair' } },
    async (req, reply) => {
      const locked = ctx.pairFailures.lockedFor(req.ip)
      if (locked > 0) throw new GatewayError(429, 'locked_out', 'too many wrong pairing codes; try again later', locked)
      if (!ctx.pairing.redeem(req.body.code)) {
        ctx.pairFailures.fail(req.ip)
        logger.warn({ ip: req.ip }, 'a wrong pairing code was entered')
        throw new GatewayError(
          403,
          'bad_pairing_code',
          'that pairing code is wrong, used or expired: run `kiez pair` for a new one'
        )
      }
      const token = await ctx.sessions.create()
      logger.info({ ip: req.ip, sessions: ctx.sessions.size }, 'a browser was paired')
      void reply.header('set-cookie', `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000`)
      return await reply.status(201).send({ paired: true })
    }
  )

  api.get('/session', { schema: sessionRoute }, async (req) => ({ paired: ctx.hasSession(req) }))
}
