import { describe, expect, it } from 'vitest'
import Fastify from 'fastify'
import { lazySchemaController } from './compilers.ts'

async function app (eager = false) {
  const app = Fastify({ schemaController: lazySchemaController({ allErrors: true, eager }) })
  app.get<{ Querystring: { n: number, order: string } }>('/q', {
    schema: {
      querystring: {
        type: 'object',
        properties: { n: { type: 'integer' }, order: { type: 'string', default: 'new' } },
        additionalProperties: false
      },
      response: { 200: { type: 'object', properties: { n: { type: 'integer' }, order: { type: 'string' } } } }
    }
  }, async (req) => ({ n: req.query.n, order: req.query.order, secret: 'not in the schema' }))
  app.post<{ Body: { text: string } }>('/b', {
    schema: { body: { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 3 } } } }
  }, async (req) => ({ got: typeof req.body.text }))
  // Ajv refuses this schema: compiled at the start, it would fail ready()
  app.get('/never', { schema: { querystring: { type: 'no such type' } } }, async () => ({}))
  await app.ready()
  return app
}

describe('lazySchemaController', () => {
  it('compiles a route on its first call: a route never called costs nothing, not even a broken schema', async () => {
    const a = await app()
    expect((await a.inject({ url: '/q?n=2' })).statusCode).toBe(200)
    expect((await a.inject({ url: '/never' })).statusCode).toBe(500)
    await a.close()
    // eager (KIEZ_EAGER_SCHEMAS=1): Fastify's own way, the broken schema fails the start
    await expect(app(true)).rejects.toThrow(/Failed building the validation schema/)
  })

  it('coerces and defaults query strings, returns only the response schema, and calls again with the same function', async () => {
    const a = await app()
    for (let i = 0; i < 2; i++) {
      const r = await a.inject({ url: '/q?n=50' })
      expect(r.json()).toEqual({ n: 50, order: 'new' })
    }
    const bad = await a.inject({ url: '/q?n=five&x=1' })
    expect(bad.statusCode).toBe(400)
    // allErrors: both problems named
    expect(bad.json().message).toMatch(/integer/)
    expect(bad.json().message).toMatch(/additional/)
    await a.close()
  })

  it('does not coerce JSON bodies, and says why a body fails', async () => {
    const a = await app()
    expect((await a.inject({ method: 'POST', url: '/b', payload: { text: 'ok' } })).json()).toEqual({ got: 'string' })
    const typed = await a.inject({ method: 'POST', url: '/b', payload: { text: 5 } })
    expect(typed.statusCode).toBe(400)
    expect(typed.json().message).toMatch(/body\/text must be string/)
    const long = await a.inject({ method: 'POST', url: '/b', payload: { text: 'long' } })
    expect(long.json().message).toMatch(/must NOT have more than 3 characters/)
    await a.close()
  })
})
