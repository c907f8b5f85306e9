import { stat, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Boxes, call, sameOrigin } from './helpers.ts'

describe('pairing and sessions', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('a code pairs once; the cookie is HttpOnly, SameSite=Strict, survives a restart and can be revoked', async () => {
    let box = await boxes.start()
    const { code, expiresInMs } = await box.daemon.pair()
    expect(code).toMatch(/^[ACDEFGHJKMNPQRTUVWXY34679]{8}$/)
    expect(expiresInMs).toBeGreaterThan(9 * 60_000)
    expect(expiresInMs).toBeLessThanOrEqual(10 * 60_000)

    // pairing is state-changing too: JSON from our own origin only
    expect(
      (await call(box, '/api/v1/pair', { method: 'POST', headers: { origin: 'http://evil.example' }, body: { code } }))
        .status
    ).toBe(403)
    expect(
      (await call(box, '/api/v1/pair', {
        method: 'POST',
        headers: { ...sameOrigin(box), 'content-type': 'text/plain' },
        body: JSON.stringify({ code })
      })).status
    ).toBe(415)

    const ok = await call(box, '/api/v1/pair', {
      method: 'POST',
      headers: sameOrigin(box),
      body: { code: `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}` }
    })
    expect(ok.status, ok.text).toBe(201)
    const setCookie = [ok.headers['set-cookie']].flat()[0] as string
    expect(setCookie).toMatch(/^kiez_session=[A-Za-z0-9_-]{43}; /)
    for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/']) expect(setCookie.split('; ')).toContain(attr)
    const cookie = setCookie.split(';')[0] as string
    // a fresh box with member support: paired, no members yet, so the page asks for the first one's name
    expect((await call(box, '/api/v1/session', { headers: { cookie } })).json).toEqual({
      paired: true,
      members: [],
      firstMember: true
    })

    const again = await call(box, '/api/v1/pair', { method: 'POST', headers: sameOrigin(box), body: { code } })
    expect(again.status).toBe(403)
    expect(again.json.error.code).toBe('bad_pairing_code')

    // only the token's hash is on disk, in a file only the owner reads
    const file = join(box.dataDir, 'http-sessions.json')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const text = await readFile(file, 'utf8')
    expect(text).not.toContain(cookie.split('=')[1] as string)
    expect(JSON.parse(text).sessions).toHaveLength(1)

    await boxes.stop(box)
    box = await boxes.start({ dataDir: box.dataDir })
    const post = await call(box, '/api/v1/posts', {
      method: 'POST',
      headers: sameOrigin(box, cookie),
      body: { text: 'still paired after a restart' }
    })
    expect(post.status, post.text).toBe(201)

    expect(await box.daemon.revokeSessions()).toEqual({ revoked: 1 })
    expect(
      (await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: sameOrigin(box, cookie),
        body: { text: 'revoked' }
      })).status
    ).toBe(401)
  })

  it('wrong codes are refused and lock the address out after 5, even for the right code', async () => {
    const box = await boxes.start()
    const { code } = await box.daemon.pair()
    for (let i = 0; i < 5; i++) {
      const r = await call(box, '/api/v1/pair', {
        method: 'POST',
        headers: sameOrigin(box),
        body: { code: 'WRONGONE' }
      })
      expect(r.status).toBe(403)
      expect(r.json.error.code).toBe('bad_pairing_code')
    }
    const locked = await call(box, '/api/v1/pair', { method: 'POST', headers: sameOrigin(box), body: { code } })
    expect(locked.status).toBe(429)
    expect(locked.json.error.code).toBe('locked_out')
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60)
    expect(
      (await call(box, '/api/v1/session', { headers: { cookie: String(locked.headers['set-cookie'] ?? '') } })).json
        .paired
    ).toBe(false)
  })

  it('a global cap locks pairing for everyone after too many wrong codes', async () => {
    const box = await boxes.start({
      http: { pairLockout: { perKey: 100, total: 3, windowMs: 60_000 }, pairRate: { capacity: 100, refillPerSec: 10 } }
    })
    for (let i = 0; i < 3; i++) {
      expect(
        (await call(box, '/api/v1/pair', { method: 'POST', headers: sameOrigin(box), body: { code: `WRONG${i}` } }))
          .status
      ).toBe(403)
    }
    const { code } = await box.daemon.pair()
    expect(
      (await call(box, '/api/v1/pair', { method: 'POST', headers: sameOrigin(box), body: { code } })).json.error.code
    ).toBe('locked_out')
  })

  it('rate-limits posting per address (429 with Retry-After)', async () => {
    const box = await boxes.start({ http: { postRate: { capacity: 3, refillPerSec: 0.01 } } })
    const { code } = await box.daemon.pair()
    const p = await call(box, '/api/v1/pair', { method: 'POST', headers: sameOrigin(box), body: { code } })
    const cookie = ([p.headers['set-cookie']].flat()[0] as string).split(';')[0] as string
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await call(box, '/api/v1/posts', {
          method: 'POST',
          headers: sameOrigin(box, cookie),
          body: { text: `burst ${i}` }
        })).status
      )
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429])
    const r = await call(box, '/api/v1/posts', {
      method: 'POST',
      headers: sameOrigin(box, cookie),
      body: { text: 'more' }
    })
    expect(r.json.error.code).toBe('rate_limited')
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('one address cannot hold every event stream', async () => {
    const { openSse } = await import('./helpers.ts')
    const box = await boxes.start({ http: { maxEventClients: 10, maxEventClientsPerIp: 2 } })
    const open = [openSse(box), openSse(box)]
    await Promise.all(open.map(async (s) => {
      await s.opened
    }))
    expect(open.map((s) => s.status)).toEqual([200, 200])
    const third = await call(box, '/api/v1/events')
    expect(third.status).toBe(503)
    expect(third.json.error.code).toBe('too_many_streams')
    open[0]!.close()
    let ok = false
    for (let i = 0; i < 50 && !ok; i++) {
      const s = openSse(box)
      await s.opened
      ok = s.status === 200
      s.close()
      if (!ok) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(ok).toBe(true)
  })

  it('a daemon with open event streams stops promptly and ends them', async () => {
    const { openSse } = await import('./helpers.ts')
    const box = await boxes.start()
    const s = openSse(box)
    await s.opened
    expect(s.status).toBe(200)
    await boxes.stop(box) // the suite's timeout is the bound: a hang fails it
    for (let i = 0; i < 100 && !s.ended; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(s.ended).toBe(true)
  })

  it('a taken HTTP port stops the start with address_in_use, and leaves nothing running', async () => {
    const a = await boxes.start()
    const dir = await boxes.dir()
    const { createLogger, createMeshNode, Daemon, DEFAULT_CONFIG } = await import('@kiez/daemon')
    const d = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, {
      config: {
        ...DEFAULT_CONFIG,
        dataDir: join(dir, 'clash'),
        http: a.host,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: false,
        logLevel: 'silent'
      }
    })
    await expect(d.start()).rejects.toMatchObject({
      code: 'address_in_use',
      message: expect.stringContaining('--http')
    })
    // the store's lock was released: the same data dir starts with another port
    const again = await boxes.start({ dataDir: join(dir, 'clash') })
    expect((await call(again, '/api/v1/status')).status).toBe(200)
  })

  it('refuses a daemon without a gateway a pairing code', async () => {
    const dir = await boxes.dir()
    const { createLogger, createMeshNode, Daemon, DEFAULT_CONFIG } = await import('@kiez/daemon')
    const d = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, {
      config: {
        ...DEFAULT_CONFIG,
        dataDir: join(dir, 'nohttp'),
        http: false,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: false,
        logLevel: 'silent'
      }
    })
    await d.start()
    try {
      expect(d.httpUrl).toBeUndefined()
      await expect(d.pair()).rejects.toMatchObject({ code: 'http_disabled', status: 409 })
      expect((await d.status()).http).toEqual({ address: 'off', serving: false })
    } finally {
      await d.stop()
    }
  })
})
