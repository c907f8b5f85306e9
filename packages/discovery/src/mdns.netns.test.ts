// kiezMdns between real libp2p boxes in network namespaces (needs root; skipped otherwise).
//
//        kzd1 ── 198.19.250/24 ──┐
//        kzd2 ── 198.19.251/24 ──┼── kzdc (centre)  ── 198.19.253/24 ── kzd4 (linked after start)
//        kzd3 ── 198.19.252/24 ──┘
//
// Each link is its own segment: leaves hear only the centre, never each other.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Lab, in24, ip4Of, isRoot } from '../test/netns.js'
import type { Link, Proc } from '../test/netns.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const NODE = root + 'node_modules/.bin/node'
const BOX = fileURLToPath(new URL('../test/box.mjs', import.meta.url))
const FORGE = fileURLToPath(new URL('../test/forge.mjs', import.meta.url))
const BROWSE = fileURLToPath(new URL('../../../test/lab/dns-sd-browse.py', import.meta.url))
const PYTHON = '/usr/bin/python3'
const hasZeroconf = existsSync('/usr/lib/python3/dist-packages/zeroconf')

// fast rounds keep the suite short; correctness does not depend on them
const INIT = { queryIntervalMs: 2000, interfacePollMs: 500 }
const CENTRE_INIT = { ...INIT, maxPeers: 64, maxEventsPerSecond: 10, eventBurst: 20 }

if (!isRoot) console.warn('skipping kiezMdns namespace tests: they need root (ip netns)')

// generous: outcomes are asserted, never speed, and CI shares two cores with every other suite
describe.skipIf(!isRoot)('kiezMdns in network namespaces', { timeout: 120_000 }, () => {
  const lab = new Lab()
  const leaves: Array<{ ns: string, link: Link, box: Proc, id: string }> = []
  let centre: Proc
  let centreId: string
  let centreInstance: string
  let centrePort: string

  const box = (ns: string, name: string, opts: object): Proc => lab.spawn(ns, name, NODE, [BOX, JSON.stringify(opts)])
  const ready = async (p: Proc): Promise<any> => await p.waitFor(l => l.event === 'ready', 30_000, 'ready')
  const kiezPeer = (id: string, iface?: string) => (l: any): boolean =>
    l.event === 'kiez:peer' && l.id === id && (iface == null || l.interface === iface)

  beforeAll(async () => {
    const c = await lab.addNs('kzdc')
    for (const [i, octet] of [[1, 250], [2, 251], [3, 252]] as const) {
      const ns = await lab.addNs(`kzd${i}`)
      leaves.push({ ns, link: await lab.link(c, ns, octet), box: undefined as any, id: '' })
    }
    centre = box(c, 'centre', { init: CENTRE_INIT })
    const r = await ready(centre)
    centreId = r.id
    centreInstance = r.instance
    centrePort = /\/tcp\/(\d+)/.exec(r.addrs[0])![1]!
    for (const leaf of leaves) leaf.box = box(leaf.ns, leaf.ns, { init: INIT })
    for (const leaf of leaves) leaf.id = (await ready(leaf.box)).id
  }, 120_000)

  afterAll(async () => {
    await lab.teardown()
  }, 60_000)

  it('star: the centre finds every leaf on the right interface, each leaf finds the centre, leaves never find each other', async () => {
    for (const leaf of leaves) {
      const seen = await centre.waitFor(kiezPeer(leaf.id), 30_000, `leaf ${leaf.ns}`)
      expect(seen.interface).toBe(leaf.link.aIf)
      expect(seen.from).toBe(leaf.link.bIp)
      expect(seen.multiaddrs.length).toBeGreaterThan(0)
      for (const ma of seen.multiaddrs) expect(in24(ip4Of(ma)!, leaf.link.subnet)).toBe(true)
      // the standard libp2p path saw it too
      await centre.waitFor(l => l.event === 'discovery' && l.id === leaf.id, 30_000, `libp2p discovery of ${leaf.ns}`)

      const back = await leaf.box.waitFor(kiezPeer(centreId), 30_000, `centre from ${leaf.ns}`)
      expect(back.interface).toBe(leaf.link.bIf)
      // only the centre's address on this segment, although it listens on 0.0.0.0 with three links
      expect(back.multiaddrs).toEqual([`/ip4/${leaf.link.aIp}/tcp/${centrePort}`])
    }
    // let several query rounds pass (each leaf re-hears the centre), then check the segments held
    for (const leaf of leaves) {
      await leaf.box.waitFor(() => leaf.box.count(kiezPeer(centreId)) >= 3, 30_000, 'three rounds')
    }
    for (const leaf of leaves) {
      for (const other of leaves.filter(o => o !== leaf)) {
        expect(leaf.box.count(l => l.id === other.id)).toBe(0)
      }
    }
    const info = (await centre.info()).info
    expect(info.links.map((l: any) => l.interface).sort()).toEqual(leaves.map(l => l.link.aIf).sort())
    for (const leaf of leaves) {
      const found = info.peers.find((p: any) => p.peerId === leaf.id)
      expect(found.foundOn.map((f: any) => f.interface)).toEqual([leaf.link.aIf])
    }
  })

  it('interop: a stock @libp2p/mdns node and kiezMdns discover each other', async () => {
    const leaf = leaves[0]!
    const stock = box(leaf.ns, 'stock', { kind: 'stock', init: { interval: 2000 } })
    const stockId = (await ready(stock)).id
    // stock parses our records
    const found = await stock.waitFor(l => l.event === 'discovery' && l.id === centreId, 30_000, 'stock finds centre')
    expect(found.multiaddrs).toContain(`/ip4/${leaf.link.aIp}/tcp/${centrePort}`)
    for (const ma of found.multiaddrs) expect(in24(ip4Of(ma)!, leaf.link.subnet)).toBe(true)
    // we parse stock's records, keeping only what is on the link (stock also announces 127.0.0.1)
    const seen = await centre.waitFor(kiezPeer(stockId), 30_000, 'centre finds stock')
    expect(seen.interface).toBe(leaf.link.aIf)
    expect(seen.multiaddrs.length).toBeGreaterThan(0)
    for (const ma of seen.multiaddrs) expect(in24(ip4Of(ma)!, leaf.link.subnet)).toBe(true)
    await stock.stop()
  })

  it.skipIf(!hasZeroconf)(
    'a stock DNS-SD browser (python3-zeroconf) resolves our instance on its segment',
    async () => {
      const leaf = leaves[1]!
      const browser = lab.spawn(leaf.ns, 'zeroconf', PYTHON, [BROWSE, '_p2p._udp.local.', '20'])
      const svc = await browser.waitFor(
        l => l.event === 'service' && l.name === `${centreInstance}._p2p._udp.local.`,
        30_000,
        'zeroconf service'
      )
      expect(svc.port).toBe(Number(centrePort))
      expect(svc.addresses).toEqual([leaf.link.aIp])
      expect(svc.properties.dnsaddr).toBe(`/ip4/${leaf.link.aIp}/tcp/${centrePort}/p2p/${centreId}`)
      await browser.stop()
    }
  )
  if (!hasZeroconf) console.warn('zeroconf test skipped: apt-get install -y python3-zeroconf')

  it('forged announcements: off-subnet addresses are dropped, malformed packets are survived', async () => {
    const leaf = leaves[2]!
    const forger = lab.spawn(leaf.ns, 'forger', NODE, [
      FORGE,
      JSON.stringify({ mode: 'forged', onLink: '198.19.252.77', otherLink: leaves[0]!.link.bIp })
    ])
    const ids = await forger.waitFor(l => l.event === 'ids', 10_000, 'forger ids')
    await forger.waitFor(l => l.event === 'done', 30_000, 'forger done')
    const mixed = await centre.waitFor(kiezPeer(ids.mixed), 30_000, 'forged peer')
    // 203.0.113.9, the address on ANOTHER of the centre's links and the dns4 name are all gone
    expect(mixed.multiaddrs).toEqual(['/ip4/198.19.252.77/tcp/4001'])
    expect(mixed.interface).toBe(leaf.link.aIf)

    const garbage = lab.spawn(leaf.ns, 'garbage', NODE, [FORGE, JSON.stringify({ mode: 'garbage' })])
    await garbage.waitFor(l => l.event === 'done', 30_000, 'garbage done')
    const info = (await centre.info()).info
    expect(centre.exited).toBe(false)
    expect(centre.count(l => l.id === ids.offOnly)).toBe(0)
    // nothing the centre ever reported lies outside the subnet of the interface it arrived on
    const subnetOf = new Map(leaves.map(l => [l.link.aIf, l.link.subnet]))
    for (const l of centre.lines.filter(l => l.event === 'kiez:peer')) {
      for (const m of l.multiaddrs) expect(in24(ip4Of(m) ?? '', subnetOf.get(l.interface) ?? 'none')).toBe(true)
    }
    expect(info.counters.offSubnetAddrsDropped).toBeGreaterThanOrEqual(3)
    expect(info.counters.oversizedPackets).toBeGreaterThan(0)
    // still serving: a leaf keeps hearing the centre after the garbage
    const heard = leaf.box.count(kiezPeer(centreId))
    await leaf.box.waitFor(() => leaf.box.count(kiezPeer(centreId)) > heard, 30_000, 'centre still answering')
  })

  it('a flood of 10 000 fake announcements stays bounded: events, remembered peers, peer store', async () => {
    const leaf = leaves[2]!
    const before = centre.lines.length
    const flood = lab.spawn(leaf.ns, 'flood', NODE, [
      FORGE,
      JSON.stringify({ mode: 'flood', count: 10_000, subnetPrefix: '198.19.252.' })
    ])
    const done = await flood.waitFor(l => l.event === 'done', 60_000, 'flood done')
    const { info, peerStoreSize } = await centre.info()
    const known = new Set(leaves.map(l => l.id))
    const fakes = centre.lines.slice(before).filter(l => l.event === 'kiez:peer' && !known.has(l.id))
    console.log(
      `flood: sent ${done.sent} in ${done.ms} ms; centre parsed ${info.counters.responsesReceived} responses, emitted ${fakes.length} fake peers, rate-limited ${info.counters.eventsRateLimited}, remembers ${info.peers.length}, peer store ${peerStoreSize}`
    )
    // token bucket invariant: never more than burst + rate * elapsed
    if (fakes.length > 0) {
      const span = (fakes[fakes.length - 1].t - fakes[0].t) / 1000
      expect(fakes.length).toBeLessThanOrEqual(CENTRE_INIT.eventBurst + CENTRE_INIT.maxEventsPerSecond * span + 1)
    }
    expect(fakes.length).toBeLessThan(done.sent / 10)
    expect(info.peers.length).toBeLessThanOrEqual(CENTRE_INIT.maxPeers)
    expect(peerStoreSize).toBeLessThan(1000)
    // real neighbours are heard again right after
    const seen = centre.lines.length
    await centre.waitFor(
      l => l.event === 'kiez:peer' && l.id === leaf.id && centre.lines.indexOf(l) >= seen,
      30_000,
      'real leaf after flood'
    )
  })

  it('while one box floods, a new neighbour elsewhere is still discovered (per-source event budget)', async () => {
    const flooder = lab.spawn(leaves[2]!.ns, 'flood2', NODE, [
      FORGE,
      JSON.stringify({ mode: 'flood', count: 1_000_000, subnetPrefix: '198.19.252.' })
    ])
    // the flood is in effect once the centre starts refusing events
    const limited0 = (await centre.info()).info.counters.eventsRateLimited
    for (let i = 0; i < 100; i++) {
      if ((await centre.info()).info.counters.eventsRateLimited > limited0 + 50) break
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    expect((await centre.info()).info.counters.eventsRateLimited).toBeGreaterThan(limited0 + 50)
    const newcomer = box(leaves[1]!.ns, 'newcomer', { init: INIT })
    const newId = (await ready(newcomer)).id
    const seen = await centre.waitFor(kiezPeer(newId), 60_000, 'newcomer during flood')
    expect(flooder.exited).toBe(false) // still flooding when the newcomer got through
    expect(seen.interface).toBe(leaves[1]!.link.aIf)
    await flooder.stop()
    await newcomer.stop()
  })

  it('a link brought up after start is discovered, and forgotten when it goes down', async () => {
    const ns = await lab.addNs('kzd4')
    const late = box(ns, 'kzd4', { init: INIT })
    const lateId = (await ready(late)).id
    const link = await lab.link('kzdc', ns, 253)
    // on failure, say what both ends saw: a timeout alone tells nothing
    const explain = async (err: unknown): Promise<never> => {
      const [c, l] = await Promise.all([centre.info().catch(() => null), late.info().catch(() => null)])
      throw new Error(`${String(err)}\ncentre info: ${JSON.stringify(c?.info)}\nlate info: ${JSON.stringify(l?.info)}`)
    }
    try {
      const seen = await centre.waitFor(kiezPeer(lateId), 30_000, 'late leaf')
      expect(seen.interface).toBe(link.aIf)
      expect(seen.multiaddrs).toEqual([`/ip4/${link.bIp}/tcp/${/\/tcp\/(\d+)/.exec(seen.multiaddrs[0])![1]}`])
      const back = await late.waitFor(kiezPeer(centreId), 30_000, 'centre from late leaf')
      expect(back.multiaddrs).toEqual([`/ip4/${link.aIp}/tcp/${centrePort}`])
    } catch (err) {
      await explain(err)
    }

    await lab.setLink('kzdc', link.aIf, false)
    let info: any
    for (let i = 0; i < 60; i++) {
      info = (await centre.info()).info
      if (!info.links.some((l: any) => l.interface === link.aIf)) break
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    if (info.links.some((l: any) => l.interface === link.aIf)) {
      await explain(new Error('link still in use after going down'))
    }
    expect(info.peers.some((p: any) => p.peerId === lateId)).toBe(false)
  })
})
