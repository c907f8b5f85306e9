import { createServer, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { EventStream } from './events.js'
import { FailureWindow, RateLimiter } from './limits.js'
import { CODE_ALPHABET, MAX_SESSION_MEMBERS, PairingCodes, SessionStore, sessionCookie } from './pairing.js'
import { HostCheck, hostOf, isJson } from './security.js'
import { isHashedAsset } from './static.js'
import { peerIdOf } from './entry-json.js'

/** A real HTTP server whose only route hands the response to `stream`; returns the collected text per client. */
async function withServer (
  stream: EventStream,
  fn: (
    open: (lastEventId?: string, read?: boolean) => Promise<{ text: () => string, close: () => void }>
  ) => Promise<void>
): Promise<void> {
  const server = createServer((req, res) => {
    stream.add(res as ServerResponse, req.headers['last-event-id'] as string | undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const open = async (lastEventId?: string, read = true): Promise<{ text: () => string, close: () => void }> =>
    await new Promise((resolve) => {
      let text = ''
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/',
        headers: lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}
      }, (res) => {
        if (read) {
          res.setEncoding('utf8').on('data', (c: string) => {
            text += c
          })
        } else res.pause()
        resolve({
          text: () => text,
          close: () => {
            req.destroy()
          }
        })
      })
      req.end()
    })
  try {
    await fn(open)
  } finally {
    stream.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

/** Local servers answer within milliseconds: poll often, give up after two seconds. */
const SOON = { timeoutMs: 2000, intervalMs: 10 }

describe('EventStream', () => {
  it('replays from a Last-Event-ID still in the ring, and sends a reset for one that left it', async () => {
    const s = new EventStream({ replayEvents: 3 })
    for (let i = 1; i <= 5; i++) s.publish('entry', () => ({ i }))
    await withServer(s, async (open) => {
      const ok = await open(`${s.epoch}-3`)
      await eventually(() => ok.text().includes('"i":5'), { what: 'the replay up to i 5', ...SOON })
      expect(ok.text()).not.toContain('"i":3')
      expect(ok.text()).toContain(`id: ${s.epoch}-4\nevent: entry\ndata: {"i":4}\n\n`)
      const old = await open(`${s.epoch}-1`) // 2 has left the ring: a gap we must not hide
      await eventually(() => old.text().includes('event: reset'), {
        what: 'a reset for an id that left the ring',
        ...SOON
      })
      expect(old.text()).toContain(`id: ${s.epoch}-5\nevent: reset\ndata: {"reason":"too_old"}`)
      expect(old.text()).not.toContain('"i":')
      const bad = await open('../../etc')
      await eventually(() => bad.text().includes('event: reset'), { what: 'a reset for a malformed id', ...SOON })
      expect(bad.text()).toContain('"reason":"bad_id"')
      const future = await open(`${s.epoch}-99`)
      await eventually(() => future.text().includes('event: reset'), {
        what: 'a reset for an id from the future',
        ...SOON
      })
    })
  })

  it('builds an event text only when someone receives it', async () => {
    const s = new EventStream()
    let built = 0
    s.publish('entry', () => {
      built++
      return {}
    })
    expect(built).toBe(0)
    await withServer(s, async (open) => {
      const c = await open(`${s.epoch}-0`)
      await eventually(() => c.text().includes('event: entry'), { what: 'the entry event', ...SOON })
      expect(built).toBe(1)
    })
  })

  it('cuts a client that stops reading once its backlog passes the bound, and keeps the others', async () => {
    const s = new EventStream({ maxBufferedBytes: 64 * 1024 })
    await withServer(s, async (open) => {
      const stalled = await open(undefined, false)
      const reader = await open()
      await eventually(() => s.size === 2, { what: 'two clients', ...SOON })
      const big = 'x'.repeat(16 * 1024)
      for (let i = 0; i < 400 && s.dropped === 0; i++) {
        s.publish('entry', () => ({ big }))
        await new Promise((resolve) => setImmediate(resolve))
      }
      expect(s.dropped).toBe(1)
      expect(s.size).toBe(1)
      s.publish('entry', () => ({ last: true }))
      await eventually(() => reader.text().includes('"last":true'), { what: 'the last event at the reader', ...SOON })
      stalled.close()
    })
  })

  it('is full at its client bound', async () => {
    const s = new EventStream({ maxClients: 2 })
    await withServer(s, async (open) => {
      await open()
      await open()
      await eventually(() => s.full(), { what: 'the stream full', ...SOON })
    })
  })
})

describe('limits', () => {
  it('a token bucket allows its burst, then one per refill interval', () => {
    let now = 0
    const r = new RateLimiter({ capacity: 2, refillPerSec: 1, now: () => now })
    expect([r.take('a'), r.take('a'), r.take('a')]).toEqual([0, 0, 1])
    expect(r.take('b')).toBe(0) // per key
    now += 1000
    expect(r.take('a')).toBe(0)
  })

  it('locks a key out after N failures in the window, and everyone after the global cap', () => {
    let now = 0
    const w = new FailureWindow({ perKey: 2, total: 3, windowMs: 60_000, now: () => now })
    w.fail('a')
    expect(w.lockedFor('a')).toBe(0)
    w.fail('a')
    expect(w.lockedFor('a')).toBe(60)
    expect(w.lockedFor('b')).toBe(0)
    w.fail('b')
    expect(w.lockedFor('c')).toBe(60)
    now += 60_001
    expect(w.lockedFor('a')).toBe(0)
  })
})

describe('pairing codes', () => {
  it('are 8 unambiguous characters, single use, and expire', () => {
    let now = 0
    const p = new PairingCodes({ ttlMs: 1000, now: () => now })
    const { code } = p.create()
    expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{8}$`))
    expect(CODE_ALPHABET).not.toMatch(/[0O1IL2Z5S8B]/)
    expect(p.redeem('nope')).toBe(false)
    expect(p.redeem(code.toLowerCase().slice(0, 4) + ' - ' + code.slice(4))).toBe(true)
    expect(p.redeem(code)).toBe(false)
    const late = p.create().code
    now += 1001
    expect(p.redeem(late)).toBe(false)
  })

  it('a corrupt sessions file means no sessions, not a failed start; sessions persist as hashes', async () => {
    const { mkdtemp, writeFile, readFile, rm } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = await mkdtemp(join(tmpdir(), 'kiez-sessions-'))
    try {
      const path = join(dir, 'http-sessions.json')
      await writeFile(path, '{not json')
      const broken = new SessionStore({ path })
      expect(await broken.load()).toEqual({ ok: false, reason: 'not JSON' })
      const token = await broken.create()
      expect(await readFile(path, 'utf8')).not.toContain(token)
      const again = new SessionStore({ path })
      expect(await again.load()).toEqual({ ok: true })
      expect(again.valid(token)).toBe(true)
      expect(again.valid(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('a sessions file from before members loads, and the ids it gets then stay across restarts', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const { createHash } = await import('node:crypto')
    const dir = await mkdtemp(join(tmpdir(), 'kiez-sessions-'))
    try {
      const path = join(dir, 'http-sessions.json')
      const token = 'A'.repeat(43)
      const hash = createHash('sha256').update(token).digest('hex')
      await writeFile(path, JSON.stringify({ sessions: [{ hash, createdAt: 5 }, { hash: 'nope', createdAt: 1 }] }))
      const old = new SessionStore({ path })
      expect(await old.load()).toEqual({ ok: true })
      const [s] = old.list()
      expect(old.list()).toHaveLength(1)
      expect(s).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), createdAt: 5, lastSeenAt: 5, members: [] })
      const again = new SessionStore({ path })
      await again.load()
      expect(again.list().map((x) => x.id)).toEqual([s?.id])
      expect(again.get(token)?.id).toBe(s?.id)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('a browser holds at most 16 members; the oldest it is not posting as goes first; switching needs one it holds', async () => {
    const store = new SessionStore({})
    const token = await store.create({ member: '00'.repeat(32) })
    const key = (i: number): string => i.toString(16).padStart(2, '0').repeat(32)
    for (let i = 1; i <= 16; i++) expect(await store.addMember(token, key(i))).toBe(true)
    // 17 added, 16 held: member 0 (the oldest, not current) went
    const s = store.get(token)
    expect(s?.members).toHaveLength(MAX_SESSION_MEMBERS)
    expect(s?.members[0]).toBe(key(1))
    expect(s?.current).toBe(key(16))
    expect(await store.setCurrent(token, key(0))).toBe(false)
    expect(await store.setCurrent(token, key(2))).toBe(true)
    await store.addMember(token, key(17))
    expect(store.get(token)?.members).not.toContain(key(1))
    expect(store.get(token)?.members).toContain(key(17))
    expect(await store.addMember(token, 'not a key')).toBe(false)
    expect(await store.addMember('B'.repeat(43), key(3))).toBe(false)
    expect(await store.revokeToken(token)).toBe(true)
    expect(store.valid(token)).toBe(false)
  })

  it('reads the session cookie among others', () => {
    expect(sessionCookie('a=1; kiez_session=abc; b=2', 'kiez_session')).toBe('abc')
    expect(sessionCookie('xkiez_session=abc', 'kiez_session')).toBeUndefined()
    expect(sessionCookie(undefined, 'kiez_session')).toBeUndefined()
  })
})

describe('security helpers', () => {
  it('parses Host headers strictly', () => {
    expect(hostOf('Box.LOCAL:7300')).toBe('box.local')
    expect(hostOf('[::1]:7300')).toBe('::1')
    expect(hostOf('198.18.0.1')).toBe('198.18.0.1')
    expect(hostOf('box.local.')).toBe('box.local')
    for (const bad of [undefined, '', 'a b', 'evil.example@box', 'box:port', 'x'.repeat(300)]) {
      expect(hostOf(bad)).toBeUndefined()
    }
    const h = new HostCheck(['localhost', '[::1]', 'box.local'])
    expect(h.allows('localhost:1')).toBe(true)
    expect(h.allows('[::1]')).toBe(true)
    expect(h.allows('localhost.evil.example')).toBe(false)
    expect(h.allows(undefined)).toBe(false)
  })

  it('re-reads a changing host list (a new DHCP address), at most every refresh interval', () => {
    let now = 0
    let list = ['box.local']
    const h = new HostCheck(() => list, 5000, () => now)
    list = ['box.local', '198.18.5.5']
    expect(h.allows('198.18.5.5')).toBe(false) // too soon
    now += 5001
    expect(h.allows('198.18.5.5')).toBe(true)
  })

  it('counts only application/json as JSON', () => {
    expect(isJson('application/json')).toBe(true)
    expect(isJson('application/json; charset=UTF-8')).toBe(true)
    for (
      const t of [
        undefined,
        'text/plain',
        'application/json-patch+json',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'application/json; charset=latin1'
      ]
    ) expect(isJson(t)).toBe(false)
  })

  it('marks hashed assets immutable, nothing else', () => {
    expect(isHashedAsset('/srv/web/dist/assets/app.js')).toBe(true)
    expect(isHashedAsset('/srv/web/dist/app-3f9a1c2b.js')).toBe(true)
    expect(isHashedAsset('/srv/web/dist/index.html')).toBe(false)
    expect(isHashedAsset('/srv/web/dist/app.js')).toBe(false)
  })

  it('names an ed25519 key as libp2p does', () => {
    // the identity key of a known peer id: 12D3KooW… is ed25519 in an identity multihash
    const key = Uint8Array.from(Buffer.from('1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e', 'hex'))
    expect(peerIdOf(key)).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/)
  })
})
