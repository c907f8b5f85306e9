import { afterEach, describe, expect, it } from 'vitest'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { lpStream } from '@libp2p/utils'
import { encode } from 'cborg'
import { topology, type Topology } from './service.js'
import { crawl } from './map.js'
import { TOPOLOGY_PROTOCOL } from './constants.js'
import type { Neighbour } from './wire.js'

type Node = Libp2p<{ identify: unknown, topology: Topology }>
const nodes: Node[] = []

async function box (): Promise<Node> {
  const nodeRef: { self?: Node } = {}
  // what the mesh passes in: the open connections, source and latency as it knows them
  const neighbours = async (): Promise<Neighbour[]> =>
    (nodeRef.self?.getConnections() ?? []).map((c) => ({
      peerId: c.remotePeer.toString(),
      connected: true,
      source: 'bootstrap' as const,
      latencyMs: 1
    }))
  const n = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 100 },
    services: { identify: identify(), topology: topology({ neighbours, timeoutMsPerHop: 1500 }) }
  }) as unknown as Node
  nodeRef.self = n
  nodes.push(n)
  return n
}

async function line (count: number): Promise<Node[]> {
  const boxes = await Promise.all(Array.from({ length: count }, async () => await box()))
  for (let i = 0; i + 1 < boxes.length; i++) await (boxes[i] as Node).dial((boxes[i + 1] as Node).getMultiaddrs())
  return boxes
}

afterEach(async () => {
  await Promise.all(
    nodes.splice(0).map(async (n) => {
      await n.stop()
    })
  )
})

describe('/kiez/topology/1.0.0 between real nodes', () => {
  it('a relayed query reaches past the neighbour; the crawl maps a line of four', async () => {
    const [a, b, c, d] = await line(4) as [Node, Node, Node, Node]
    const direct = await a.services.topology.query(b.peerId, 0)
    expect(direct.reports.map((r) => r.peerId)).toEqual([b.peerId.toString()])
    expect(direct.reports[0]?.neighbours.map((n) => n.peerId).sort()).toEqual(
      [a.peerId.toString(), c.peerId.toString()].sort()
    )
    expect(Math.abs(direct.clockMs - Date.now())).toBeLessThan(60_000)

    const map = await crawl(a.services.topology)
    expect(map.self).toBe(a.peerId.toString())
    expect(map.boxes.map((x) => [x.peerId, x.hops])).toEqual([a, b, c, d].map((x, i) => [x.peerId.toString(), i]))
    expect(map.links).toHaveLength(3)
    expect(map.links.every((l) => !l.oneSided)).toBe(true)
    expect(map.failures).toEqual([])
    expect(map.boxes.find((x) => x.peerId === b.peerId.toString())?.clockOffsetMs).toBeTypeOf('number')
  })

  it('refuses a bad request and rate-limits a requester', async () => {
    const [a, b] = await line(2) as [Node, Node]
    const s = await a.dialProtocol(b.peerId, TOPOLOGY_PROTOCOL)
    const lp = lpStream(s)
    await lp.write(encode({ v: 1, depth: 9 }))
    // the responder resets the stream (a timeout here would be a different error: AbortError)
    await expect(lp.read({ signal: AbortSignal.timeout(3000) })).rejects.toThrow(/stream has been reset/)
    // burst of 6 per peer (one spent above): the 7th request in a row is refused
    const codes: string[] = []
    for (let i = 0; i < 6; i++) {
      codes.push(
        await a.services.topology.query(b.peerId, 0).then(() => 'ok', (err: { code?: string }) => err.code ?? 'other')
      )
    }
    expect(codes.filter((c) => c === 'ok').length).toBe(5)
    expect(codes.filter((c) => c !== 'ok').length).toBe(1)
  })
})
