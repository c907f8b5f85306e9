import { readFileSync } from 'node:fs'

// A discrete-event model of Kiez's gossip on a neighbourhood of streets: `node scripts/scale-model.js`.
// docs/SCALE.md explains the parameters, checks the model against `npm run bench:scale` and projects 5 000 boxes.
//
//   --check=FILE         bench:scale's output (JSON lines): model beside lab, costs from its calibration
//   --lab                the bench:scale lab (6 streets × 5 houses, chained by corners, 2 shared cores)
//   --streets=N --per-street=N --layout=chain|grid --cores=shared:N|own
//   --posts=N            messages simulated (averages over origins)
//   --exclude=none|sent-before   gossipsub's excludePeers as observed (none) or at its most effective
//
// What it models (js-libp2p gossipsub 14 with Kiez's options, read from node_modules/@libp2p/gossipsub):
// - every box connects to every box on each street it sits on (mDNS on an L2 segment);
// - the gossip mesh: each box keeps D = 6 mesh peers (between Dlo = 4 and Dhi = 12), grafted and pruned
//   symmetrically on heartbeats; fewer if it has fewer neighbours;
// - floodPublish: the author's box sends to every neighbour, not only its mesh peers;
// - a box forwards a message it has not seen to its mesh peers, except the one it came from and those that
//   already sent it the same message (gossipsub's excludePeers); a duplicate is dropped on arrival;
// - entries are ~250 bytes, under IDONTWANT's 512-byte threshold, so no IDONTWANT;
// - CPU: each box is one Node process (serial); under `shared:N` all boxes share N cores (the lab), under
//   `own` each box has its own core (the routers). A first copy costs `firstMs` (validate, store, forward),
//   a duplicate `dupMs`, every copy sent `sendMs`; the wire adds `netMs`.
// Heartbeat gossip (IHAVE/IWANT) is not modelled: with the mesh connected it only repairs losses.

/** Seeded PRNG (mulberry32): the model is deterministic for a given seed. */
export function rng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Streets of `perStreet` houses. chain: street s is joined to s+1 by one corner box (the lab's layout).
 * grid: streets run along the edges of a square grid of blocks; a corner box joins each pair of streets
 * that meet at a crossing (the shape of a real neighbourhood). Returns segments (lists of boxes) and n.
 */
export function streetsTopology ({ streets, perStreet, layout = 'chain' }) {
  let n = 0
  const segments = []
  for (let s = 0; s < streets; s++) segments.push(Array.from({ length: perStreet }, () => n++))
  const join = (a, b) => {
    const c = n++
    segments[a].push(c)
    segments[b].push(c)
  }
  if (layout === 'chain') {
    for (let s = 0; s + 1 < streets; s++) join(s, s + 1)
  } else if (layout === 'grid') {
    // w × w streets laid as a grid: street (r, c) meets (r, c+1) and (r+1, c)
    const w = Math.ceil(Math.sqrt(streets))
    for (let s = 0; s < streets; s++) {
      if (s % w + 1 < w && s + 1 < streets) join(s, s + 1)
      if (s + w < streets) join(s, s + w)
    }
  } else {
    throw new Error(`unknown layout ${layout}`)
  }
  return { n, segments }
}

/** Neighbours of every box: everyone on a shared segment. */
export function neighbours ({ n, segments }) {
  const adj = Array.from({ length: n }, () => new Set())
  for (const seg of segments) for (const a of seg) for (const b of seg) if (a !== b) adj[a].add(b)
  return adj.map((s) => [...s])
}

/** The gossip mesh after `rounds` heartbeats: symmetric, each box between Dlo and Dhi where it can be. */
export function gossipMesh (adj, { D = 6, Dlo = 4, Dhi = 12, rounds = 20, random }) {
  const mesh = adj.map(() => new Set())
  const pick = (xs, k) => {
    const a = [...xs]
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[a[i], a[j]] = [a[j], a[i]]
    }
    return a.slice(0, k)
  }
  for (let r = 0; r < rounds; r++) {
    for (const b of pick(adj.keys(), adj.length)) {
      if (mesh[b].size < Dlo) {
        for (const p of pick(adj[b].filter((p) => !mesh[b].has(p)), D - mesh[b].size)) {
          mesh[b].add(p)
          mesh[p].add(b) // GRAFT is accepted unless the peer is over Dhi, which the prune below fixes
        }
      } else if (mesh[b].size > Dhi) {
        for (const p of pick(mesh[b], mesh[b].size - D)) {
          mesh[b].delete(p)
          mesh[p].delete(b)
        }
      }
    }
  }
  return mesh.map((s) => [...s])
}

/** A binary heap of events ordered by time. */
class Events {
  #h = []
  push (e) {
    const h = this.#h
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (h[p].t <= h[i].t) break
      ;[h[p], h[i]] = [h[i], h[p]]
      i = p
    }
  }
  pop () {
    const h = this.#h
    const top = h[0]
    const last = h.pop()
    if (h.length > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && h[l].t < h[m].t) m = l
        if (r < h.length && h[r].t < h[m].t) m = r
        if (m === i) break
        ;[h[m], h[i]] = [h[i], h[m]]
        i = m
      }
    }
    return top
  }
  get size () {
    return this.#h.length
  }
}

/**
 * One message from `origin`: returns { reachAllMs, sends, arrivals } where arrivals[b] is when box b stored
 * it. CPU: jobs on a box run one at a time; under `cores` (a number) at most that many boxes run at once.
 */
export function propagate ({ adj, mesh, origin, costs, cores, exclude = 'none' }) {
  const n = adj.length
  const { firstMs, dupMs, sendMs, netMs } = costs
  const seen = Array.from({ length: n }, () => false) // a first copy is queued or done
  const storedAt = Array.from({ length: n }, () => undefined)
  const sentBy = Array.from({ length: n }, () => new Set()) // peers that sent b a copy so far
  const queue = Array.from({ length: n }, () => []) // pending jobs per box
  const busy = Array.from({ length: n }, () => false)
  const waiting = [] // boxes with work, waiting for a core (shared cores only)
  let running = 0
  let sends = 0
  const ev = new Events()

  // gossipsub forwards to its mesh peers except the source and (excludePeers) peers whose duplicate it saw
  // while judging the message. 'none': the lab shows no such peers in practice (docs/SCALE.md), since a box
  // judges and forwards a first copy before the other copies are read off the wire.
  const targets = (b, from) => mesh[b].filter((p) => p !== from && (exclude === 'none' || !sentBy[b].has(p)))
  const forwardCount = (b, from) => targets(b, from).length
  const startJob = (b, t) => {
    const job = queue[b].shift()
    busy[b] = true
    running++
    // the send cost is paid for the peers known at the start; the peers are chosen when the job is done
    const cost = job.kind === 'publish'
      ? firstMs + adj[b].length * sendMs
      : job.first
      ? firstMs + forwardCount(b, job.from) * sendMs
      : dupMs
    ev.push({ t: t + cost, kind: 'done', b, job })
  }
  const tryRun = (b, t) => {
    if (busy[b] || queue[b].length === 0) return
    if (cores !== undefined && running >= cores) {
      if (!waiting.includes(b)) waiting.push(b)
      return
    }
    startJob(b, t)
  }

  seen[origin] = true
  queue[origin].push({ kind: 'publish' })
  tryRun(origin, 0)
  while (ev.size > 0) {
    const e = ev.pop()
    const b = e.b
    if (e.kind === 'arrive') {
      sentBy[b].add(e.from)
      queue[b].push({ kind: 'receive', from: e.from, first: !seen[b] })
      seen[b] = true
      tryRun(b, e.t)
      continue
    }
    busy[b] = false
    running--
    let to = []
    if (e.job.kind === 'publish') {
      to = adj[b] // floodPublish
      storedAt[b] = e.t - to.length * sendMs // stored (and on its own stream) before it is sent
    } else if (e.job.first) {
      // forwarded once judged, to mesh peers except the source and those that sent it meanwhile (excludePeers)
      to = targets(b, e.job.from)
      storedAt[b] = e.t
    }
    for (const p of to) {
      sends++
      ev.push({ t: e.t + netMs, kind: 'arrive', b: p, from: b })
    }
    tryRun(b, e.t)
    while (waiting.length > 0 && (cores === undefined || running < cores)) tryRun(waiting.shift(), e.t)
  }
  const reachAllMs = Math.max(...storedAt.map((x) => x ?? Number.POSITIVE_INFINITY)) - storedAt[origin]
  return { reachAllMs, sends, storedAt }
}

/** Hops from origin to the farthest box over the neighbour graph (the lower bound on forwarding steps). */
export function eccentricity (adj, origin) {
  const d = Array.from({ length: adj.length }, () => -1)
  d[origin] = 0
  const q = [origin]
  while (q.length > 0) {
    const b = q.shift()
    for (const p of adj[b]) {
      if (d[p] === -1) {
        d[p] = d[b] + 1
        q.push(p)
      }
    }
  }
  return Math.max(...d)
}

const quantile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]
}

/** Runs `posts` messages from houses in turn; figures as bench:scale names them. */
export function simulate ({ streets, perStreet, layout, cores, costs, exclude, posts = 40, seed = 1 }) {
  const topo = streetsTopology({ streets, perStreet, layout })
  const adj = neighbours(topo)
  const random = rng(seed)
  const mesh = gossipMesh(adj, { random })
  const houses = topo.segments.flatMap((s) => s.slice(0, perStreet))
  const reach = []
  let sends = 0
  let hops = 0
  for (let i = 0; i < posts; i++) {
    const origin = houses[(i * 7) % houses.length]
    const r = propagate({ adj, mesh, origin, costs, cores, exclude })
    reach.push(r.reachAllMs)
    sends += r.sends
    hops = Math.max(hops, eccentricity(adj, origin))
  }
  return {
    boxes: topo.n,
    reach_all_ms_p50: quantile(reach, 0.5),
    reach_all_ms_p99: quantile(reach, 0.99),
    sends_per_delivered_entry: sends / (posts * (topo.n - 1)),
    mesh_degree_mean: mesh.reduce((s, m) => s + m.length, 0) / mesh.length,
    neighbours_mean: adj.reduce((s, a) => s + a.length, 0) / adj.length,
    hops_max: hops
  }
}

/** Figures averaged over `seeds` gossip meshes (a real mesh is one random draw; so is each lab run's). */
export function simulateSeeds (opts, seeds = 5) {
  const runs = Array.from({ length: seeds }, (_, i) => simulate({ ...opts, seed: i + 1 }))
  return Object.fromEntries(Object.keys(runs[0]).map((k) => [k, runs.reduce((s, r) => s + r[k], 0) / seeds]))
}

/**
 * The check against the lab: costs from bench:scale's own calibration lines (a street of 2 and of 3 boxes),
 * the lab's topology and 2 shared cores; model and lab side by side for the figures both have.
 */
export function checkAgainstLab (metrics, { streets = 6, perStreet = 5, netMs = 0.1, cores = 2 } = {}) {
  const need = (k) => {
    if (!metrics.has(k)) throw new Error(`bench:scale output lacks ${k}`)
    return metrics.get(k)
  }
  const costs = {
    firstMs: need('cpu_ms_per_received_entry'),
    sendMs: Math.max(0, need('cpu_ms_per_send')),
    dupMs: Math.max(0, need('cpu_ms_per_duplicate')),
    netMs
  }
  const model = simulateSeeds({ streets, perStreet, layout: 'chain', cores, costs, posts: 40 })
  return ['reach_all_ms_p50', 'sends_per_delivered_entry'].map((metric) => {
    const lab = need(metric)
    return {
      metric,
      lab,
      model: model[metric],
      ratio: model[metric] / lab,
      within25: Math.abs(model[metric] / lab - 1) <= 0.25
    }
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, dflt) => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`))
    return a === undefined ? dflt : a.slice(name.length + 3)
  }
  const check = arg('check', undefined)
  if (check !== undefined) {
    const metrics = new Map(
      readFileSync(check, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
        .map((m) => [m.metric, m.value])
    )
    for (const row of checkAgainstLab(metrics)) console.log(JSON.stringify(row))
    process.exit(0)
  }
  const lab = process.argv.includes('--lab')
  const coresArg = arg('cores', lab ? 'shared:2' : 'own')
  const cores = coresArg === 'own' ? undefined : Number(coresArg.split(':')[1])
  // Costs (ms). Defaults are the figures docs/SCALE.md derives from the 2-box calibration of bench:scale.
  const costs = {
    firstMs: Number(arg('first-ms', '2.0')),
    dupMs: Number(arg('dup-ms', '0.3')),
    sendMs: Number(arg('send-ms', '0.3')),
    netMs: Number(arg('net-ms', '0.1'))
  }
  const r = simulateSeeds({
    streets: Number(arg('streets', lab ? '6' : '250')),
    perStreet: Number(arg('per-street', lab ? '5' : '20')),
    layout: arg('layout', lab ? 'chain' : 'grid'),
    cores,
    costs,
    exclude: arg('exclude', 'none'),
    posts: Number(arg('posts', '40'))
  })
  for (const [metric, value] of Object.entries(r)) {
    console.log(JSON.stringify({ metric, value: Math.round(value * 100) / 100 }))
  }
}
