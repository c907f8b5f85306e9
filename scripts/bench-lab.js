// What the lab benchmarks (bench-mesh.js, bench-scale.js, lab-arm64.js) share: waiting, quantiles, a box's
// control client, its RSS, CPU and wire bytes, and arrival times read off every box's entry stream.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ControlClient, controlSocketPath } from '@kiez/daemon/control'

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
export const range = (n) => Array.from({ length: n }, (_, i) => i)
/** q-quantile of an ascending array (nearest rank). */
export const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
export const median = (xs) => quantile([...xs].sort((a, b) => a - b), 0.5)

export const msgOf = (l) => (typeof l.json?.msg === 'string' ? l.json.msg : undefined)
export const logTime = (l) => Date.parse(l.json.time)
export const isMsg = (msg, extra) => (l) => msgOf(l) === msg && (extra === undefined || extra(l.json))

/**
 * How the benchmarks' daemons run, by default as a packaged box does: the CLI's esbuild bundle
 * (BENCH_DAEMON_ENTRY=dist for packages/cli/dist instead) with the packaging's V8 limits
 * (BENCH_DAEMON_NODE_OPTIONS instead, e.g. '' for Node's defaults) and glibc's arena cap
 * (BENCH_DAEMON_MALLOC_ARENA_MAX instead, '' for glibc's default). Returns the lab's init fields
 * (`env`, `command`) and a line saying which.
 */
export function packagedBox (nodeBin) {
  const nodeOptions = process.env.BENCH_DAEMON_NODE_OPTIONS ?? packagedNodeOptions()
  const arenas = process.env.BENCH_DAEMON_MALLOC_ARENA_MAX ?? unitEnvironment('MALLOC_ARENA_MAX')
  const entry = join(
    import.meta.dirname,
    process.env.BENCH_DAEMON_ENTRY === 'dist' ? '../packages/cli/dist/bin.js' : '../packages/cli/bundle/bin.mjs'
  )
  const env = {
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    ...(arenas ? { MALLOC_ARENA_MAX: arenas } : {})
  }
  return {
    init: {
      env,
      command: (box, lab) => [nodeBin, entry, 'daemon', '--data-dir', lab.dataDir(box)]
    },
    says: `daemons run ${entry} with NODE_OPTIONS=${JSON.stringify(nodeOptions ?? '')} MALLOC_ARENA_MAX=${
      JSON.stringify(arenas ?? '')
    }`
  }
}

/** The NODE_OPTIONS (V8 limits) the router packaging sets: the systemd unit's, one source for every package. */
export function packagedNodeOptions () {
  return unitEnvironment('NODE_OPTIONS')
}

/** One Environment= setting of the systemd unit (quoted or not), or undefined. */
function unitEnvironment (name) {
  const unit = readFileSync(join(import.meta.dirname, '../packaging/systemd/kiez.service'), 'utf8')
  return new RegExp(`^Environment="?${name}=([^"\\n]*)"?$`, 'm').exec(unit)?.[1]
}

export function client (lab, box, timeoutMs = 60_000) {
  return new ControlClient({ socketPath: controlSocketPath(lab.dataDir(box)), timeoutMs })
}

export async function waitUntil (what, probe, timeoutMs, intervalMs = 200) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await probe().catch(() => undefined)
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(intervalMs)
  }
}

/** Resident set of a box's daemon: `ip netns exec` execs the command, so the box pid is the node process. */
export function rssMb (pid) {
  return residentMb(pid).rss
}

/**
 * The resident set split as the kernel counts it: `anon` (V8's heap, LevelDB's caches, every malloc: what a
 * flood can grow and what the OOM killer weighs) and `file` (pages of mapped files: Node's own code and
 * LevelDB's memory-mapped tables, clean pages the kernel takes back under pressure).
 */
export function residentMb (pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name) => {
    const m = new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)
    if (m === null) throw new Error(`no ${name} for pid ${pid}`)
    return Number(m[1]) / 1024
  }
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') }
}

/** CPU time (user + system) a process has used so far, in ms (from /proc/PID/stat, clock ticks of 10 ms). */
export function cpuMs (pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** Bytes sent on every link interface of a box (kernel counters, whatever the protocol). */
export async function txBytes (lab, box) {
  const r = await lab.exec(box, ['ip', '-j', '-s', 'link', 'show'])
  if (r.code !== 0) throw new Error(`ip link in box ${box}: ${r.stderr}`)
  return JSON.parse(r.stdout).filter((i) => i.ifname !== 'lo').reduce((s, i) => s + i.stats64.tx.bytes, 0)
}

/** Sum of the replication counters we need over all boxes (GET /sync on each control socket). */
export async function counters (lab, boxes) {
  let gossipReceived = 0
  let entriesIn = 0
  let gossipDuplicates = 0
  for (const b of boxes) {
    const c = (await client(lab, b).sync()).counters
    gossipReceived += c.gossipReceived ?? 0
    entriesIn += c.entriesIn ?? 0
    gossipDuplicates += c.gossipDuplicates ?? 0
  }
  return { gossipReceived, entriesIn, gossipDuplicates }
}

/**
 * Follows every box's entry stream (SSE on its control socket, fed by store.onEntry) and records when
 * each entry id first shows on each box (performance.now()). stop() closes the streams.
 */
export async function followArrivals (lab, boxes) {
  const arrivals = boxes.map(() => new Map())
  const abort = new AbortController()
  await Promise.all(boxes.map((b, i) =>
    new Promise((resolve, reject) => {
      client(lab, b).follow((e) => {
        if (!arrivals[i].has(e.id)) arrivals[i].set(e.id, performance.now())
      }, { signal: abort.signal, onOpen: resolve }).catch(reject)
    })
  ))
  return {
    arrivals,
    everywhere: (id) => arrivals.every((m) => m.has(id)),
    stop: () => abort.abort()
  }
}

/** A box's Prometheus series (GET /metrics on its own gateway, from inside its namespace) as name{labels} → value. */
export async function scrape (lab, box, nodeBin) {
  const probe = 'fetch("http://127.0.0.1:7300/metrics").then(r=>r.text()).then(t=>process.stdout.write(t))'
  const r = await lab.exec(box, [nodeBin, '-e', probe])
  if (r.code !== 0) throw new Error(`GET /metrics in box ${box}: ${r.stderr}`)
  const out = new Map()
  for (const line of r.stdout.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}

/** Sum of one series over boxes (0 where a box lacks it). */
export async function sumSeries (lab, boxes, nodeBin, names) {
  const total = Object.fromEntries(names.map((n) => [n, 0]))
  for (const b of boxes) {
    const m = await scrape(lab, b, nodeBin)
    for (const n of names) total[n] += m.get(n) ?? 0
  }
  return total
}
