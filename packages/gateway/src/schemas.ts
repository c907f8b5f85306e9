/**
 * JSON schemas of /api/v1. Fastify validates requests against them and
 * serialises responses through them, so a field not listed here never leaks
 * out and a malformed request never reaches a handler.
 */

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } }
  }
} as const

const errors = { '4xx': errorSchema, '5xx': errorSchema }

const entryProps = {
  id: { type: 'string' },
  author: { type: 'string' },
  authorKey: { type: 'string' },
  authorName: { type: 'string' },
  seq: { type: 'integer' },
  timestamp: { type: 'integer' },
  type: { type: 'string', enum: ['post', 'reply', 'profile'] },
  text: { type: 'string' },
  name: { type: 'string' },
  replyTo: { type: 'string' },
  previous: { type: 'string' }
} as const
const entryRequired = ['id', 'author', 'authorKey', 'seq', 'timestamp', 'type'] as const

export const entrySchema = { type: 'object', required: entryRequired, properties: entryProps } as const

export const signedEntrySchema = {
  type: 'object',
  required: [...entryRequired, 'bytes', 'signedBytes', 'signature', 'publicKey'],
  properties: {
    ...entryProps,
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
        counts: {
          type: 'object',
          required: ['peers', 'authors', 'entries'],
          properties: { peers: { type: 'integer' }, authors: { type: 'integer' }, entries: { type: 'integer' } }
        },
        paired: { type: 'boolean' },
        authorName: { type: 'string' }
      }
    },
    ...errors
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
            required: ['peerId', 'addrs', 'source', 'direction', 'connected', 'sync'],
            properties: {
              peerId: { type: 'string' },
              addrs: { type: 'array', items: { type: 'string' } },
              source: { type: ['string', 'null'] },
              direction: { type: ['string', 'null'] },
              connected: { type: 'boolean' },
              latencyMs: { type: 'number' },
              lastSeenMs: { type: 'integer' },
              agentVersion: { type: 'string' },
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
    ...errors
  }
} as const

export const feedRoute = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
      before: { type: 'string', minLength: 1, maxLength: 100 }
    }
  },
  response: {
    200: { type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: entrySchema }, next: { type: 'string' } } },
    ...errors
  }
} as const

export const entryRoute = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } },
  response: { 200: signedEntrySchema, ...errors }
} as const

export const postRoute = {
  body: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    properties: {
      // No maxLength: the feed owns the content limit (8 KiB of UTF-8) and answers content_too_large.
      text: { type: 'string', minLength: 1 },
      replyTo: { type: 'string', minLength: 1, maxLength: 100 }
    }
  },
  response: { 201: entrySchema, ...errors }
} as const

export const profileRoute = {
  body: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1 } }
  },
  response: { 201: entrySchema, ...errors }
} as const

export const pairRoute = {
  body: {
    type: 'object',
    required: ['code'],
    additionalProperties: false,
    properties: { code: { type: 'string', minLength: 1, maxLength: 32 } }
  },
  response: { 201: { type: 'object', required: ['paired'], properties: { paired: { type: 'boolean' } } }, ...errors }
} as const

export const sessionRoute = {
  response: { 200: { type: 'object', required: ['paired'], properties: { paired: { type: 'boolean' } } }, ...errors }
} as const

export const topologyRoute = {
  response: {
    200: {
      type: 'object',
      required: ['self', 'boxes', 'links', 'failures', 'truncated', 'durationMs', 'ageMs'],
      properties: {
        self: { type: 'string' },
        boxes: { type: 'array', items: { type: 'object', required: ['peerId', 'hops', 'reported'], properties: { peerId: { type: 'string' }, self: { type: 'boolean' }, hops: { type: 'integer' }, reported: { type: 'boolean' }, clockOffsetMs: { type: 'integer' } } } },
        links: { type: 'array', items: { type: 'object', required: ['a', 'b', 'reportedBy', 'oneSided'], properties: { a: { type: 'string' }, b: { type: 'string' }, latencyMs: { type: 'number' }, reportedBy: { type: 'array', items: { type: 'string' } }, oneSided: { type: 'boolean' } } } },
        failures: { type: 'array', items: { type: 'object', required: ['peerId', 'code'], properties: { peerId: { type: 'string' }, code: { type: 'string' } } } },
        truncated: { type: 'boolean' },
        durationMs: { type: 'integer' },
        ageMs: { type: 'integer' }
      }
    }
  }
} as const
