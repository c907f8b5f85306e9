/**
 * A "newer box" for test/mesh/life.test.ts, run by the lab in a box's
 * namespace: the adversarial suite's rogue node (a real libp2p node speaking
 * gossip and /kiez/sync/2.0.0) that serves one author's feed, signed by the
 * test, and pushes it by gossip to the box it dials. The feed holds what no
 * daemon here would sign: a kind this version does not know, a vote after its
 * poll closed. Env: NEWER_BOX_DIAL (a multiaddr), NEWER_BOX_AUTHOR (hex),
 * NEWER_BOX_ITEMS (JSON [{entry, payload}] in base64, seq 1.. in order).
 */
import { createRogue, gossipEntry, type WireItem } from '../adversarial/rogue.ts'

const env = (name: string): string => {
  const v = process.env[name]
  if (v === undefined || v === '') throw new Error(`${name} is not set`)
  return v
}
const items: WireItem[] = (JSON.parse(env('NEWER_BOX_ITEMS')) as Array<{ entry: string, payload: string }>).map((
  i
) => ({ entry: Buffer.from(i.entry, 'base64'), payload: Buffer.from(i.payload, 'base64') }))
const rogue = await createRogue({
  serve: new Map([[env('NEWER_BOX_AUTHOR'), items]]),
  listen: ['/ip4/0.0.0.0/tcp/0']
})
await rogue.dial(env('NEWER_BOX_DIAL'))
const deadline = Date.now() + 30_000
while (rogue.topicPeers().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
// by gossip as well as to the sync session the box opens on connect; again now and then, a late subscriber hears it
for (let round = 0; round < 3; round++) {
  for (const i of items) await rogue.publish(gossipEntry(i))
  console.log(JSON.stringify({ msg: 'newer box published', round, topicPeers: rogue.topicPeers().length }))
  await new Promise((r) => setTimeout(r, 3000))
}
setInterval(() => {}, 60_000) // stays up until the lab stops it
