import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../errors.js'
import type { RouteContext } from './context.js'

/** Server-Sent Events; `route` is the full path, counted by hand: a hijacked reply skips onResponse. */
export function registerEvents (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'events' | 'metrics' | 'streamsByIp' | 'maxEventClientsPerIp'>,
  route: string
): void {
  const { streamsByIp } = ctx
  // no HEAD twin: a hijacked stream has no body to leave out
  api.get('/events', { exposeHeadRoute: false }, async (req, reply) => {
    if (ctx.events.full()) {
      throw new GatewayError(503, 'too_many_streams', 'too many event streams are open; retry later', 10)
    }
    // one address must not hold every slot: a household has a few screens, not dozens
    const mine = streamsByIp.get(req.ip) ?? 0
    if (mine >= ctx.maxEventClientsPerIp) {
      throw new GatewayError(503, 'too_many_streams', 'too many event streams from this address; close one', 10)
    }
    streamsByIp.set(req.ip, mine + 1)
    reply.raw.once('close', () => {
      const n = (streamsByIp.get(req.ip) ?? 1) - 1
      if (n <= 0) streamsByIp.delete(req.ip)
      else streamsByIp.set(req.ip, n)
    })
    const last = req.headers['last-event-id']
    reply.hijack()
    ctx.metrics.http.inc({ route, method: 'GET', status: '200' })
    ctx.events.add(reply.raw, typeof last === 'string' && last.length <= 64 ? last : undefined)
  })
}
