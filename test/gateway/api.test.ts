import { createPublicKey, verify } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entryId, PublicKeyCache, readEntry, sha256, signedBytes, verifyEntrySignature } from '@kiez/feed'
import { Boxes, call, pair, sameOrigin, type Box } from './helpers.ts'

const CSP =
  'default-src \'none\'; script-src \'self\'; style-src \'self\'; img-src \'self\' data:; connect-src \'self\'; manifest-src \'self\'; base-uri \'none\'; frame-ancestors \'none\''

function expectSecurityHeaders (r: { headers: Record<string, unknown> }, what: string): void {
  expect(r.headers['content-security-policy'], what).toBe(CSP)
  expect(r.headers['x-content-type-options'], what).toBe('nosniff')
  expect(r.headers['referrer-policy'], what).toBe('no-referrer')
}

function expectError (
  r: { status: number, json: any, text: string, headers: Record<string, unknown> },
  status: number,
  code: string
): void {
  expect(r.status, r.text).toBe(status)
  expect(r.json, r.text).toEqual({ error: { code, message: expect.any(String) } })
  expect(r.text).not.toMatch(/\bat .*\.(js|ts):\d+/) // never a stack trace
  expectSecurityHeaders(r, `${status} ${code}`)
}

describe('HTTP gateway of a real daemon', () => {
  const boxes = new Boxes()
  let box: Box
  let cookie: string

  beforeAll(async () => {
    box = await boxes.start()
    cookie = await pair(box)
  })
  afterAll(async () => {
    await boxes.close()
  })

  const post = async (text: string, extra: Record<string, unknown> = {}) =>
    await call(box, '/api/v1/posts', { method: 'POST', headers: sameOrigin(box, cookie), body: { text, ...extra } })

  it('GET /status and /peers describe the box', async () => {
    const s = await call(box, '/api/v1/status')
    expect(s.status).toBe(200)
    expect(s.json).toMatchObject({
      peerId: expect.stringMatching(/^12D3KooW/),
      mesh: 'kiez',
      counts: { peers: 0 },
      paired: false
    })
    expect(s.json.dataDir).toBeUndefined() // paths stay on the box
    expectSecurityHeaders(s, 'status')
    expect((await call(box, '/api/v1/status', { headers: { cookie } })).json.paired).toBe(true)
    const p = await call(box, '/api/v1/peers')
    expect(p.status).toBe(200)
    expect(p.json).toEqual({ peers: [] })
  })

  it('POST /posts signs a post (201) and GET /entries/:id returns bytes that verify with node:crypto alone', async () => {
    const r = await post('hello from the web')
    expect(r.status, r.text).toBe(201)
    expect(r.json).toMatchObject({
      id: expect.stringMatching(/^bafyrei/),
      type: 'post',
      text: 'hello from the web',
      author: expect.stringMatching(/^12D3KooW/),
      authorKey: expect.stringMatching(/^[0-9a-f]{64}$/)
    })
    // our own base58 peer id of the key equals libp2p's name for the box
    expect(r.json.author).toBe((await call(box, '/api/v1/status')).json.peerId)
    const reply = await post('a reply', { replyTo: r.json.id })
    expect(reply.json).toMatchObject({ type: 'reply', replyTo: r.json.id, previous: r.json.id })

    const e = await call(box, `/api/v1/entries/${r.json.id}`)
    expect(e.status).toBe(200)
    const signed = Buffer.from(e.json.signedBytes, 'base64')
    expect(signed.subarray(0, 13).toString('latin1')).toBe('kiez/entry/2\0')
    const pub = Buffer.from(e.json.publicKey, 'base64')
    expect(pub.toString('hex')).toBe(e.json.authorKey)
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]),
      format: 'der',
      type: 'spki'
    })
    expect(verify(null, signed, key, Buffer.from(e.json.signature, 'base64'))).toBe(true)
    // a flipped byte does not verify: the check above is not vacuous
    signed[signed.length - 1] = (signed[signed.length - 1] as number) ^ 1
    expect(verify(null, signed, key, Buffer.from(e.json.signature, 'base64'))).toBe(false)
    expect(Buffer.from(e.json.bytes, 'base64').byteLength).toBeGreaterThan(signed.byteLength)

    expectError(
      await call(box, '/api/v1/entries/bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'),
      404,
      'entry_not_found'
    )
    // a malformed id is the client's mistake, not a missing entry
    expectError(await call(box, '/api/v1/entries/not-an-id'), 400, 'invalid_id')
    expectError(await call(box, '/api/v1/entries/notacid'), 400, 'invalid_id')
  })

  it('GET /feed?raw=1 carries what verifies a whole page from the raw bytes alone; without raw=1 the page is unchanged', async () => {
    await post('raw one')
    await post('raw two')
    const plain = await call(box, '/api/v1/feed?limit=50')
    expect(plain.json.entries.length).toBeGreaterThan(1)
    for (const e of plain.json.entries) expect(e.signedBytes).toBeUndefined()
    const page = await call(box, '/api/v1/feed?limit=50&raw=1')
    expect(page.status, page.text).toBe(200)
    expect(page.json.entries.map((e: any) => e.id)).toEqual(plain.json.entries.map((e: any) => e.id))
    const keys = new PublicKeyCache()
    for (const e of page.json.entries) {
      const bytes = new Uint8Array(Buffer.from(e.bytes, 'base64'))
      const read = readEntry(bytes)
      expect(read.ok, e.id).toBe(true)
      if (!read.ok) continue
      expect(entryId(sha256(bytes))).toBe(e.id)
      expect(Buffer.from(signedBytes(read.value.header)).toString('base64')).toBe(e.signedBytes)
      expect(verifyEntrySignature(keys, read.value)).toBe(true)
      expect(Buffer.from(read.value.author).toString('hex')).toBe(e.authorKey)
      // the same fields, field names and encoding as GET /entries/:id
      const one = await call(box, `/api/v1/entries/${e.id}`)
      expect(e).toEqual(one.json)
    }
  })

  it('POST /profile names the author in the feed', async () => {
    const r = await call(box, '/api/v1/profile', {
      method: 'POST',
      headers: sameOrigin(box, cookie),
      body: { name: 'Bäckerei Hof 3' }
    })
    expect(r.status, r.text).toBe(201)
    expect(r.json).toMatchObject({ type: 'profile', name: 'Bäckerei Hof 3', authorName: 'Bäckerei Hof 3' })
    expect((await call(box, '/api/v1/status')).json.authorName).toBe('Bäckerei Hof 3')
    const f = await call(box, '/api/v1/feed?limit=50')
    expect(f.json.entries.length).toBeGreaterThan(0)
    for (const e of f.json.entries) expect(e.authorName).toBe('Bäckerei Hof 3')
  })

  it('GET /feed pages newest first with a cursor, without gaps or repeats', async () => {
    const texts: string[] = []
    for (let i = 0; i < 7; i++) {
      const t = `paging ${i}`
      texts.push(t)
      expect((await post(t)).status).toBe(201)
    }
    const all = await call(box, '/api/v1/feed?limit=200')
    const seen: string[] = []
    let before: string | undefined
    for (let pages = 0; pages < 50; pages++) {
      const r = await call(
        box,
        `/api/v1/feed?limit=3${before !== undefined ? `&before=${encodeURIComponent(before)}` : ''}`
      )
      expect(r.status).toBe(200)
      expect(r.json.entries.length).toBeLessThanOrEqual(3)
      seen.push(...r.json.entries.map((e: any) => e.id))
      before = r.json.next
      if (before === undefined) break
    }
    expect(seen).toEqual(all.json.entries.map((e: any) => e.id))
    expect(new Set(seen).size).toBe(seen.length)
    const newest = all.json.entries.slice(0, 7).map((e: any) => e.text)
    expect(newest).toEqual([...texts].reverse())
    expectError(await call(box, '/api/v1/feed?limit=0'), 400, 'invalid_request')
    expectError(await call(box, '/api/v1/feed?limit=lots'), 400, 'invalid_request')
    expectError(await call(box, '/api/v1/feed?before=bm90LWEtY3Vyc29y'), 400, 'bad_cursor')
    expectError(await call(box, '/api/v1/feed?colour=red'), 400, 'invalid_request')
  })

  it('stores and returns XSS payloads verbatim, as JSON strings', async () => {
    const payloads = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(document.cookie)</script>',
      '[click](javascript:alert(1)) <a href="javascript:alert(1)">x</a>',
      '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
      '"}]}<!-- \u2028\u2029 \\"; </script><script>alert(3)</script>'
    ]
    for (const text of payloads) {
      const r = await post(text)
      expect(r.status).toBe(201)
      expect(r.headers['content-type']).toMatch(/^application\/json/)
      expect(r.json.text).toBe(text)
      const e = await call(box, `/api/v1/entries/${r.json.id}`)
      expect(e.json.text).toBe(text)
    }
    const f = await call(box, `/api/v1/feed?limit=${payloads.length}`)
    expect(f.json.entries.map((e: any) => e.text)).toEqual([...payloads].reverse())
  })

  it('answers errors as JSON with a fitting status: 404, 400, 413, 415, 421, 403, 401', async () => {
    expectError(await call(box, '/api/v1/nope'), 404, 'not_found')
    expectError(await call(box, '/nope.html'), 404, 'not_found')
    expectError(await post(''), 400, 'invalid_request')
    expectError(
      await call(box, '/api/v1/posts', { method: 'POST', headers: sameOrigin(box, cookie), body: { text: 5 } }),
      400,
      'invalid_request'
    )
    expectError(
      await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: sameOrigin(box, cookie),
        body: { text: 'x', admin: true }
      }),
      400,
      'invalid_request'
    )
    expectError(
      await call(box, '/api/v1/posts', { method: 'POST', headers: sameOrigin(box, cookie), body: '{"text": ' }),
      400,
      'invalid_json'
    )
    expectError(await post('x', { replyTo: 'not-an-id' }), 400, 'invalid_reply_to')
    expectError(await post('x'.repeat(9000)), 400, 'content_too_large')
    expectError(await post('x'.repeat(70 * 1024)), 413, 'body_too_large')
    expectError(
      await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: { ...sameOrigin(box, cookie), 'content-type': 'text/plain' },
        body: '{"text":"hi"}'
      }),
      415,
      'unsupported_media_type'
    )
    expectError(
      await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: { ...sameOrigin(box, cookie), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'text=hi'
      }),
      415,
      'unsupported_media_type'
    )
    expectError(await call(box, '/api/v1/status', { host: 'evil.example' }), 421, 'misdirected_request')
    expectError(
      await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: { origin: 'http://evil.example', cookie },
        body: { text: 'csrf' }
      }),
      403,
      'cross_origin'
    )
    expectError(
      await call(box, '/api/v1/posts', { method: 'POST', headers: { origin: 'null', cookie }, body: { text: 'csrf' } }),
      403,
      'cross_origin'
    )
    expectError(
      await call(box, '/api/v1/posts', { method: 'POST', headers: { cookie }, body: { text: 'no origin at all' } }),
      403,
      'cross_origin'
    )
    expectError(
      await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: { 'sec-fetch-site': 'cross-site', cookie },
        body: { text: 'csrf' }
      }),
      403,
      'cross_origin'
    )
    expectError(
      await call(box, '/api/v1/posts', { method: 'POST', headers: sameOrigin(box), body: { text: 'no cookie' } }),
      401,
      'unauthorized'
    )
    expectError(
      await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: sameOrigin(box, 'kiez_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
        body: { text: 'forged cookie' }
      }),
      401,
      'unauthorized'
    )
    expectError(
      await call(box, '/api/v1/profile', { method: 'POST', headers: sameOrigin(box), body: { name: 'x' } }),
      401,
      'unauthorized'
    )
    // the browser's own same-origin marker is enough without Origin
    const ok = await call(box, '/api/v1/posts', {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin', cookie },
      body: { text: 'same-origin fetch' }
    })
    expect(ok.status, ok.text).toBe(201)
    // refused writes never reached the store
    const f = await call(box, '/api/v1/feed?limit=200')
    expect(f.json.entries.map((e: any) => e.text)).not.toContain('csrf')
    expect(f.json.entries.map((e: any) => e.text)).not.toContain('no cookie')
  })

  it('answers requests that are not valid HTTP or carry a malformed URL in the same JSON shape', async () => {
    const { connect } = await import('node:net')
    const port = Number(new URL(box.base).port)
    const raw = async (bytes: string): Promise<string> =>
      await new Promise((resolve) => {
        let out = ''
        const s = connect(port, '127.0.0.1', () => {
          s.end(bytes)
        })
        s.on('data', (c) => {
          out += String(c)
        })
        s.on('close', () => {
          resolve(out)
        })
      })
    for (
      const [bytes, status] of [
        [`GET /%E0%A4%A HTTP/1.1\r\nHost: ${box.host}\r\nConnection: close\r\n\r\n`, 400],
        ['GARBAGE\r\n\r\n', 400],
        [`GET / HTTP/1.1\r\nHost: ${box.host}\r\nContent-Length: abc\r\n\r\n`, 400],
        [`GET / HTTP/1.1\r\nHost: ${box.host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431]
      ] as const
    ) {
      const out = await raw(bytes)
      expect(out, bytes.slice(0, 40)).toMatch(new RegExp(`^HTTP/1.1 ${status} `))
      const [head, body] = out.split('\r\n\r\n') as [string, string]
      expect(head.toLowerCase()).toContain(`content-security-policy: ${CSP}`.toLowerCase())
      expect(head.toLowerCase()).toContain('x-content-type-options: nosniff')
      expect(JSON.parse(body)).toEqual({
        error: { code: expect.stringMatching(/^(invalid_request|headers_too_large)$/), message: expect.any(String) }
      })
    }
  })

  it('refuses a foreign Host on every route (421 before routing), with or without a port', async () => {
    const routes = (box.daemon as any).gateway.routes() as Array<{ method: string, url: string }>
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/status',
        'GET /api/v1/peers',
        'GET /api/v1/feed',
        'GET /api/v1/search',
        'GET /api/v1/entries/:id',
        'POST /api/v1/posts',
        'DELETE /api/v1/entries/:id',
        'PUT /api/v1/entries/:id',
        'POST /api/v1/profile',
        'POST /api/v1/pair',
        'GET /api/v1/events',
        'GET /metrics'
      ])
    )
    expect(routes.some((r) => r.url === '/' || r.url === '/*')).toBe(true)
    for (const r of routes) {
      const path = r.url.replace(':id', 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy').replace(
        '*',
        'index.html'
      )
      for (
        const host of [
          'evil.example',
          `evil.example:${new URL(box.base).port}`,
          '198.18.99.99',
          'localhost.evil.example'
        ]
      ) {
        const res = await call(box, path, {
          method: r.method,
          host,
          headers: sameOrigin(box, cookie),
          ...(r.method === 'POST' ? { body: { text: 'rebound', name: 'x', code: 'AAAAAAAA' } } : {})
        })
        expectError(res, 421, 'misdirected_request')
      }
    }
    // the box's own names pass
    for (
      const host of ['localhost', `localhost:${new URL(box.base).port}`, box.host, `[::1]:${new URL(box.base).port}`]
    ) {
      expect((await call(box, '/api/v1/status', { host })).status, host).toBe(200)
    }
    const f = await call(box, '/api/v1/feed?limit=200')
    expect(f.json.entries.map((e: any) => e.text)).not.toContain('rebound')
  })

  it('serves a page at / with the security headers', async () => {
    const r = await call(box, '/')
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toMatch(/^text\/html/)
    expectSecurityHeaders(r, '/')
  })
})

describe('static web feed files', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('serves index.html, hashed assets (immutable) and correct content types', async () => {
    const web = join(await boxes.dir(), 'web')
    await mkdir(join(web, 'assets'), { recursive: true })
    await writeFile(
      join(web, 'index.html'),
      '<!doctype html><title>feed</title><script src="/assets/app-3f9a1c2b.js"></script>'
    )
    await writeFile(join(web, 'assets', 'app-3f9a1c2b.js'), 'console.log(1)')
    await writeFile(join(web, 'assets', 'app-3f9a1c2b.css'), 'body{}')
    await writeFile(join(web, '.secret'), 'no')
    const box = await boxes.start({ webRoot: web })
    const index = await call(box, '/')
    expect(index.status).toBe(200)
    expect(index.text).toContain('<title>feed</title>')
    expect(index.headers['content-type']).toMatch(/^text\/html/)
    expect(index.headers['cache-control']).toBe('no-cache')
    expectSecurityHeaders(index, 'index')
    const js = await call(box, '/assets/app-3f9a1c2b.js')
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript/)
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expectSecurityHeaders(js, 'js')
    expect((await call(box, '/assets/app-3f9a1c2b.css')).headers['content-type']).toMatch(/^text\/css/)
    expect((await call(box, '/.secret')).status).not.toBe(200)
    expectError(await call(box, '/assets/missing-00000000.js'), 404, 'not_found')
    for (const path of ['/../../etc/passwd', '/assets/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      const r = await call(box, path)
      expect([403, 404], path).toContain(r.status)
      expect(r.text).not.toContain('root:')
      expectSecurityHeaders(r, path)
    }
  })

  it('says the web feed is not built when there is no build', async () => {
    const box = await boxes.start({ webRoot: join(await boxes.dir(), 'nothing-here') })
    const r = await call(box, '/')
    expect(r.status).toBe(200)
    expect(r.text).toContain('not built')
    expectSecurityHeaders(r, 'fallback')
  })
})

describe('every route schema of a box', () => {
  it('compiles: a box with KIEZ_EAGER_SCHEMAS=1 (every control and gateway route compiled at the start) starts and answers', async () => {
    // the routes compile on their first call (@kiez/gateway/compilers), so a broken schema would otherwise
    // show only when its route is first called
    const boxes = new Boxes()
    process.env.KIEZ_EAGER_SCHEMAS = '1'
    try {
      const box = await boxes.start()
      expect((await call(box, '/api/v1/status')).status).toBe(200)
    } finally {
      delete process.env.KIEZ_EAGER_SCHEMAS
      await boxes.close()
    }
  })
})
