import type { FastifyInstance } from 'fastify'
import { errorResponses } from '@kiez/gateway/schema-parts'
import { ApiError } from '../errors.js'
import type { MemberControlApi } from './member-client.js'

// names are checked by @kiez/members (64 characters, 128 UTF-8 bytes); the schema only bounds the request
const name = { type: 'string', minLength: 1, maxLength: 256 } as const
const memberProps = {
  name: { type: 'string' },
  author: { type: 'string' },
  authorKey: { type: 'string' },
  origin: { enum: ['created', 'imported'] },
  addedAt: { type: 'integer' },
  held: { type: 'boolean' }
} as const
const member = {
  type: 'object',
  required: ['name', 'author', 'authorKey', 'origin', 'addedAt'],
  properties: memberProps
} as const
const nameParams = { type: 'object', required: ['name'], properties: { name } } as const
const nameBody = { type: 'object', required: ['name'], additionalProperties: false, properties: { name } } as const

export const membersRoute = {
  response: {
    200: { type: 'object', required: ['members'], properties: { members: { type: 'array', items: member } } },
    ...errorResponses
  }
} as const
export const addMemberRoute = { body: nameBody, response: { 201: member, ...errorResponses } } as const
export const getMemberRoute = { params: nameParams, response: { 200: member, ...errorResponses } } as const
export const removeMemberRoute = { params: nameParams, response: { 200: member, ...errorResponses } } as const
export const renameMemberRoute = {
  params: nameParams,
  body: nameBody,
  response: { 200: member, ...errorResponses }
} as const
export const exportMemberRoute = {
  params: nameParams,
  response: {
    200: {
      ...member,
      required: [...member.required, 'phrase'],
      properties: { ...memberProps, phrase: { type: 'string' } }
    },
    ...errorResponses
  }
} as const
export const importMemberRoute = {
  body: {
    type: 'object',
    required: ['name', 'phrase'],
    additionalProperties: false,
    // 24 words of at most 8 letters, with room for the spaces and line breaks a person types
    properties: { name, phrase: { type: 'string', minLength: 1, maxLength: 1024 } }
  },
  response: { 201: member, ...errorResponses }
} as const
export const overrideMemberRoute = {
  params: nameParams,
  response: {
    200: {
      ...member,
      required: [...member.required, 'released'],
      properties: { ...memberProps, released: { type: 'boolean' } }
    },
    ...errorResponses
  }
} as const

/** The routes, under /members; `api` is undefined while the daemon starts or stops. */
export function memberRoutes (app: FastifyInstance, api: () => MemberControlApi | undefined): void {
  const members = (): MemberControlApi => {
    const a = api()
    if (a === undefined) throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
    return a
  }
  app.get('/members', { schema: membersRoute }, async () => await members().list())
  app.post<{ Body: { name: string } }>('/members', { schema: addMemberRoute }, async (req, reply) => {
    return await reply.status(201).send(await members().add(req.body.name))
  })
  app.post<{ Body: { name: string, phrase: string } }>(
    '/members/import',
    { schema: importMemberRoute },
    async (req, reply) => await reply.status(201).send(await members().import(req.body.name, req.body.phrase))
  )
  app.get<{ Params: { name: string } }>(
    '/members/:name',
    { schema: getMemberRoute },
    async (req) => await members().get(req.params.name)
  )
  app.delete<{ Params: { name: string } }>(
    '/members/:name',
    { schema: removeMemberRoute },
    async (req) => await members().remove(req.params.name)
  )
  app.put<{ Params: { name: string }, Body: { name: string } }>(
    '/members/:name',
    { schema: renameMemberRoute },
    async (req) => await members().rename(req.params.name, req.body.name)
  )
  app.post<{ Params: { name: string } }>(
    '/members/:name/export',
    { schema: exportMemberRoute },
    async (req) => await members().exportPhrase(req.params.name)
  )
  app.post<{ Params: { name: string } }>(
    '/members/:name/override',
    { schema: overrideMemberRoute },
    async (req) => await members().override(req.params.name)
  )
}
