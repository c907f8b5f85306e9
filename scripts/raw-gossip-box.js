// One box of bench:mesh's raw gossipsub line: plain js-libp2p (TCP, Noise, Yamux, identify, gossipsub
// with StrictNoSign as Kiez runs it) and nothing of Kiez, so the bench can set Kiez's per-hop latency
// beside the library's own on the same namespaces in the same run (hop_latency_vs_raw_gossipsub).
//   node raw-gossip-box.js --listen IP [--dial MULTIADDR] [--publish N --spacing MS]
// Prints JSON lines: {"msg":"listening","port","peerId"}, {"msg":"peer"}, {"msg":"got","id"}, {"msg":"sent","id"}.
// The publishing box waits for SIGUSR2 (sent once the whole line is connected), then warms up and publishes.
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    dial: { type: 'string' },
    publish: { type: 'string', default: '0' },
    spacing: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' }
  }
})
const TOPIC = 'raw-bench'
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n')

const node = await createLibp2p({
  addresses: { listen: [`/ip4/${values.listen}/tcp/0`] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { inboundConnectionThreshold: 1000 },
  services: {
    identify: identify(),
    pubsub: gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      doPX: false,
      msgIdFn: (m) => createHash('sha256').update(m.data).digest()
    })
  }
})
node.services.pubsub.subscribe(TOPIC)
node.services.pubsub.addEventListener('message', (evt) => {
  say({ msg: 'got', id: new TextDecoder().decode(evt.detail.data) })
})
node.addEventListener('peer:connect', () => say({ msg: 'peer' }))
// '/ip4/<addr>/tcp/<port>/p2p/<id>': the port is the fourth field
const port = Number(node.getMultiaddrs()[0]?.toString().split('/')[4])
say({ msg: 'listening', port, peerId: node.peerId.toString() })
if (values.dial !== undefined) {
  for (let i = 0;; i++) {
    try {
      await node.dial(multiaddr(values.dial))
      break
    } catch (err) {
      if (i > 50) throw err
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

const n = Number(values.publish)
if (n > 0) {
  await new Promise((resolve) => process.once('SIGUSR2', resolve))
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
  const publish = async (id) => {
    for (;;) {
      try {
        say({ msg: 'sent', id })
        await node.services.pubsub.publish(TOPIC, new TextEncoder().encode(id))
        return
      } catch {
        await sleep(200) // no mesh peer yet (heartbeat pending)
      }
    }
  }
  for (let i = 0; i < Number(values.warmup); i++) {
    await publish(`warm-up ${i}`)
    await sleep(500)
  }
  await sleep(1000)
  for (let i = 0; i < n; i++) {
    await publish(`raw ${i}`)
    await sleep(Number(values.spacing))
  }
}
process.once('SIGTERM', () => void node.stop().then(() => process.exit(0)))
