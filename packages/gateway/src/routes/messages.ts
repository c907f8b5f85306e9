import type { FastifyInstance, FastifyRequest } from 'fastify'
import { GatewayError } from '../errors.js'
import { errorResponses } from '../schema-parts.js'
import type { GatewayMessages } from '../types.js'
import type { RouteContext } from './context.js'

const author = { type: 'string', minLength: 1, maxLength: 128 } as const
const listRoute = {
  querystring: { type: 'object', additionalProperties: false, properties: { with: author } },
  response: errorResponses
} as const
const sendRoute = {
  body: {
    type: 'object',
    required: ['to', 'text'],
    additionalProperties: false,
    // at most 4096 UTF-8 bytes: @kiez/messages counts bytes, the schema bounds characters
    properties: {
      to: { type: 'array', minItems: 1, maxItems: 8, items: author },
      text: { type: 'string', minLength: 1, maxLength: 4096 }
    }
  },
  response: errorResponses
} as const
const readRoute = {
  body: { type: 'object', required: ['with'], additionalProperties: false, properties: { with: author } },
  response: errorResponses
} as const
const blockRoute = {
  body: {
    type: 'object',
    required: ['author'],
    additionalProperties: false,
    properties: { author, blocked: { type: 'boolean' } }
  },
  response: errorResponses
} as const

/**
 * Private messages of the session's current member (paired browsers only):
 * conversations, one conversation, send, mark read, block an author's messages.
 */
export function registerMessages (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'backend' | 'session' | 'people'>
): void {
  /** The messages and the member this browser is; 401 unpaired, 403 member_required, 404 without messages. */
  const mine = (req: FastifyRequest): { dm: GatewayMessages, member: Uint8Array } => {
    const s = ctx.session(req)
    if (s === undefined) {
      throw new GatewayError(401, 'unauthorized', 'pair this browser first: run `kiez pair` on the box')
    }
    const dm = ctx.backend.messages
    if (dm === undefined) throw new GatewayError(404, 'not_found', 'this box has no private messages')
    const member = ctx.people.postingAs(s.info)
    if (member === undefined) {
      throw new GatewayError(403, 'member_required', 'messages are members\': add one ("I am new here") first')
    }
    return { dm, member }
  }

  api.get<{ Querystring: { with?: string } }>('/messages', { schema: listRoute }, async (req) => {
    const { dm, member } = mine(req)
    return req.query.with === undefined
      ? dm.conversations(member)
      : await dm.conversation(member, req.query.with, false)
  })
  api.post<{ Body: { to: string[], text: string } }>(
    '/messages',
    { schema: sendRoute, config: { rate: 'post' } },
    async (req, reply) => {
      const { dm, member } = mine(req)
      return await reply.status(201).send(await dm.send(member, req.body.to, req.body.text))
    }
  )
  api.post<{ Body: { with: string } }>('/messages/read', { schema: readRoute }, async (req) => {
    const { dm, member } = mine(req)
    await dm.conversation(member, req.body.with, true)
    return dm.conversations(member)
  })
  api.post<{ Body: { author: string, blocked?: boolean } }>('/messages/blocks', { schema: blockRoute }, async (req) => {
    const { dm, member } = mine(req)
    return await dm.block(member, req.body.author, req.body.blocked ?? true)
  })
}
