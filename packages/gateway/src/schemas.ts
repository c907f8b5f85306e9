/**
 * JSON schemas of /api/v1. Fastify validates requests against them and
 * serialises responses through them, so a field not listed here never leaks
 * out and a malformed request never reaches a handler. The pieces the daemon's
 * control API shares are in ./schema-parts.ts.
 */

import {
  countsSchema,
  entryProps,
  errorResponses,
  feedRouteOf,
  searchRouteOf,
  peerProps,
  peerRequired,
  postRouteOf,
  topologyProps,
  topologyRequired
} from './schema-parts.js'

const { id, author, ...entryRest } = entryProps
// On the LAN an entry also carries its author's key and chosen name, right after the author.
const gatewayEntryProps = {
  id,
  author,
  authorKey: { type: 'string' },
  authorName: { type: 'string' },
  ...entryRest
} as const
const entryRequired = ['id', 'author', 'authorKey', 'seq', 'timestamp', 'type'] as const

export const entrySchema = { type: 'object', required: entryRequired, properties: gatewayEntryProps } as const

export const signedEntrySchema = {
  type: 'object',
  required: [...entryRequired, 'bytes', 'signedBytes', 'signature', 'publicKey'],
  properties: {
    ...gatewayEntryProps,
    bytes: { type: 'string' },
    signedBytes: { type: 'string' },
    signature: { type: 'string' },
    publicKey: { type: 'string' }
  }
} as const

export const statusRoute = {
  response: {
    200: {
      type: 'object',
      required: ['peerId', 'mesh', 'version', 'uptimeMs', 'listenAddrs', 'counts', 'paired'],
      properties: {
        peerId: { type: 'string' },
        mesh: { type: 'string' },
        version: { type: 'string' },
        uptimeMs: { type: 'integer' },
        listenAddrs: { type: 'array', items: { type: 'string' } },
        counts: countsSchema,
        paired: { type: 'boolean' },
        authorName: { type: 'string' }
      }
    },
    ...errorResponses
  }
} as const

export const peersRoute = {
  response: {
    200: {
      type: 'object',
      required: ['peers'],
      properties: {
        peers: {
          type: 'array',
          items: {
            type: 'object',
            required: [...peerRequired, 'sync'],
            properties: {
              ...peerProps,
              sync: {
                type: ['object', 'null'],
                required: ['inSync', 'weLack', 'theyLack', 'syncing'],
                properties: {
                  inSync: { type: 'boolean' },
                  weLack: { type: 'integer' },
                  theyLack: { type: 'integer' },
                  syncing: { type: 'boolean' },
                  headsAgeMs: { type: 'integer' },
                  lastSyncAgoMs: { type: 'integer' },
                  lastSyncError: { type: 'string' }
                }
              }
            }
          }
        }
      }
    },
    ...errorResponses
  }
} as const

const feedBase = feedRouteOf(
  {
    ...entrySchema,
    // only with ?raw=1: the same fields as GET /entries/:id, so a page verifies in one request
    properties: { ...signedEntrySchema.properties }
  } as const,
  200
)
export const feedRoute = {
  ...feedBase,
  querystring: {
    ...feedBase.querystring,
    properties: { ...feedBase.querystring.properties, raw: { type: 'string', enum: ['0', '1'] } }
  }
} as const

export const searchRoute = searchRouteOf(entrySchema)

export const entryRoute = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } },
  response: { 200: signedEntrySchema, ...errorResponses }
} as const

export const postRoute = postRouteOf(entrySchema)

/** Deleting one of the box's own entries: answers the delete entry. */
export const deleteRoute = { params: entryRoute.params, response: { 200: entrySchema, ...errorResponses } } as const

/** Editing one of the box's own posts or replies: answers the post as the feed now shows it. */
export const editRoute = {
  params: entryRoute.params,
  body: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    // no maxLength: the feed owns the content limit (8 KiB of UTF-8) and answers content_too_large
    properties: { text: { type: 'string', minLength: 1 } }
  },
  response: { 200: entrySchema, ...errorResponses }
} as const

export const profileRoute = {
  body: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    // no maxLength: the feed owns the profile limits and answers malformed_content
    properties: { name: { type: 'string', minLength: 1 }, about: { type: 'string' } }
  },
  response: { 201: entrySchema, ...errorResponses }
} as const

export const pairRoute = {
  body: {
    type: 'object',
    required: ['code'],
    additionalProperties: false,
    properties: { code: { type: 'string', minLength: 1, maxLength: 32 } }
  },
  response: {
    201: { type: 'object', required: ['paired'], properties: { paired: { type: 'boolean' } } },
    ...errorResponses
  }
} as const

const memberSchema = {
  type: 'object',
  required: ['name', 'author', 'authorKey'],
  properties: { name: { type: 'string' }, author: { type: 'string' }, authorKey: { type: 'string' } }
} as const

/** Whether this browser is paired, and (on a box with members) as whom it may post and does. */
const sessionSchema = {
  type: 'object',
  required: ['paired'],
  properties: {
    paired: { type: 'boolean' },
    members: { type: 'array', items: memberSchema },
    current: { type: 'string' },
    firstMember: { type: 'boolean', enum: [true] }
  }
} as const

export const sessionRoute = { response: { 200: sessionSchema, ...errorResponses } } as const

/** Switching to another member this browser holds (`author`: the member's peer id, or its key in hex). */
export const sessionCurrentRoute = {
  body: {
    type: 'object',
    required: ['author'],
    additionalProperties: false,
    properties: { author: { type: 'string', minLength: 1, maxLength: 100 } }
  },
  response: { 200: sessionSchema, ...errorResponses }
} as const

/** Logging this browser out: 204, no body. */
export const sessionLogoutRoute = { response: { ...errorResponses } } as const

export const membersRoute = {
  response: {
    200: { type: 'object', required: ['members'], properties: { members: { type: 'array', items: memberSchema } } },
    ...errorResponses
  }
} as const

/** "I am new here": the box checks the name itself (bad_name); this only bounds what reaches it. */
export const newMemberRoute = {
  body: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1, maxLength: 256 } }
  },
  response: { 201: memberSchema, ...errorResponses }
} as const

export const topologyRoute = {
  response: {
    200: {
      type: 'object',
      required: [...topologyRequired, 'ageMs'],
      properties: { ...topologyProps, ageMs: { type: 'integer' } }
    }
  }
} as const

const reportSchema = {
  type: 'object',
  required: ['id', 'author', 'authorKey', 'seq', 'timestamp', 'type', 'target', 'reason'],
  properties: {
    id: { type: 'string' },
    author: { type: 'string' },
    authorKey: { type: 'string' },
    authorName: { type: 'string' },
    seq: { type: 'integer' },
    timestamp: { type: 'integer' },
    type: { type: 'string', enum: ['report'] },
    target: { type: 'string' },
    reason: { type: 'string' }
  }
} as const

export const reportRoute = {
  body: {
    type: 'object',
    required: ['entry', 'reason'],
    additionalProperties: false,
    properties: {
      entry: { type: 'string', minLength: 1, maxLength: 100 },
      // the limit is 280 UTF-8 bytes: the route counts them and answers invalid_reason
      reason: { type: 'string', maxLength: 1000 }
    }
  },
  response: { 201: reportSchema, ...errorResponses }
} as const

export const reportsRoute = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
      before: { type: 'string', minLength: 1, maxLength: 100 }
    }
  },
  response: {
    200: {
      type: 'object',
      required: ['reports'],
      properties: { reports: { type: 'array', items: reportSchema }, next: { type: 'string' } }
    },
    ...errorResponses
  }
} as const
