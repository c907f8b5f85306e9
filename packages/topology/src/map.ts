import type { Topology } from './service.js'
import type { Report } from './wire.js'

export interface MapBox {
  peerId: string
  /** true for the box that drew the map */
  self?: boolean
  /** links from the self box, over links any report names; null if only mentioned, not linked */
  hops: number | null
  /** false when the box's own neighbour list did not reach us (it is only named by others) */
  reported: boolean
  /** its clock minus ours, for boxes we asked directly */
  clockOffsetMs?: number
}

export interface MapLink {
  a: string
  b: string
  latencyMs?: number
  /** the boxes that list this link as connected */
  reportedBy: string[]
  /** listed by only one of its two ends: a claim nobody confirmed */
  oneSided: boolean
}

export interface TopologyMap {
  self: string
  boxes: MapBox[]
  links: MapLink[]
  /** boxes that did not answer, with the reason code */
  failures: Array<{ peerId: string, code: string }>
  /** a bound (boxes, hops or time) stopped the crawl before it ran out of boxes */
  truncated: boolean
  durationMs: number
}

export interface CrawlOptions {
  /**
   * Farthest box, in links from us; at most 3.
   *
   * @default 3
   */
  maxHops?: number
  /**
   * Most boxes on the map; past it the crawl stops and the map is marked truncated.
   *
   * @default 64
   */
  maxBoxes?: number
  /**
   * Overall deadline of the crawl, in milliseconds.
   *
   * @default 10000
   */
  timeoutMs?: number
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
}

/**
 * Our own report, then each connected neighbour's answer to a relayed query
 * (depth maxHops − 1: a segment's boxes cannot dial past their neighbours,
 * so the neighbours ask on; see docs/TOPOLOGY.md), merged into one map.
 */
export async function crawl (topology: Topology, opts: CrawlOptions = {}): Promise<TopologyMap> {
  const now = opts.now ?? Date.now
  const started = now()
  const maxHops = Math.max(1, Math.min(opts.maxHops ?? 3, 3))
  const maxBoxes = opts.maxBoxes ?? 64
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000)
  const me = await topology.self()
  const reports = new Map<string, Report>([[me.peerId, me]])
  const offsets = new Map<string, number>()
  const failures: TopologyMap['failures'] = []
  let truncated = false
  const direct = me.neighbours.filter((n) => n.connected)
  const answers = await Promise.allSettled(
    direct.map(async (n) => await topology.query(n.peerId, maxHops - 1, { signal }))
  )
  answers.forEach((a, i) => {
    const peerId = direct[i]?.peerId ?? ''
    if (a.status === 'rejected') {
      failures.push({ peerId, code: (a.reason as { code?: string })?.code ?? 'unreachable' })
      return
    }
    offsets.set(peerId, Math.round(a.value.clockMs - (a.value.sentAtMs + a.value.rttMs / 2)))
    // the direct answer speaks for its sender first; relayed ones never replace a box's own
    for (const r of a.value.reports) {
      if (reports.has(r.peerId)) continue
      if (reports.size >= maxBoxes) {
        truncated = true
        break
      }
      reports.set(r.peerId, r)
    }
  })
  if (signal.aborted) truncated = true
  const map = merge(me.peerId, [...reports.values()], { maxHops, maxBoxes })
  for (const b of map.boxes) {
    const o = offsets.get(b.peerId)
    if (o !== undefined) b.clockOffsetMs = o
  }
  return { ...map, failures, truncated: truncated || map.truncated, durationMs: now() - started }
}

/** Pure: reports → boxes within maxHops and the links between them. */
export function merge (
  self: string,
  reports: Report[],
  bounds: { maxHops: number, maxBoxes: number }
): Omit<TopologyMap, 'failures' | 'durationMs'> {
  const byId = new Map(reports.map((r) => [r.peerId, r]))
  const links = new Map<string, MapLink & { latencies: number[] }>()
  const adj = new Map<string, Set<string>>()
  for (const r of reports) {
    for (const n of r.neighbours) {
      if (!n.connected || n.peerId === r.peerId) continue
      const [a, b] = r.peerId < n.peerId ? [r.peerId, n.peerId] : [n.peerId, r.peerId]
      const key = `${a} ${b}`
      let l = links.get(key)
      if (l === undefined) {
        l = { a, b, reportedBy: [], oneSided: true, latencies: [] }
        links.set(key, l)
      }
      if (!l.reportedBy.includes(r.peerId)) l.reportedBy.push(r.peerId)
      if (n.latencyMs !== undefined) l.latencies.push(n.latencyMs)
      for (const [x, y] of [[a, b], [b, a]] as const) {
        const s = adj.get(x) ?? new Set<string>()
        s.add(y)
        adj.set(x, s)
      }
    }
  }
  // breadth-first from us: hops, and the bound on how far the map reaches
  const hops = new Map<string, number>([[self, 0]])
  const queue = [self]
  let truncated = false
  while (queue.length > 0) {
    const x = queue.shift() as string
    const h = hops.get(x) ?? 0
    for (const y of [...(adj.get(x) ?? [])].sort()) {
      if (hops.has(y)) continue
      if (h + 1 > bounds.maxHops || hops.size >= bounds.maxBoxes) {
        truncated = true
        continue
      }
      hops.set(y, h + 1)
      queue.push(y)
    }
  }
  const boxes: MapBox[] = [...hops].map(([peerId, h]) => ({
    peerId,
    ...(peerId === self ? { self: true } : {}),
    hops: h,
    reported: byId.has(peerId)
  }))
  boxes.sort((x, y) => (x.hops ?? 99) - (y.hops ?? 99) || x.peerId.localeCompare(y.peerId))
  const out: MapLink[] = []
  for (const l of links.values()) {
    if (!hops.has(l.a) || !hops.has(l.b)) continue
    const link: MapLink = { a: l.a, b: l.b, reportedBy: l.reportedBy.sort(), oneSided: l.reportedBy.length < 2 }
    if (l.latencies.length > 0) {
      link.latencyMs = Math.round(l.latencies.reduce((s, v) => s + v, 0) / l.latencies.length * 100) / 100
    }
    out.push(link)
  }
  out.sort((x, y) => x.a.localeCompare(y.a) || x.b.localeCompare(y.b))
  return { self, boxes, links: out, truncated }
}
