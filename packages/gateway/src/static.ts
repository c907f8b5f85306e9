import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** A file name with a content hash (`app-3f9a1c2b.js`, `assets/…`) never changes: browsers may keep it for a year. */
export function isHashedAsset (path: string): boolean {
  return /[/\\]assets[/\\]/.test(path) ||
    /[.-][A-Za-z0-9_]{8,}\.(?:js|mjs|css|woff2?|png|svg|jpg|webp|ico|map)$/.test(path)
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kiez</title></head>
<body><h1>Kiez</h1><p>This box runs, but the web feed is not built. Build it with <code>npm run build</code> in the Kiez checkout and reload.</p>
<p>The API is at <a href="/api/v1/status">/api/v1/status</a>.</p></body></html>
`

/** Serves the built web feed at `/`, or a plain page saying it is not built. */
export async function registerStatic (app: FastifyInstance, webRoot: string | undefined): Promise<{ served: boolean }> {
  if (webRoot !== undefined && existsSync(join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      // our own Cache-Control below: hashed assets are immutable, the rest revalidates
      cacheControl: false,
      dotfiles: 'deny',
      setHeaders: (res, path) => {
        res.setHeader('cache-control', isHashedAsset(path) ? 'public, max-age=31536000, immutable' : 'no-cache')
      }
    })
    return { served: true }
  }
  app.get(
    '/',
    async (_req, reply) =>
      await reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT)
  )
  return { served: false }
}
