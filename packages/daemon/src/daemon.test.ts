import { request } from 'node:http'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { createEntry, signerFromSeed } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import { peerIdFromString } from '@libp2p/peer-id'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, type KiezConfig } from './config.js'
import { ControlClient, ControlClientError } from './control/client.js'
import { Daemon } from './daemon.js'
import { DaemonError } from './errors.js'
import { createLogger } from './logger.js'
import { createMeshNode } from './mesh-node.js'
import { controlSocketPath } from './paths.js'

function configFor (dataDir: string): KiezConfig {
  return {
    ...DEFAULT_CONFIG,
    dataDir,
    http: '127.0.0.1:0',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    logLevel: 'silent'
  }
}

function daemonFor (config: KiezConfig): Daemon {
  return new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, { config })
}

/** A raw request, for what the typed client would never send. */
async function raw (
  socketPath: string,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json'
): Promise<{ status: number, json: any }> {
  return await new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      method,
      path,
      headers: body !== undefined ? { 'content-type': contentType } : {}
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('Daemon (in process, real node, store and socket)', () => {
  let dir: string
  const daemons: Daemon[] = []
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-d-'))
  })
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })

  async function started (config = configFor(join(dir, 'box'))): Promise<{ daemon: Daemon, client: ControlClient }> {
    const daemon = daemonFor(config)
    daemons.push(daemon)
    await daemon.start()
    return { daemon, client: new ControlClient({ socketPath: daemon.socketPath }) }
  }

  it('serves status, posts, replies and pages the feed over the control socket', async () => {
    const { daemon, client } = await started()
    const s = await client.status()
    expect(s.peerId).toMatch(/^12D3KooW/)
    expect(s.mesh).toBe('kiez')
    expect(s.listenAddrs.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/') && a.endsWith(`/p2p/${s.peerId}`))).toBe(true)
    expect(s.counts).toEqual({ peers: 0, authors: 0, entries: 0 })
    expect(s.store).toEqual({ forks: 0, duplicates: 0, rejected: {} })
    // the default budget: a quarter of the free space, 64 MiB to 4 GiB
    expect(s.storage).toEqual({
      usedBytes: expect.any(Number),
      maxBytes: expect.any(Number),
      payloadsEvicted: 0,
      headersTruncated: 0,
      deferred: 0,
      full: false,
      feedMaxBytes: expect.any(Number),
      blobMaxBytes: expect.any(Number)
    })
    // the images take half the budget, the feed store the rest
    expect(s.storage?.blobMaxBytes).toBe(Math.floor((s.storage?.maxBytes ?? 0) / 2))
    expect((s.storage?.feedMaxBytes ?? 0) + (s.storage?.blobMaxBytes ?? 0)).toBe(s.storage?.maxBytes)
    expect(s.blobs).toMatchObject({ count: 0, bytes: 0, maxBytes: s.storage?.blobMaxBytes, fetched: 0, served: 0 })
    expect(s.storage?.usedBytes).toBeGreaterThan(0)
    expect(s.storage?.maxBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024)
    expect(s.storage?.maxBytes).toBeLessThanOrEqual(4 * 1024 * 1024 * 1024)
    expect(s.http).toEqual({
      address: '127.0.0.1:0',
      serving: true,
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    })

    const first = await client.post({ text: 'hello Kiez' })
    expect(first).toMatchObject({ author: s.peerId, seq: 1, type: 'post', text: 'hello Kiez' })
    expect(first.id).toMatch(/^bafyrei/)
    const reply = await client.post({ text: 'a reply', replyTo: first.id })
    expect(reply).toMatchObject({ seq: 2, type: 'reply', replyTo: first.id, previous: first.id })
    for (let i = 0; i < 3; i++) await client.post({ text: `post ${i}` })

    const page1 = await client.feed({ limit: 3 })
    expect(page1.entries.map((e) => e.seq)).toEqual([5, 4, 3])
    expect(page1.next).toBeDefined()
    const page2 = await client.feed({ limit: 3, before: page1.next as string })
    expect(page2.entries.map((e) => e.seq)).toEqual([2, 1])
    expect(page2.next).toBeUndefined()
    expect((await client.status()).counts).toEqual({ peers: 0, authors: 1, entries: 5 })

    // socket and data dir are the owner's alone
    expect((await stat(daemon.socketPath)).mode & 0o777).toBe(0o600)
    expect((await stat(daemon.config.dataDir)).mode & 0o777).toBe(0o700)
  })

  it('answers bad requests with a JSON error code, never a stack', async () => {
    const { daemon, client } = await started()
    const big = await client.post({ text: 'x'.repeat(8193) }).catch((e: unknown) => e)
    expect(big).toBeInstanceOf(ControlClientError)
    expect(big).toMatchObject({ code: 'content_too_large', status: 400 })
    expect((await client.status()).counts.entries).toBe(0)
    // exactly at the limit is fine (multi-byte characters count as bytes)
    expect((await client.post({ text: 'ä'.repeat(4096) })).seq).toBe(1)

    await expect(client.post({ text: 'x', replyTo: 'not-an-id' })).rejects.toMatchObject({
      code: 'invalid_reply_to',
      status: 400
    })
    await expect(client.feed({ before: 'AAAA' })).rejects.toMatchObject({ code: 'bad_cursor', status: 400 })

    const sock = daemon.socketPath
    expect(await raw(sock, 'POST', '/posts', '{"text":')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_json' } }
    })
    expect(await raw(sock, 'POST', '/posts', '{"text":"hi","extra":1}')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request' } }
    })
    expect(await raw(sock, 'POST', '/posts', '{"text":""}')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request' } }
    })
    expect(await raw(sock, 'POST', '/posts', '{"text":5}')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request' } }
    })
    expect(await raw(sock, 'POST', '/posts', 'text=hi', 'application/x-www-form-urlencoded')).toMatchObject({
      status: 415,
      json: { error: { code: 'unsupported_media_type' } }
    })
    expect(await raw(sock, 'POST', '/posts', JSON.stringify({ text: 'x'.repeat(70_000) }))).toMatchObject({
      status: 413,
      json: { error: { code: 'body_too_large' } }
    })
    expect(await raw(sock, 'GET', '/feed?limit=0')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request' } }
    })
    expect(await raw(sock, 'GET', '/nope')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } })
    for (const r of [await raw(sock, 'POST', '/posts', '{"text":'), await raw(sock, 'GET', '/nope')]) {
      expect(JSON.stringify(r.json)).not.toMatch(/\bat .*\.js:\d+/)
    }
  })

  it('keeps its identity and posts across a restart and removes a stale socket', async () => {
    const config = configFor(join(dir, 'box'))
    const { daemon, client } = await started(config)
    const before = await client.status()
    const post = await client.post({ text: 'still here?' })
    await daemon.stop()
    await expect(client.status()).rejects.toMatchObject({ code: 'daemon_unreachable' })

    // a crashed daemon leaves a file at the socket path that nobody answers on
    // (the CLI suite does the real kill -9; a clean close unlinks the socket)
    await writeFile(controlSocketPath(config.dataDir), '')

    const again = await started(config)
    const after = await again.client.status()
    expect(after.peerId).toBe(before.peerId)
    expect((await again.client.feed()).entries.map((e) => e.id)).toEqual([post.id])
  })

  it('refuses a second daemon on the same data dir', async () => {
    const config = configFor(join(dir, 'box'))
    await started(config)
    const second = daemonFor(config)
    daemons.push(second)
    await expect(second.start()).rejects.toMatchObject({ code: 'already_running' })
  })

  it('refuses to start on a feed database another process holds (the lock, not the socket, tells)', async () => {
    const config = configFor(join(dir, 'box'))
    const holder = await FeedStore.open({ path: join(config.dataDir, 'feed') })
    try {
      const d = daemonFor(config)
      daemons.push(d)
      const err = await d.start().catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'already_running' })
      expect(existsSync(controlSocketPath(config.dataDir))).toBe(false)
    } finally {
      await holder.close()
    }
  })

  it('fails with typed errors for an unusable data dir and a port in use', async () => {
    const file = join(dir, 'a-file')
    await writeFile(file, 'x')
    const bad = daemonFor(configFor(join(file, 'box')))
    await expect(bad.start()).rejects.toMatchObject({ code: 'data_dir_unusable' })
    const notDir = daemonFor(configFor(file))
    await expect(notDir.start()).rejects.toMatchObject({ code: 'data_dir_unusable' })

    // 198.18.0.77 is a test address no interface of this namespace has
    const nowhere = daemonFor({ ...configFor(join(dir, 'box3')), listen: ['/ip4/198.18.0.77/tcp/0'] })
    daemons.push(nowhere)
    await expect(nowhere.start()).rejects.toMatchObject({ code: 'listen_failed' })

    const { client } = await started()
    const addr = (await client.status()).listenAddrs[0] as string
    const port = addr.split('/')[4] as string
    const clash = daemonFor({ ...configFor(join(dir, 'box2')), listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    daemons.push(clash)
    const err = await clash.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DaemonError)
    expect(err).toMatchObject({ code: 'address_in_use' })
    // a failed start leaves nothing behind: the same data dir can start on a free port
    const retry = await started({ ...configFor(join(dir, 'box2')) })
    expect((await retry.client.status()).peerId).toMatch(/^12D3KooW/)
  })

  it('holds a far author to its ingest budget but never a neighbour; storage.maxMb sets the budget', async () => {
    const a = await started({ ...configFor(join(dir, 'a')), storage: { maxMb: 100 } })
    expect((await a.client.status()).storage?.maxBytes).toBe(100 * 1024 * 1024)
    // b holds its own 50 posts and 50 of a far author (whose key no box has); it takes them all itself
    const far = signerFromSeed(new Uint8Array(32).fill(42))
    const farLog: Uint8Array[] = []
    let prev: Uint8Array | null = null
    for (let seq = 1; seq <= 50; seq++) {
      const e = createEntry(far, {
        seq,
        previous: prev,
        timestamp: Date.now() - 1000,
        body: { type: 'post', text: `far ${seq}` }
      })
      farLog.push(e.bytes)
      prev = e.hash
    }
    const aAddr = (await a.client.status()).listenAddrs[0] as string
    const b = await started({ ...configFor(join(dir, 'b')), bootstrap: [aAddr], storage: { ingestPerHour: 0 } })
    await b.daemon.feedStore?.ingestRange(farLog)
    for (let i = 0; i < 50; i++) await b.client.post({ text: `b ${i}` })
    const bKey = peerIdFromString((await b.client.status()).peerId).publicKey?.raw as Uint8Array
    const store = a.daemon.feedStore as FeedStore
    const deadline = Date.now() + 45_000
    while ((store.head(bKey)?.seq ?? 0) < 50 || (store.head(far.publicKey)?.seq ?? 0) < 30) {
      if (Date.now() > deadline) {
        throw new Error(`a holds ${store.head(bKey)?.seq} of b, ${store.head(far.publicKey)?.seq} of far`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(store.head(far.publicKey)?.seq).toBe(30) // the burst, then deferred
    // and no more while the budget is empty (sync does not even ask for them: IngestGate.room)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    expect(store.head(far.publicKey)?.seq).toBe(30)
    expect(store.head(bKey)?.seq).toBe(50)
  })
})
