/**
 * JSON schemas of the control API. Fastify validates requests against them
 * and serialises responses through them, so a field not listed here never
 * leaks out and a malformed request never reaches a handler. The pieces the
 * gateway's /api/v1 shows as well (entry, peer, topology, error body) come
 * from @kiez/gateway/schema-parts, so both faces say a field's type once.
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
} from '@kiez/gateway/schema-parts'

const entry = {
  type: 'object',
  required: ['id', 'author', 'seq', 'timestamp', 'type'],
  properties: { ...entryProps, authorName: { type: 'string' } }
} as const
const httpSchema = {
  type: 'object',
  required: ['address', 'serving'],
  properties: { address: { type: 'string' }, serving: { type: 'boolean' }, url: { type: 'string' } }
} as const
/** the self-fork guard (OwnFeedJson) */
const ownFeedSchema = {
  type: 'object',
  required: ['state', 'ownSeq'],
  properties: {
    state: { enum: ['ok', 'armed'] },
    ownSeq: { type: 'integer' },
    reason: { enum: ['store_new', 'key_not_owner'] },
    armedAt: { type: 'integer' },
    claimedSeq: { type: 'integer' },
    claimedBy: { type: 'string' },
    disarmedAt: { type: 'integer' },
    disarmedBy: { enum: ['neighbour', 'override'] }
  }
} as const

export const statusRoute = {
  response: {
    200: {
      type: 'object',
      required: ['peerId', 'mesh', 'listenAddrs', 'uptimeMs', 'counts', 'store', 'version', 'dataDir', 'http'],
      properties: {
        peerId: { type: 'string' },
        mesh: { type: 'string' },
        listenAddrs: { type: 'array', items: { type: 'string' } },
        uptimeMs: { type: 'integer' },
        counts: countsSchema,
        store: {
          type: 'object',
          required: ['forks', 'duplicates', 'rejected'],
          properties: {
            forks: { type: 'integer' },
            duplicates: { type: 'integer' },
            rejected: { type: 'object', additionalProperties: { type: 'integer' } }
          }
        },
        version: { type: 'string' },
        dataDir: { type: 'string' },
        http: httpSchema,
        ownFeed: ownFeedSchema,
        storage: {
          type: 'object',
          required: ['usedBytes', 'maxBytes', 'payloadsEvicted', 'headersTruncated'],
          properties: {
            usedBytes: { type: 'integer' },
            maxBytes: { type: 'integer' },
            payloadsEvicted: { type: 'integer' },
            headersTruncated: { type: 'integer' },
            deferred: { type: 'integer' },
            full: { type: 'boolean' },
            feedMaxBytes: { type: 'integer' },
            blobMaxBytes: { type: 'integer' }
          }
        },
        // the image blobs (blobs.ts): store, budget share and /kiez/blob/1.0.0 counters since start
        blobs: {
          type: 'object',
          required: ['count', 'bytes', 'maxBytes'],
          properties: Object.fromEntries(
            [
              'count',
              'bytes',
              'maxBytes',
              'evicted',
              'fetched',
              'fetchedBytes',
              'served',
              'servedBytes',
              'refused',
              'failed',
              'busy',
              'uploaded',
              'thumbsFetched'
            ].map((k) => [k, { type: 'integer' }])
          )
        }
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
            required: peerRequired,
            properties: peerProps
          }
        }
      }
    },
    ...errorResponses
  }
} as const

/** a member's name as `--as` sends it; @kiez/members checks it, this only bounds the request */
const asName = { type: 'string', minLength: 1, maxLength: 256 } as const
const postBase = postRouteOf(entry)

export const postRoute = {
  ...postBase,
  body: { ...postBase.body, properties: { ...postBase.body.properties, as: asName } }
} as const

export const profileRoute = {
  body: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    // the feed owns the limits (128 and 280 UTF-8 bytes) and answers with its codes
    properties: {
      name: { type: 'string', minLength: 1 },
      about: { type: 'string' },
      as: asName,
      box: { type: 'boolean' }
    }
  },
  response: { 201: entry, ...errorResponses }
} as const

export const feedRoute = feedRouteOf(entry, 500)
export const searchRoute = searchRouteOf(entry)

const entryIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } }
} as const

export const deleteRoute = {
  params: entryIdParams,
  querystring: { type: 'object', properties: { as: asName } },
  response: { 200: entry, ...errorResponses }
} as const

export const editRoute = {
  params: entryIdParams,
  body: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    // no maxLength: the feed owns the content limit (8 KiB of UTF-8) and answers content_too_large
    properties: { text: { type: 'string', minLength: 1 }, as: asName }
  },
  response: { 200: entry, ...errorResponses }
} as const

export const pingRoute = {
  body: {
    type: 'object',
    required: ['target'],
    additionalProperties: false,
    properties: {
      target: { type: 'string', minLength: 1, maxLength: 400 },
      count: { type: 'integer', minimum: 1, maximum: 20, default: 3 },
      // per round trip; the default is the mesh's own (LIMITS.ping.timeoutMs)
      timeoutMs: { type: 'integer', minimum: 1000, maximum: 60_000, default: 5000 }
    }
  },
  response: {
    200: {
      type: 'object',
      required: ['target', 'count', 'timeoutMs', 'rttsMs', 'lost', 'pings'],
      properties: {
        target: { type: 'string' },
        count: { type: 'integer' },
        timeoutMs: { type: 'integer' },
        rttsMs: { type: 'array', items: { type: 'number' } },
        lost: { type: 'integer' },
        pings: {
          type: 'array',
          items: {
            type: 'object',
            required: ['seq'],
            properties: { seq: { type: 'integer' }, rttMs: { type: 'number' } }
          }
        }
      }
    },
    ...errorResponses
  }
} as const

export const dhtFindRoute = {
  params: {
    type: 'object',
    required: ['peerId'],
    properties: { peerId: { type: 'string', minLength: 1, maxLength: 200 } }
  },
  response: {
    200: {
      type: 'object',
      required: ['peerId', 'addrs', 'durationMs', 'foundBy', 'path'],
      properties: {
        peerId: { type: 'string' },
        addrs: { type: 'array', items: { type: 'string' } },
        durationMs: { type: 'integer' },
        foundBy: { type: 'string' },
        path: {
          type: 'array',
          items: {
            type: 'object',
            required: ['peerId', 'atMs'],
            properties: {
              peerId: { type: 'string' },
              atMs: { type: 'integer' },
              closer: { type: 'integer' },
              error: { type: 'string' }
            }
          }
        }
      }
    },
    ...errorResponses
  }
} as const

export const dhtTableRoute = {
  response: {
    200: {
      type: 'object',
      required: ['peers'],
      properties: {
        peers: {
          type: 'array',
          items: {
            type: 'object',
            required: ['peerId', 'commonPrefixLength', 'connected'],
            properties: {
              peerId: { type: 'string' },
              commonPrefixLength: { type: 'integer' },
              connected: { type: 'boolean' }
            }
          }
        }
      }
    },
    ...errorResponses
  }
} as const

const countMap = { type: 'object', additionalProperties: { type: 'integer' } } as const

export const syncRoute = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { author: { type: 'string', minLength: 1, maxLength: 200 } }
  },
  response: {
    200: {
      type: 'object',
      required: ['available', 'peers', 'counters'],
      properties: {
        available: { type: 'boolean' },
        topic: { type: 'string' },
        protocol: { type: 'string' },
        author: { type: 'string' },
        ourSeq: { type: 'integer' },
        peers: {
          type: 'array',
          items: {
            type: 'object',
            required: ['peerId', 'connected', 'weLack', 'theyLack', 'syncing', 'authors'],
            properties: {
              peerId: { type: 'string' },
              connected: { type: 'boolean' },
              lastSeenMs: { type: 'integer' },
              headsAgeMs: { type: 'integer' },
              weLack: { type: 'integer' },
              theyLack: { type: 'integer' },
              syncing: { type: 'boolean' },
              lastSyncAgoMs: { type: 'integer' },
              lastSyncError: { type: 'string' },
              authors: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['author', 'ourSeq', 'theirSeq', 'weLack', 'theyLack', 'diverged'],
                  properties: {
                    author: { type: 'string' },
                    ourSeq: { type: 'integer' },
                    theirSeq: { type: 'integer' },
                    weLack: { type: 'integer' },
                    theyLack: { type: 'integer' },
                    diverged: { type: 'boolean' },
                    weLackFrom: { type: 'integer' },
                    weLackTo: { type: 'integer' },
                    theyLackFrom: { type: 'integer' },
                    theyLackTo: { type: 'integer' }
                  }
                }
              }
            }
          }
        },
        counters: { type: 'object', additionalProperties: { anyOf: [{ type: 'number' }, countMap] } }
      }
    },
    ...errorResponses
  }
} as const

export const pairRoute = {
  body: {
    type: 'object',
    additionalProperties: false,
    properties: { member: { type: 'string', minLength: 1, maxLength: 256 } }
  },
  response: {
    200: {
      type: 'object',
      required: ['code', 'expiresInMs'],
      properties: {
        code: { type: 'string' },
        expiresInMs: { type: 'integer' },
        url: { type: 'string' },
        member: { type: 'string' }
      }
    },
    ...errorResponses
  }
} as const

export const browserSessionsRoute = {
  response: {
    200: {
      type: 'object',
      required: ['sessions'],
      properties: {
        sessions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'createdAt', 'lastSeenAt', 'members'],
            properties: {
              id: { type: 'string' },
              createdAt: { type: 'integer' },
              lastSeenAt: { type: 'integer' },
              members: { type: 'array', items: { type: 'string' } },
              member: { type: 'string' }
            }
          }
        }
      }
    },
    ...errorResponses
  }
} as const

export const revokeOneRoute = {
  params: {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }
  },
  response: {
    200: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } },
    ...errorResponses
  }
} as const

export const revokeRoute = {
  response: {
    200: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } },
    ...errorResponses
  }
} as const

export const topologyRoute = {
  response: { 200: { type: 'object', required: topologyRequired, properties: topologyProps }, ...errorResponses }
} as const

export const whyRoute = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 128 } } },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { author: { type: 'string', maxLength: 128 }, seq: { type: 'integer', minimum: 1 } }
  },
  response: {
    200: {
      type: 'object',
      required: ['id', 'verdict', 'reason'],
      properties: {
        id: { type: 'string' },
        verdict: { type: 'string', enum: ['here', 'rejected', 'author_forked', 'behind', 'never_seen'] },
        reason: { type: 'string' },
        entry,
        author: { type: 'string' },
        seq: { type: 'integer' },
        ourSeq: { type: 'integer' },
        forkedAt: { type: 'integer' },
        rejections: {
          type: 'array',
          items: {
            type: 'object',
            required: ['peerId', 'code', 'via', 'agoMs'],
            properties: {
              peerId: { type: 'string' },
              code: { type: 'string' },
              via: { type: 'string', enum: ['gossip', 'sync'] },
              agoMs: { type: 'integer' }
            }
          }
        },
        holders: {
          type: 'array',
          items: {
            type: 'object',
            required: ['peerId', 'theirSeq'],
            properties: { peerId: { type: 'string' }, theirSeq: { type: 'integer' } }
          }
        }
      }
    },
    ...errorResponses
  }
} as const

export const doctorRoute = {
  response: {
    200: {
      type: 'object',
      required: ['peerId', 'dataDir', 'listenAddrs', 'http', 'uptimeMs', 'peers', 'mdns', 'dht', 'clock'],
      properties: {
        peerId: { type: 'string' },
        dataDir: { type: 'string' },
        listenAddrs: { type: 'array', items: { type: 'string' } },
        http: httpSchema,
        uptimeMs: { type: 'integer' },
        peers: {
          type: 'object',
          required: ['connected', 'known'],
          properties: { connected: { type: 'integer' }, known: { type: 'integer' }, lastSeenMs: { type: 'integer' } }
        },
        mdns: {
          type: 'object',
          required: ['enabled'],
          properties: {
            enabled: { type: 'boolean' },
            links: {
              type: 'array',
              items: {
                type: 'object',
                required: ['interface', 'localAddress', 'ready'],
                properties: {
                  interface: { type: 'string' },
                  localAddress: { type: 'string' },
                  ready: { type: 'boolean' }
                }
              }
            },
            peersFound: { type: 'integer' },
            queriesSent: { type: 'integer' },
            responsesReceived: { type: 'integer' }
          }
        },
        dht: { type: 'object', required: ['tableSize'], properties: { tableSize: { type: 'integer' } } },
        clock: {
          type: 'object',
          required: ['neighbours'],
          properties: {
            neighbours: {
              type: 'array',
              items: {
                type: 'object',
                required: ['peerId', 'offsetMs'],
                properties: { peerId: { type: 'string' }, offsetMs: { type: 'integer' } }
              }
            }
          }
        },
        ownFeed: ownFeedSchema
      }
    },
    ...errorResponses
  }
} as const
