// Development only: serves dist/ with an in-memory stand-in of the gateway's
// /api/v1 (feed, posts, profile, pair, peers, SSE), to work on the page
// without a daemon. The browser tests run against real daemons instead.
//   node scripts/dev-server.js [port]   (pairing code: 123456)
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join, dirname, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const port = Number(process.argv[2] ?? 7399)
const SELF = '12D3KooWDevBoxSelfAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const NEIGHBOUR = '12D3KooWNeighbourBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const sessions = new Set()
const streams = new Set()
const names = new Map([[NEIGHBOUR, 'Bäckerei Nr. 12']])
let seq = 0
const entries = []
const mk = (author, text, ago, replyTo) => {
  const e = {
    id: `bafyrei${randomBytes(20).toString('hex')}`,
    author,
    seq: ++seq,
    timestamp: Date.now() - ago,
    type: replyTo ? 'reply' : 'post',
    text
  }
  if (replyTo) e.replyTo = replyTo
  entries.push(e)
  return e
}
const p1 = mk(NEIGHBOUR, 'Fresh rolls at 7, the oven is fixed. Details: https://example.org/oven', 3 * 60_000)
mk(SELF, 'Great, I will come by!', 2 * 60_000, p1.id)
mk(NEIGHBOUR, 'Lost: a grey cat near the Hof. <b>not bold</b> <script>window.__xss=1</script>', 3 * 3600_000)

const withName = (e) => names.has(e.author) ? { ...e, authorName: names.get(e.author) } : e
const send = (res, code, body, headers = {}) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}
const fail = (res, code, c, message) => send(res, code, { error: { code: c, message } })
const paired = (req) =>
  (req.headers.cookie ?? '').split(/;\s*/).some((c) => sessions.has(c.replace(/^kiez_session=/, '')))
const body = async (req) => {
  let s = ''
  for await (const c of req) {
    s += c
    if (s.length > 65536) throw new Error('too big')
  }
  return JSON.parse(s)
}
const broadcast = (e) => {
  for (const r of streams) r.write(`id: ${e.seq}\nevent: entry\ndata: ${JSON.stringify(withName(e))}\n\n`)
}
const CSP =
  'default-src \'none\'; script-src \'self\'; style-src \'self\'; img-src \'self\' data:; connect-src \'self\'; base-uri \'none\'; frame-ancestors \'none\''

async function handle (req, res) {
  const url = new URL(req.url, 'http://x')
  try {
    if (url.pathname === '/api/v1/status') {
      return send(res, 200, { peerId: SELF, mesh: 'kiez', authorName: names.get(SELF) })
    }
    if (url.pathname === '/api/v1/peers') {
      return send(res, 200, {
        peers: [{
          peerId: NEIGHBOUR,
          source: 'mdns',
          direction: 'outbound',
          connected: true,
          latencyMs: 3.2,
          lastSeenMs: 0,
          sync: { weLack: 0, theyLack: 0, syncing: false, lastSyncAgoMs: 4000 }
        }, {
          peerId: '12D3KooWThirdCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
          source: 'dht',
          direction: 'inbound',
          connected: true,
          latencyMs: 41,
          sync: { weLack: 3, theyLack: 0 }
        }]
      })
    }
    if (url.pathname === '/api/v1/feed') {
      const limit = Number(url.searchParams.get('limit') ?? 50)
      const before = Number(url.searchParams.get('before') ?? Infinity)
      const list = entries.filter((e) => e.seq < before).sort((a, b) => b.seq - a.seq)
      const page = list.slice(0, limit)
      return send(res, 200, {
        entries: page.map(withName),
        ...(list.length > limit ? { next: String(page.at(-1).seq) } : {})
      })
    }
    if (url.pathname === '/api/v1/pair' && req.method === 'POST') {
      const { code } = await body(req)
      if (code !== '123456') return fail(res, 403, 'bad_pairing_code', 'that pairing code is wrong or expired')
      const s = randomBytes(16).toString('hex')
      sessions.add(s)
      return send(res, 200, { paired: true }, { 'set-cookie': `kiez_session=${s}; HttpOnly; SameSite=Strict; Path=/` })
    }
    if ((url.pathname === '/api/v1/posts' || url.pathname === '/api/v1/profile') && req.method === 'POST') {
      if (!paired(req)) return fail(res, 401, 'not_paired', 'posting needs a paired browser')
      const b = await body(req)
      if (url.pathname === '/api/v1/profile') {
        names.set(SELF, b.name)
        const e = {
          id: `bafyrei${randomBytes(20).toString('hex')}`,
          author: SELF,
          seq: ++seq,
          timestamp: Date.now(),
          type: 'profile',
          name: b.name
        }
        broadcast(e)
        return send(res, 201, e)
      }
      if (Buffer.byteLength(b.text) > 8192) return fail(res, 400, 'content_too_large', 'text is over 8192 UTF-8 bytes')
      const e = mk(SELF, b.text, 0, b.replyTo)
      broadcast(e)
      return send(res, 201, withName(e))
    }
    if (url.pathname === '/api/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      res.write(': hi\n\n')
      streams.add(res)
      req.on('close', () => streams.delete(res))
      return
    }
    const file = url.pathname === '/' ? 'index.html' : normalize(url.pathname).replace(/^\/+/, '')
    if (file.includes('..')) return fail(res, 400, 'bad_path', 'no')
    const data = await readFile(join(dist, file))
    const type = file.endsWith('.js')
      ? 'text/javascript'
      : file.endsWith('.css')
      ? 'text/css'
      : 'text/html; charset=utf-8'
    res.writeHead(200, { 'content-type': type, 'content-security-policy': CSP })
    res.end(data)
  } catch (err) {
    if (err.code === 'ENOENT') return fail(res, 404, 'not_found', 'no such file')
    fail(res, 400, 'invalid_request', String(err.message))
  }
}

createServer((req, res) => {
  void handle(req, res)
}).listen(port, '127.0.0.1', () => console.log(`dev page on http://127.0.0.1:${port}/ (pairing code 123456)`))
