#!/usr/bin/env node
/**
 * Run inside the rogue box's namespace (case 11): sends `count` mDNS responses
 * on the link, each announcing a fresh random peer id, half with an address on
 * the link (our own IP, where a TCP listener counts the dials that follow) and
 * half with an off-subnet address. Prints one JSON document on stdout.
 *
 *   node mdns-flood.js <count> <ourIp> <port> <lingerMs>
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import * as packet from 'dns-packet'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

const [count, ip, port, lingerMs] = [
  Number(process.argv[2]),
  process.argv[3],
  Number(process.argv[4]),
  Number(process.argv[5] ?? 10_000)
]
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const dials = []
const server = createServer((s) => {
  dials.push(Date.now())
  s.destroy()
})
await new Promise((resolve) => server.listen(port, ip, resolve))

const sock = createSocket({ type: 'udp4', reuseAddr: true })
await new Promise((resolve) => sock.bind(0, ip, resolve))
sock.setMulticastInterface(ip)
sock.setMulticastTTL(255)

const onLink = []
const offSubnet = []
const t0 = Date.now()
for (let i = 0; i < count; i++) {
  const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const link = i % 2 === 0
  const addr = link
    ? `/ip4/${ip}/tcp/${port}/p2p/${id}`
    : `/ip4/198.19.${200 + (i % 50)}.${1 + (i % 250)}/tcp/7301/p2p/${id}`
  ;(link ? onLink : offSubnet).push(id)
  const instance = Math.random().toString(16).slice(2, 18)
  const fqdn = `${instance}._p2p._udp.local`
  const buf = packet.encode({
    type: 'response',
    answers: [
      { name: '_p2p._udp.local', type: 'PTR', class: 'IN', ttl: 120, data: fqdn },
      { name: fqdn, type: 'TXT', class: 'IN', ttl: 120, data: `dnsaddr=${addr}` }
    ]
  })
  sock.send(buf, 5353, '224.0.0.251')
  if (i % 50 === 49) await sleep(50)
}
const floodMs = Date.now() - t0
await sleep(lingerMs)
sock.close()
server.close()
// the highest number of dials that landed in any one second
const perSecond = new Map()
for (const t of dials) perSecond.set(Math.floor((t - t0) / 1000), (perSecond.get(Math.floor((t - t0) / 1000)) ?? 0) + 1)
console.log(
  JSON.stringify({
    sent: count,
    floodMs,
    onLinkIds: onLink,
    offSubnetIds: offSubnet,
    dialsToOnLinkAddr: dials.length,
    maxDialsPerSecond: Math.max(0, ...perSecond.values()),
    dialSpanMs: dials.length > 0 ? dials[dials.length - 1] - dials[0] : 0
  })
)
