import { lifeEntryProps, lifePostProps, LIFE_ANSWER_KINDS } from './life-json.js'

/** A kind in a query string (PROTOCOL.md §2). */
const KIND_PARAM = '^[a-z][a-z0-9_-]{0,31}$'

/**
 * JSON schema pieces shared by the two HTTP faces of a box: the gateway's
 * /api/v1 (./schemas.ts) and the daemon's control API (which depends on this
 * package, never the other way). Each face composes its routes from them, so
 * the error body, an entry's, a peer's and the topology map's fields are said
 * once; what a face adds (authorKey on the LAN, sync state per peer) stays
 * with that face.
 */

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } }
    }
  }
} as const

/** The error body for every 4xx and 5xx answer of a route. */
/** One image of a post as the feed JSON lists it (imagesJson, @kiez/feed). */
const imageProps = {
  cid: { type: 'string' },
  type: { type: 'string' },
  bytes: { type: 'integer' },
  width: { type: 'integer' },
  height: { type: 'integer' },
  alt: { type: 'string' }
} as const

export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const

/** An entry's fields as the feed stores them (the control API shows exactly these). */
export const entryProps = {
  id: { type: 'string' },
  author: { type: 'string' },
  seq: { type: 'integer' },
  timestamp: { type: 'integer' },
  // a delete or edit only as the answer to its own authoring; feeds show none
  // vote, rsvp, done as delete and edit: only as the answer to their own authoring
  type: { type: 'string', enum: ['post', 'reply', 'profile', 'delete', 'edit', ...LIFE_ANSWER_KINDS] },
  text: { type: 'string' },
  name: { type: 'string' },
  replyTo: { type: 'string' },
  // a post's or reply's images (blobs, GET /api/v1/blobs/:cid); thumb: the same minus thumb, or null
  // (the response serializer writes only the properties named here)
  images: {
    type: 'array',
    items: {
      type: 'object',
      properties: { ...imageProps, thumb: { anyOf: [{ type: 'null' }, { type: 'object', properties: imageProps }] } }
    }
  },
  target: { type: 'string' },
  previous: { type: 'string' },
  edited: { type: 'boolean' },
  payloadMissing: { type: 'boolean' },
  // a followed moderation list hides it (the gateway adds the list author's name)
  hidden: {
    type: 'object',
    required: ['by', 'entry', 'reason'],
    properties: {
      by: { type: 'string' },
      byName: { type: 'string' },
      entry: { type: 'string' },
      reason: { type: 'string' }
    }
  },
  // the kinds of neighbourhood life (life-json.ts)
  ...lifeEntryProps,
  // the household that claims the author, or that none does (PROTOCOL.md §2, "Claims")
  household: {
    type: 'object',
    required: ['id', 'name', 'seenBy'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      seenBy: { type: 'integer' },
      oneSided: { type: 'boolean' }
    }
  },
  unclaimed: { type: 'boolean' }
} as const

export const countsSchema = {
  type: 'object',
  required: ['peers', 'authors', 'entries'],
  properties: { peers: { type: 'integer' }, authors: { type: 'integer' }, entries: { type: 'integer' } }
} as const

/** A known peer's fields; the gateway adds its sync state. */
export const peerProps = {
  peerId: { type: 'string' },
  addrs: { type: 'array', items: { type: 'string' } },
  remoteAddr: { type: 'string' },
  source: { type: ['string', 'null'] },
  direction: { type: ['string', 'null'] },
  connected: { type: 'boolean' },
  latencyMs: { type: 'number' },
  lastSeenMs: { type: 'integer' },
  agentVersion: { type: 'string' }
} as const
export const peerRequired = ['peerId', 'addrs', 'source', 'direction', 'connected'] as const

/** The answer to a topology crawl; the gateway adds the age of its cached crawl. */
export const topologyProps = {
  self: { type: 'string' },
  boxes: {
    type: 'array',
    items: {
      type: 'object',
      required: ['peerId', 'hops', 'reported'],
      properties: {
        peerId: { type: 'string' },
        self: { type: 'boolean' },
        hops: { type: 'integer' },
        reported: { type: 'boolean' },
        clockOffsetMs: { type: 'integer' }
      }
    }
  },
  links: {
    type: 'array',
    items: {
      type: 'object',
      required: ['a', 'b', 'reportedBy', 'oneSided'],
      properties: {
        a: { type: 'string' },
        b: { type: 'string' },
        latencyMs: { type: 'number' },
        reportedBy: { type: 'array', items: { type: 'string' } },
        oneSided: { type: 'boolean' }
      }
    }
  },
  failures: {
    type: 'array',
    items: {
      type: 'object',
      required: ['peerId', 'code'],
      properties: { peerId: { type: 'string' }, code: { type: 'string' } }
    }
  },
  truncated: { type: 'boolean' },
  durationMs: { type: 'integer' }
} as const
export const topologyRequired = ['self', 'boxes', 'links', 'failures', 'truncated', 'durationMs'] as const

/** A page of the feed, newest first, with a `next` cursor; the face picks its entry shape and page size. */
export function feedRouteOf<const E> (entry: E, maxLimit: number) {
  return {
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: maxLimit, default: 50 },
        before: { type: 'string', minLength: 1, maxLength: 100 },
        // only entries of this kind (a page may come out shorter; `next` pages on)
        kind: { type: 'string', minLength: 1, maxLength: 32, pattern: KIND_PARAM }
      }
    },
    response: {
      200: {
        type: 'object',
        required: ['entries'],
        properties: { entries: { type: 'array', items: entry }, next: { type: 'string' } }
      },
      ...errorResponses
    }
  } as const
}

/** The longest search query, in characters (@kiez/search's maxQueryChars). */
export const MAX_SEARCH_CHARS = 200

/** Searching (GET /search): a query, optionally a kind; answers entries newest first in the face's shape. */
export function searchRouteOf<const E> (entry: E) {
  return {
    querystring: {
      type: 'object',
      required: ['q'],
      additionalProperties: false,
      properties: {
        q: { type: 'string', minLength: 1, maxLength: MAX_SEARCH_CHARS },
        kind: { type: 'string', minLength: 1, maxLength: 32, pattern: KIND_PARAM },
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }
      }
    },
    response: {
      200: { type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: entry } } },
      ...errorResponses
    }
  } as const
}

/** Posting: a text, optionally a reply; answers the new entry in the face's shape. */
export function postRouteOf<const E> (entry: E) {
  return {
    body: {
      type: 'object',
      // a text, except for the kinds that answer another entry (vote, rsvp, done: a target instead)
      anyOf: [{ required: ['text'] }, { required: ['images'] }, {
        required: ['kind', 'target'],
        properties: { kind: { enum: LIFE_ANSWER_KINDS } }
      }],
      additionalProperties: false,
      properties: {
        // No maxLength: the feed owns the content limit (8 KiB of UTF-8) and answers content_too_large.
        text: { type: 'string', minLength: 1 },
        replyTo: { type: 'string', minLength: 1, maxLength: 100 },
        // uploaded blobs (POST /blobs) by id, with alt text and a thumbnail's id (the daemon describes them)
        images: {
          type: 'array',
          minItems: 1,
          maxItems: 4,
          items: {
            type: 'object',
            required: ['cid'],
            additionalProperties: false,
            properties: {
              cid: { type: 'string', minLength: 1, maxLength: 100 },
              alt: { type: 'string', maxLength: 1000 },
              thumb: { type: 'string', minLength: 1, maxLength: 100 }
            }
          }
        },
        // the kinds of neighbourhood life and their fields (life-json.ts; the daemon checks which go together)
        ...lifePostProps
      }
    },
    response: { 201: entry, ...errorResponses }
  } as const
}
