// A hostile neighbour for the namespace tests. argv[2]: JSON
//   {mode: 'forged', onLink: '198.19.252.77', otherLink: '198.19.250.50'}
//   {mode: 'garbage'}
//   {mode: 'flood', count: 10000, subnetPrefix: '198.19.252.'}
// Prints {event:'ids', ...} first, {event:'done', sent, ms} last.
import { createSocket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import dnsPacket from 'dns-packet'

const opts = JSON.parse(process.argv[2] ?? '{}')
const out = (o) => process.stdout.write(JSON.stringify({ t: Date.now(), ...o }) + '\n')
const TAG = '_p2p._udp.local'
const fakeId = () => peerIdFromPublicKey(publicKeyFromRaw(randomBytes(32))).toString()

const socket = createSocket({ type: 'udp4', reuseAddr: true })
await new Promise(resolve => socket.bind(0, resolve))
socket.setMulticastTTL(255)
const send = (buf) => new Promise(resolve => socket.send(buf, 5353, '224.0.0.251', () => resolve()))
const announce = (instance, txts) =>
  dnsPacket.encode({
    type: 'response',
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    answers: [
      { name: TAG, type: 'PTR', class: 'IN', ttl: 120, data: `${instance}.${TAG}` },
      ...txts.map(data => ({ name: `${instance}.${TAG}`, type: 'TXT', class: 'IN', ttl: 120, data }))
    ]
  })

const started = Date.now()
let sent = 0
if (opts.mode === 'forged') {
  const mixed = fakeId()
  const offOnly = fakeId()
  out({ event: 'ids', mixed, offOnly })
  for (let round = 0; round < 5; round++) {
    await send(announce('forgedmixed', [
      `dnsaddr=/ip4/203.0.113.9/tcp/4001/p2p/${mixed}`,
      `dnsaddr=/ip4/${opts.otherLink}/tcp/4001/p2p/${mixed}`,
      `dnsaddr=/dns4/evil.example/tcp/4001/p2p/${mixed}`,
      `dnsaddr=/ip4/${opts.onLink}/tcp/4001/p2p/${mixed}`
    ]))
    await send(announce('forgedoff', [
      `dnsaddr=/ip4/203.0.113.10/tcp/4001/p2p/${offOnly}`,
      `dnsaddr=/ip4/${opts.otherLink}/tcp/4002/p2p/${offOnly}`
    ]))
    sent += 2
    await new Promise(resolve => setTimeout(resolve, 500))
  }
} else if (opts.mode === 'garbage') {
  const id = fakeId()
  out({ event: 'ids', id })
  const packets = [
    randomBytes(7),
    randomBytes(512),
    Buffer.alloc(0),
    Buffer.alloc(1400, 0xff),
    announce('garbage1', ['dnsaddr=/not/a/multiaddr', 'dnsaddr=', 'nonsense', '']),
    announce('garbage2', [`dnsaddr=/ip4/198.19.252.9/tcp/1/p2p/notapeerid`]),
    announce('garbage3', [`dnsaddr=/ip4/198.19.252.9/tcp/1`]), // no peer id
    announce('garbage4', Array.from({ length: 100 }, (_, i) => `dnsaddr=/ip4/198.19.252.9/tcp/${i + 1}/p2p/${id}`)),
    // a truncated valid packet
    announce('garbage5', [`dnsaddr=/ip4/198.19.252.9/tcp/1/p2p/${id}`]).subarray(0, 40)
  ]
  for (let round = 0; round < 3; round++) {
    for (const p of packets) {
      await send(p)
      sent++
    }
  }
} else if (opts.mode === 'flood') {
  for (let i = 0; i < opts.count; i++) {
    const id = fakeId()
    await send(
      announce(`flood${i}`, [`dnsaddr=/ip4/${opts.subnetPrefix}${10 + (i % 200)}/tcp/${1000 + (i % 60000)}/p2p/${id}`])
    )
    sent++
  }
}
out({ event: 'done', sent, ms: Date.now() - started })
socket.close()
