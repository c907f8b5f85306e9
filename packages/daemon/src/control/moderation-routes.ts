import type { FastifyInstance } from 'fastify'
import { errorResponses } from '@kiez/gateway/schema-parts'
import { ApiError } from '../errors.js'
import type { ModerationControlApi, ModPublishRequest } from './moderation-client.js'

const author = { type: 'string', minLength: 1, maxLength: 128 } as const
// a reason is at most 280 UTF-8 bytes; the daemon counts bytes, the schema only bounds characters
const reason = { type: 'string', maxLength: 280 } as const
const block = {
  type: 'object',
  required: ['author', 'reason', 'at'],
  properties: { author: { type: 'string' }, reason: { type: 'string' }, at: { type: 'integer' } }
} as const
const list = {
  type: 'object',
  required: ['author', 'followedAt', 'blocks', 'hides'],
  properties: {
    author: { type: 'string' },
    followedAt: { type: 'integer' },
    blocks: { type: 'integer' },
    hides: { type: 'integer' }
  }
} as const
const undo = {
  type: 'object',
  required: ['author', 'changed'],
  properties: { author: { type: 'string' }, changed: { type: 'boolean' } }
} as const
const authorParams = { type: 'object', required: ['author'], properties: { author } } as const

export const blockRoute = {
  body: {
    type: 'object',
    required: ['author'],
    additionalProperties: false,
    properties: { author, reason }
  },
  response: {
    200: {
      ...block,
      required: [...block.required, 'dropped'],
      properties: { ...block.properties, dropped: { type: 'integer' } }
    },
    ...errorResponses
  }
} as const
export const unblockRoute = { params: authorParams, response: { 200: undo, ...errorResponses } } as const
export const blocksRoute = {
  response: {
    200: { type: 'object', required: ['blocks'], properties: { blocks: { type: 'array', items: block } } },
    ...errorResponses
  }
} as const
export const followRoute = {
  body: { type: 'object', required: ['author'], additionalProperties: false, properties: { author } },
  response: { 200: list, ...errorResponses }
} as const
export const unfollowRoute = unblockRoute
export const listsRoute = {
  response: {
    200: { type: 'object', required: ['lists'], properties: { lists: { type: 'array', items: list } } },
    ...errorResponses
  }
} as const
export const publishRoute = {
  body: {
    type: 'object',
    required: ['type', 'target'],
    additionalProperties: false,
    properties: { type: { enum: ['block', 'hide'] }, target: { type: 'string', minLength: 1, maxLength: 128 }, reason }
  },
  response: {
    201: {
      type: 'object',
      required: ['id', 'author', 'seq', 'timestamp', 'type', 'target', 'reason'],
      properties: {
        id: { type: 'string' },
        author: { type: 'string' },
        seq: { type: 'integer' },
        timestamp: { type: 'integer' },
        type: { enum: ['mod-block', 'mod-hide'] },
        target: { type: 'string' },
        reason: { type: 'string' }
      }
    },
    ...errorResponses
  }
} as const

/** The routes, under /moderation; `api` is undefined while the daemon starts or stops. */
export function moderationRoutes (app: FastifyInstance, api: () => ModerationControlApi | undefined): void {
  const mod = (): ModerationControlApi => {
    const a = api()
    if (a === undefined) throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
    return a
  }
  app.get('/moderation/blocks', { schema: blocksRoute }, async () => await mod().blocks())
  app.post<{ Body: { author: string, reason?: string } }>(
    '/moderation/blocks',
    { schema: blockRoute },
    async (req) => await mod().block(req.body)
  )
  app.delete<{ Params: { author: string } }>(
    '/moderation/blocks/:author',
    { schema: unblockRoute },
    async (req) => await mod().unblock(req.params.author)
  )
  app.get('/moderation/lists', { schema: listsRoute }, async () => await mod().lists())
  app.post<{ Body: { author: string } }>(
    '/moderation/lists',
    { schema: followRoute },
    async (req) => await mod().follow(req.body.author)
  )
  app.delete<{ Params: { author: string } }>(
    '/moderation/lists/:author',
    { schema: unfollowRoute },
    async (req) => await mod().unfollow(req.params.author)
  )
  app.post<{ Body: ModPublishRequest }>('/moderation/entries', { schema: publishRoute }, async (req, reply) => {
    return await reply.status(201).send(await mod().publish(req.body))
  })
}
