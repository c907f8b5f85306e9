import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors.js'
import type { MessageControlApi, MessageSendRequest } from './message-client.js'

const name = { type: 'string', minLength: 1, maxLength: 128 } as const
const author = { type: 'string', minLength: 1, maxLength: 128 } as const

export const sendRoute = {
  body: {
    type: 'object',
    required: ['to', 'text'],
    additionalProperties: false,
    // the text is at most 4096 UTF-8 bytes: the daemon counts bytes, the schema bounds characters
    properties: {
      as: name,
      to: { type: 'array', minItems: 1, maxItems: 8, items: author },
      text: { type: 'string', minLength: 1, maxLength: 4096 }
    }
  }
} as const
export const listRoute = {
  querystring: { type: 'object', additionalProperties: false, properties: { as: name, with: author } }
} as const
export const blockRoute = {
  body: {
    type: 'object',
    required: ['author'],
    additionalProperties: false,
    properties: { as: name, author, blocked: { type: 'boolean' } }
  }
} as const

/** The routes, under /messages; `api` is undefined while the daemon starts or stops. */
export function messageRoutes (app: FastifyInstance, api: () => MessageControlApi | undefined): void {
  const dm = (): MessageControlApi => {
    const a = api()
    if (a === undefined) throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
    return a
  }
  app.post<{ Body: MessageSendRequest }>('/messages', { schema: sendRoute }, async (req, reply) => {
    return await reply.status(201).send(await dm().send(req.body))
  })
  app.get<{ Querystring: { as?: string, with?: string } }>('/messages', { schema: listRoute }, async (req) => {
    return req.query.with === undefined
      ? await dm().list(req.query.as)
      : await dm().read(req.query.as, req.query.with)
  })
  app.post<{ Body: { as?: string, author: string, blocked?: boolean } }>(
    '/messages/blocks',
    { schema: blockRoute },
    async (req) => await dm().block({ ...req.body, blocked: req.body.blocked ?? true })
  )
}
