// Gateway benchmark on a real daemon (in process, 127.0.0.1): posting through the API,
// feed reads, and SSE fan-out. Run: npm run build && node packages/gateway/bench/http.js
// Numbers depend on the machine; they are for comparing changes, not for asserting.
import { request, Agent } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, createMeshNode, Daemon, DEFAULT_CONFIG } from '@kiez/daemon'

const agent = new Agent({ keepAlive: true, maxSockets: 16 })
const dir = await mkdtemp(join(tmpdir(), 'kiez-gw-bench-'))
const daemon = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, {
  config: {
    ...DEFAULT_CONFIG,
    dataDir: join(dir, 'box'),
    http: '127.0.0.1:0',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    logLevel: 'silent'
  },
  http: { postRate: { capacity: 1e9, refillPerSec: 1e9 }, maxEventClients: 64, maxEventClientsPerIp: 64 }
})
await daemon.start()
const base = new URL(daemon.httpUrl)
const host = base.host

function call (method, path, body, headers = {}) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  return new Promise((resolve, reject) => {
    const req = request({
      agent,
      host: base.hostname,
      port: base.port,
      method,
      path,
      headers: { host, ...(payload ? { 'content-type': 'application/json', origin: base.origin } : {}), ...headers }
    }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(payload)
  })
}

const { code } = await daemon.pair()
const paired = await new Promise((resolve) => {
  const payload = JSON.stringify({ code })
  const req = request({
    host: base.hostname,
    port: base.port,
    method: 'POST',
    path: '/api/v1/pair',
    headers: { host, origin: base.origin, 'content-type': 'application/json' }
  }, (res) => {
    res.resume()
    resolve(String(res.headers['set-cookie']).split(';')[0])
  })
  req.end(payload)
})

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}
const out = {}

// SSE fan-out: N clients, each must see every post
const CLIENTS = 32
const POSTS = 300
const seen = Array.from({ length: CLIENTS }, () => 0)
const streams = []
await Promise.all(seen.map((_, i) =>
  new Promise((resolve) => {
    const req = request({ host: base.hostname, port: base.port, path: '/api/v1/events', headers: { host } }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (c) => {
        seen[i] += (c.match(/event: entry/g) ?? []).length
      })
      resolve()
    })
    req.end()
    streams.push(req)
  })
))

const lat = []
const t0 = performance.now()
for (let i = 0; i < POSTS; i++) {
  const s = performance.now()
  const r = await call('POST', '/api/v1/posts', { text: `bench post ${i} ${'x'.repeat(200)}` }, { cookie: paired })
  if (r.status !== 201) throw new Error(`post ${i}: ${r.status} ${r.text}`)
  lat.push(performance.now() - s)
}
const postMs = performance.now() - t0
out.postsPerSec = Math.round(POSTS / postMs * 1000)
out.postP50Ms = +pct(lat, 0.5).toFixed(2)
out.postP99Ms = +pct(lat, 0.99).toFixed(2)
const fanStart = performance.now()
while (seen.some((n) => n < POSTS) && performance.now() - fanStart < 10_000) await new Promise((r) => setTimeout(r, 5))
out.sseClients = CLIENTS
out.sseAllDelivered = seen.every((n) => n === POSTS)
out.sseDrainAfterLastPostMs = Math.round(performance.now() - fanStart)
for (const s of streams) s.destroy()

// feed reads, 8 in flight
for (const [name, path] of [['feed50', '/api/v1/feed?limit=50'], ['status', '/api/v1/status'], ['entry', null]]) {
  let p = path
  if (p === null) {
    const f = JSON.parse((await call('GET', '/api/v1/feed?limit=1')).text)
    p = `/api/v1/entries/${f.entries[0].id}`
  }
  const N = 2000
  let done = 0
  const lats = []
  const s = performance.now()
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (done < N) {
      done++
      const t = performance.now()
      const r = await call('GET', p)
      if (r.status !== 200) throw new Error(`${p}: ${r.status}`)
      lats.push(performance.now() - t)
    }
  }))
  out[`${name}PerSec`] = Math.round(N / (performance.now() - s) * 1000)
  out[`${name}P99Ms`] = +pct(lats, 0.99).toFixed(2)
}
out.rssMiB = Math.round(process.memoryUsage().rss / 1024 / 1024)

console.log(JSON.stringify(out, null, 2))
agent.destroy()
await daemon.stop()
await rm(dir, { recursive: true, force: true })
