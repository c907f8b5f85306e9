// Rough numbers for the mesh layer on loopback (not a test; nothing asserted).
// Run: node_modules/.bin/node packages/mesh/scripts/measure.mjs  (after npx tsc -b packages/mesh)
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FeedStore } from '@kiez/store'
import { createKiezNode, loadOrCreateIdentity, generatePsk } from '@kiez/mesh'

const root = await mkdtemp(join(tmpdir(), 'kiez-measure-'))
let n = 0
async function box (extra = {}, dir, reuseStore) {
  dir ??= join(root, `box${n++}`)
  const { privateKey } = await loadOrCreateIdentity(dir)
  const store = reuseStore ?? await FeedStore.open({ path: join(dir, 'feed') })
  const t0 = performance.now()
  const node = await createKiezNode({
    privateKey,
    store,
    dataDir: dir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    ...extra
  })
  await node.start()
  const startMs = performance.now() - t0
  const addr = node.info().listenAddrs[0]
  return {
    node,
    store,
    dir,
    startMs,
    addr,
    close: async () => {
      await node.stop()
      await store.close()
    }
  }
}
const until = async (fn) => {
  const t0 = performance.now()
  while (!(await fn())) await new Promise(r => setTimeout(r, 5))
  return performance.now() - t0
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const r = (x) => Math.round(x * 10) / 10

const out = {}
for (const [name, extra] of [['open', {}], ['psk', { psk: generatePsk() }]]) {
  const a = await box(extra)
  const t0 = performance.now()
  const b = await box({ ...extra, bootstrap: [a.addr] })
  await until(() => b.node.libp2p.getConnections().length > 0)
  const connectMs = performance.now() - t0
  await b.node.ping(a.node.peerId, 3)
  const rtts = await b.node.ping(a.node.peerId, 50)
  out[name] = {
    nodeStartMs: r(a.startMs),
    bootstrapConnectMs: r(connectMs),
    pingMedianMs: r(median(rtts)),
    pingMaxMs: r(Math.max(...rtts))
  }
  if (name === 'open') {
    await b.node.stop()
    const t1 = performance.now()
    const b2 = await box({}, b.dir, b.store)
    await until(() => b2.node.libp2p.getConnections().length > 0)
    out[name].redialAfterRestartMs = r(performance.now() - t1)
    await b2.node.stop()
    // A–B–C: C knows only B
    const c = await box({ bootstrap: [a.addr] })
    const d = await box({ bootstrap: [a.addr] })
    await until(async () => (await a.node.dhtTable()).length >= 2)
    const found = await c.node.dhtFind(d.node.peerId)
    out[name].dhtFindMs = found.durationMs
    await c.close()
    await d.close()
  } else {
    await b.close()
  }
  await b.store.close().catch(() => {})
  await a.close()
}
console.log(JSON.stringify(out, null, 2))
await rm(root, { recursive: true, force: true })
