/**
 * JSON schemas of the control API. Fastify validates requests against them
 * and serialises responses through them, so a field not listed here never
 * leaks out and a malformed request never reaches a handler.
 */

const entry = {
  type: 'object',
  required: ['id', 'author', 'seq', 'timestamp', 'type'],
  properties: {
    id: { type: 'string' },
    author: { type: 'string' },
    seq: { type: 'integer' },
    timestamp: { type: 'integer' },
    type: { type: 'string', enum: ['post', 'reply', 'profile'] },
    text: { type: 'string' },
    name: { type: 'string' },
    replyTo: { type: 'string' },
    previous: { type: 'string' }
  }
} as const

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

const errors = { '4xx': errorSchema, '5xx': errorSchema }

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
        counts: {
          type: 'object',
          required: ['peers', 'authors', 'entries'],
          properties: { peers: { type: 'integer' }, authors: { type: 'integer' }, entries: { type: 'integer' } }
        },
        store: {
          type: 'object',
          required: ['forks', 'duplicates', 'rejected'],
          properties: { forks: { type: 'integer' }, duplicates: { type: 'integer' }, rejected: { type: 'object', additionalProperties: { type: 'integer' } } }
        },
        version: { type: 'string' },
        dataDir: { type: 'string' },
        http: {
          type: 'object',
          required: ['address', 'serving'],
          properties: { address: { type: 'string' }, serving: { type: 'boolean' }, url: { type: 'string' } }
        }
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
            required: ['peerId', 'addrs', 'source', 'direction', 'connected'],
            properties: {
              peerId: { type: 'string' },
              addrs: { type: 'array', items: { type: 'string' } },
              source: { type: ['string', 'null'] },
              direction: { type: ['string', 'null'] },
              connected: { type: 'boolean' },
              latencyMs: { type: 'number' },
              lastSeenMs: { type: 'integer' },
              agentVersion: { type: 'string' }
            }
          }
        }
      }
    },
    ...errors
  }
} as const

export const postRoute = {
  body: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    properties: {
      // No maxLength: the store owns the content limit and answers content_too_large.
      text: { type: 'string', minLength: 1 },
      replyTo: { type: 'string', minLength: 1, maxLength: 100 }
    }
  },
  response: { 201: entry, ...errors }
} as const

export const feedRoute = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      before: { type: 'string', minLength: 1, maxLength: 100 }
    }
  },
  response: {
    200: {
      type: 'object',
      required: ['entries'],
      properties: { entries: { type: 'array', items: entry }, next: { type: 'string' } }
    },
    ...errors
  }
} as const

export const pingRoute = {
  body: {
    type: 'object',
    required: ['target'],
    additionalProperties: false,
    properties: {
      target: { type: 'string', minLength: 1, maxLength: 400 },
      count: { type: 'integer', minimum: 1, maximum: 20, default: 3 }
    }
  },
  response: {
    200: {
      type: 'object',
      required: ['target', 'count', 'rttsMs', 'lost'],
      properties: { target: { type: 'string' }, count: { type: 'integer' }, rttsMs: { type: 'array', items: { type: 'number' } }, lost: { type: 'integer' } }
    },
    ...errors
  }
} as const

export const dhtFindRoute = {
  params: { type: 'object', required: ['peerId'], properties: { peerId: { type: 'string', minLength: 1, maxLength: 200 } } },
  response: {
    200: {
      type: 'object',
      required: ['peerId', 'addrs', 'durationMs'],
      properties: { peerId: { type: 'string' }, addrs: { type: 'array', items: { type: 'string' } }, durationMs: { type: 'integer' } }
    },
    ...errors
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
            properties: { peerId: { type: 'string' }, commonPrefixLength: { type: 'integer' }, connected: { type: 'boolean' } }
          }
        }
      }
    },
    ...errors
  }
} as const

const countMap = { type: 'object', additionalProperties: { type: 'integer' } } as const

export const syncRoute = {
  response: {
    200: {
      type: 'object',
      required: ['available', 'peers', 'counters'],
      properties: {
        available: { type: 'boolean' },
        topic: { type: 'string' },
        protocol: { type: 'string' },
        peers: {
          type: 'array',
          items: {
            type: 'object',
            required: ['peerId', 'weLack', 'theyLack', 'syncing', 'authors'],
            properties: {
              peerId: { type: 'string' },
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
                    diverged: { type: 'boolean' }
                  }
                }
              }
            }
          }
        },
        counters: { type: 'object', additionalProperties: { anyOf: [{ type: 'number' }, countMap] } }
      }
    },
    ...errors
  }
} as const

export const pairRoute = {
  response: {
    200: { type: 'object', required: ['code', 'expiresInMs'], properties: { code: { type: 'string' }, expiresInMs: { type: 'integer' }, url: { type: 'string' } } },
    ...errors
  }
} as const

export const revokeRoute = {
  response: { 200: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } }, ...errors }
} as const

export const topologyRoute = {
  response: {
    200: {
      type: 'object',
      required: ['self', 'boxes', 'links', 'failures', 'truncated', 'durationMs'],
      properties: {
        self: { type: 'string' },
        boxes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['peerId', 'hops', 'reported'],
            properties: { peerId: { type: 'string' }, self: { type: 'boolean' }, hops: { type: 'integer' }, reported: { type: 'boolean' }, clockOffsetMs: { type: 'integer' } }
          }
        },
        links: {
          type: 'array',
          items: {
            type: 'object',
            required: ['a', 'b', 'reportedBy', 'oneSided'],
            properties: { a: { type: 'string' }, b: { type: 'string' }, latencyMs: { type: 'number' }, reportedBy: { type: 'array', items: { type: 'string' } }, oneSided: { type: 'boolean' } }
          }
        },
        failures: {
          type: 'array',
          items: { type: 'object', required: ['peerId', 'code'], properties: { peerId: { type: 'string' }, code: { type: 'string' } } }
        },
        truncated: { type: 'boolean' },
        durationMs: { type: 'integer' }
      }
    },
    ...errors
  }
} as const

export const whyRoute = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 128 } } },
  querystring: { type: 'object', additionalProperties: false, properties: { author: { type: 'string', maxLength: 128 }, seq: { type: 'integer', minimum: 1 } } },
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
          items: { type: 'object', required: ['peerId', 'code', 'via', 'agoMs'], properties: { peerId: { type: 'string' }, code: { type: 'string' }, via: { type: 'string', enum: ['gossip', 'sync'] }, agoMs: { type: 'integer' } } }
        },
        holders: {
          type: 'array',
          items: { type: 'object', required: ['peerId', 'theirSeq'], properties: { peerId: { type: 'string' }, theirSeq: { type: 'integer' } } }
        }
      }
    },
    ...errors
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
        http: { type: 'object', required: ['address', 'serving'], properties: { address: { type: 'string' }, serving: { type: 'boolean' }, url: { type: 'string' } } },
        uptimeMs: { type: 'integer' },
        peers: { type: 'object', required: ['connected', 'known'], properties: { connected: { type: 'integer' }, known: { type: 'integer' }, lastSeenMs: { type: 'integer' } } },
        mdns: {
          type: 'object',
          required: ['enabled'],
          properties: {
            enabled: { type: 'boolean' },
            links: { type: 'array', items: { type: 'object', required: ['interface', 'localAddress', 'ready'], properties: { interface: { type: 'string' }, localAddress: { type: 'string' }, ready: { type: 'boolean' } } } },
            peersFound: { type: 'integer' },
            queriesSent: { type: 'integer' },
            responsesReceived: { type: 'integer' }
          }
        },
        dht: { type: 'object', required: ['tableSize'], properties: { tableSize: { type: 'integer' } } },
        clock: {
          type: 'object',
          required: ['neighbours'],
          properties: { neighbours: { type: 'array', items: { type: 'object', required: ['peerId', 'offsetMs'], properties: { peerId: { type: 'string' }, offsetMs: { type: 'integer' } } } } }
        }
      }
    },
    ...errors
  }
} as const
