// A tiny libp2p box for the namespace tests: TCP on 0.0.0.0, one mDNS discovery
// module (kiezMdns or stock @libp2p/mdns), discoveries printed as JSON lines.
// argv[2]: JSON {kind: 'kiez'|'stock', init?: KiezMdnsInit}
// stdin "info" -> prints {event:'info', ...}; SIGTERM/SIGINT -> clean stop.
import { createInterface } from 'node:readline'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { mdns } from '@libp2p/mdns'
import { createLibp2p } from 'libp2p'
import { kiezMdns } from '@kiez/discovery'

const opts = JSON.parse(process.argv[2] ?? '{}')
const out = (o) => process.stdout.write(JSON.stringify({ t: Date.now(), ...o }) + '\n')

let discovery
const factory = opts.kind === 'stock' ? mdns(opts.init ?? {}) : kiezMdns(opts.init ?? {})
const node = await createLibp2p({
  addresses: { listen: ['/ip4/0.0.0.0/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [(components) => (discovery = factory(components))]
})

node.addEventListener('peer:discovery', (evt) => {
  out({ event: 'discovery', id: evt.detail.id.toString(), multiaddrs: evt.detail.multiaddrs.map(String) })
})
discovery.addEventListener('kiez:peer', (evt) => {
  const d = evt.detail
  out({
    event: 'kiez:peer',
    id: d.id.toString(),
    multiaddrs: d.multiaddrs.map(String),
    interface: d.interface,
    localAddress: d.localAddress,
    from: d.from
  })
})

await node.start()
out({
  event: 'ready',
  id: node.peerId.toString(),
  addrs: node.getMultiaddrs().map(String),
  instance: discovery.info?.().instance
})

const commands = createInterface({ input: process.stdin })
commands.on('line', (line) => {
  if (line.trim() === 'info') {
    void node.peerStore.all().then((all) => out({ event: 'info', info: discovery.info?.(), peerStoreSize: all.length }))
  }
})

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await node.stop()
  out({ event: 'stopped' })
  process.exit(0)
}
// the test runner went away (even by kill -9): don't linger in its namespace
const stopSoon = () => {
  void stop()
}
commands.on('close', stopSoon)
process.on('SIGTERM', stopSoon)
process.on('SIGINT', stopSoon)
