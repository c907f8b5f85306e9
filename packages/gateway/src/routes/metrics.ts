import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

/** Prometheus text, outside /api/v1 (where scrapers look). */
export function registerMetrics (app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await registry.metrics()
    return await reply.header('cache-control', 'no-store').type(registry.contentType).send(text)
  })
}
