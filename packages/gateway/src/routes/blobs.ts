import type { FastifyInstance } from 'fastify'
import { MAX_BLOB_BYTES, parseBlobCid } from '@kiez/feed'
import { GatewayError } from '../errors.js'
import { errorResponses } from '../schema-parts.js'
import type { RouteContext } from './context.js'

const blobRoute = {
  params: {
    type: 'object',
    required: ['cid'],
    properties: { cid: { type: 'string', minLength: 1, maxLength: 100 } }
  },
  response: errorResponses
} as const

/** What a served image carries besides its type: never sniffed, never script, cached for good (its name is its hash). */
const BLOB_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'public, max-age=31536000, immutable',
  'content-security-policy': 'default-src \'none\''
} as const

/**
 * Images (issue #15 §1): GET /blobs/:cid serves a JPEG, PNG, WebP or AVIF (its type judged by its bytes,
 * fetched from the neighbours when the box lacks it); POST /blobs (paired, raw bytes ≤ 1 MiB) uploads one.
 * Registered in a scope of its own: only here is a body not JSON.
 */
export function registerBlobs (api: FastifyInstance, ctx: Pick<RouteContext, 'backend'>): void {
  const blobs = (): NonNullable<RouteContext['backend']['blobs']> => {
    const b = ctx.backend.blobs
    if (b === undefined) throw new GatewayError(404, 'not_found', 'this box keeps no images')
    return b
  }
  void api.register(async (scope) => {
    // any type: the bytes say what they are (the onRequest hook lets `raw` routes past its JSON check)
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BLOB_BYTES }, (_req, body, done) => {
      done(null, body)
    })
    scope.get<{ Params: { cid: string } }>('/blobs/:cid', { schema: blobRoute }, async (req, reply) => {
      const hash = parseBlobCid(req.params.cid)
      if (hash === undefined) {
        throw new GatewayError(400, 'invalid_id', 'that is not a blob id (a CIDv1, raw, sha2-256: bafkrei…)')
      }
      const { bytes, type } = await blobs().open(hash)
      return await reply.headers({ ...BLOB_HEADERS, 'content-type': type }).send(Buffer.from(bytes))
    })
    scope.post<{ Body: Buffer }>(
      '/blobs',
      { config: { rate: 'post', raw: true }, bodyLimit: MAX_BLOB_BYTES, schema: { response: errorResponses } },
      async (req, reply) => {
        if (!Buffer.isBuffer(req.body)) {
          throw new GatewayError(400, 'invalid_request', 'send the image\'s bytes as the body')
        }
        return await reply.status(201).send(await blobs().upload(new Uint8Array(req.body)))
      }
    )
  })
}
