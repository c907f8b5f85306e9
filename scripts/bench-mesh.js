// npm run bench:mesh — the mesh benchmark: real daemons in lab namespaces (root only).
// Prints one JSON line per figure, {"metric", "value", "unit"}, progress on stderr.
// One run, nothing asserted: benchmarks report, tests assert. Every time below is
// read from this machine's one clock (the daemons' log timestamps, Date.now()
// here, performance.now() for in-process intervals), so figures from different
// boxes are comparable.
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'

if (typeof process.getuid === 'function' && process.getuid() !== 0) {
  process.stderr.write(
    'bench:mesh needs root (it builds network namespaces); skipped. Run it as root: sudo npm run bench:mesh\n'
  )
  process.exit(0)
}

const { createLab, line, streets, labSkipReason, NODE_BIN } = await import('../test/lab/index.ts')
const skip = labSkipReason()
if (skip !== undefined) {
  process.stderr.write(`bench:mesh skipped: ${skip}\n`)
  process.exit(0)
}
const { chain, emit, emitVerifyPerSecond, progress } = await import('./bench-common.js')
const { FeedStore } = await import('@kiez/store')
const {
  client,
  counters,
  followArrivals,
  isMsg,
  logTime,
  median,
  packagedBox,
  quantile,
  range,
  residentMb,
  rssMb,
  sleep,
  txBytes,
  waitUntil
} = await import('./bench-lab.js')
const { memoryCgroup, uncachedCopy } = await import('./memory-cgroup.js')

// --only=line,delete,streets,catchup,small,reconcile runs a subset; BENCH_DAEMON_NODE_OPTIONS is handed to every daemon
// instead of the packaged V8 limits (e.g. '' for Node's defaults, --max-old-space-size=64 to see how much of
// the RSS is uncollected garbage); BENCH_DAEMON_ENTRY=dist runs packages/cli/dist instead of the bundle.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',')
const runs = (name) => only === undefined || only.includes(name)
// By default the daemons run as a packaged box does (bundle, V8 limits), so start-up and RSS are a router's.
const packaged = packagedBox(NODE_BIN)
const labEnv = packaged.init
progress(packaged.says)

const LINE_BOXES = 10
const HOP_POSTS = 100
const STREET_POSTS = 50
let wireBytesPerSend
const CATCHUP_ENTRIES = 100_000

/** Per relay hop, for each message's arrival times (box 0 … n−1): (at box k − at box 1) / (k − 1), k ≥ 2. */
function relayHops (perMessage) {
  const out = []
  for (const times of perMessage) {
    for (let k = 2; k < times.length; k++) out.push((times[k] - times[1]) / (k - 1))
  }
  return out.sort((a, b) => a - b)
}

/**
 * Runs scripts/raw-gossip-box.js on every box of the line (box k dials box k+1 over their link),
 * box 0 publishes `n` messages one every `spacingMs`; returns each message's arrival time per box,
 * read as this process sees each box's output line (as Kiez's arrivals are read off its event streams).
 */
async function rawGossipLine (lab, n, spacingMs) {
  const boxes = range(lab.boxes)
  const arrivals = boxes.map(() => new Map())
  const script = join(import.meta.dirname, 'raw-gossip-box.js')
  const addrs = []
  const procs = []
  // started from the far end, so each box's neighbour is listening when it dials
  for (const b of [...boxes].reverse()) {
    const args = ['--listen', '0.0.0.0']
    if (b + 1 < lab.boxes) {
      args.push('--dial', `/ip4/${lab.address(b + 1, b)}/tcp/${addrs[b + 1].port}/p2p/${addrs[b + 1].peerId}`)
    }
    if (b === 0) args.push('--publish', String(n), '--spacing', String(spacingMs))
    procs[b] = lab.start(b, {
      command: [process.execPath, script, ...args],
      onLine: (line) => {
        const j = line.json
        if ((j?.msg === 'got' || j?.msg === 'sent') && !arrivals[b].has(j.id)) arrivals[b].set(j.id, performance.now())
      }
    })
    const listening = await lab.waitForLog(b, (l) => l.json?.msg === 'listening', 30_000)
    addrs[b] = listening.json
  }
  progress(`raw gossipsub: waiting for the line to connect`)
  await Promise.all(boxes.map((b) => lab.waitForLog(b, (l) => l.json?.msg === 'peer', 30_000)))
  await sleep(2000) // a heartbeat or two to build the mesh
  procs[0].kill('SIGUSR2')
  const ids = range(n).map((i) => `raw ${i}`)
  await waitUntil(
    'every raw message on every box',
    async () => ids.every((id) => arrivals.every((m) => m.has(id))),
    60_000,
    50
  )
  for (const b of boxes) await lab.kill(b)
  return ids.map((id) => arrivals.map((m) => m.get(id)))
}

/**
 * Posts `n` entries on box `origin`, one every `spacingMs`, and records when each
 * box's entry stream (SSE on its control socket, fed by store.onEntry) shows it,
 * with the replication counters and kernel tx bytes of all boxes around the burst.
 */
async function postAndWatch (lab, origin, n, spacingMs) {
  const boxes = range(lab.boxes)
  const { arrivals, everywhere, stop } = await followArrivals(lab, boxes)
  try {
    // Warm-up: gossipsub builds its mesh on heartbeats; a few posts make sure the paths are hot.
    progress('warming up the gossip mesh')
    await sleep(2000)
    for (let i = 0; i < 5; i++) {
      const { id } = await client(lab, origin).post({ text: `warm-up ${i}` })
      await waitUntil('a warm-up post on every box', async () => everywhere(id), 30_000, 20)
    }
    await sleep(1000)

    const before = await counters(lab, boxes)
    const txBefore = await Promise.all(boxes.map((b) => txBytes(lab, b)))
    progress(`posting ${n} entries on box ${origin + 1}, one every ${spacingMs} ms`)
    const posted = []
    for (let i = 0; i < n; i++) {
      posted.push((await client(lab, origin).post({ text: `bench ${i}` })).id)
      await sleep(spacingMs)
    }
    await waitUntil('every post on every box', async () => posted.every(everywhere), 60_000, 50)
    await sleep(1500) // let late duplicates and IHAVE/IWANT traffic land in the counters
    const after = await counters(lab, boxes)
    const txAfter = await Promise.all(boxes.map((b) => txBytes(lab, b)))

    // Sends = messages the boxes' gossip validators saw + entries sync carried. Gossipsub drops a copy it
    // has already seen BEFORE validation and the daemon does not count those, so this is a lower bound;
    // the kernel's byte counters catch everything (gossip control traffic, pings, TCP/IP headers).
    const delivered = n * (lab.boxes - 1)
    const sends = (after.gossipReceived - before.gossipReceived) + (after.entriesIn - before.entriesIn)
    const wire = txAfter.reduce((sum, v, i) => sum + v - txBefore[i], 0)
    return { arrivals, posted, sendsPerDelivered: sends / delivered, wirePerDelivered: wire / delivered }
  } finally {
    stop()
  }
}

// ---- verify_per_s: the single-entry signature check of @kiez/feed (the catch-up goal's baseline) ----
progress(`signing ${CATCHUP_ENTRIES} entries (one author) for the catch-up`)
const entries = chain(7, CATCHUP_ENTRIES, (i) => `bench entry ${i}: a short neighbourhood post`)
emitVerifyPerSecond(entries)

// ---- a 10-box segmented line: first neighbour, hop latency, gossip overhead, RSS ----
// In-process, no daemons: the heads exchange at 100 000 authors (scripts/bench-reconcile.js, issue 17 §2).
if (runs('reconcile')) {
  const { benchReconcile } = await import('./bench-reconcile.js')
  await benchReconcile()
}

if (runs('line')) {
  const lab = await createLab({ ...line(LINE_BOXES), ...labEnv })
  try {
    // Even boxes first; then each odd box starts next to running neighbours, and its time to the first is measured.
    const even = range(LINE_BOXES).filter((b) => b % 2 === 0)
    const odd = range(LINE_BOXES).filter((b) => b % 2 === 1)
    progress(`starting ${even.length} daemons, then ${odd.length} next to them`)
    for (const b of even) lab.start(b)
    await Promise.all(even.map((b) => lab.waitForLog(b, isMsg('daemon started'), 60_000)))
    // One at a time, so five node processes loading libp2p at once on a small machine do not skew the figure.
    const fromSpawn = []
    const toListen = []
    for (const b of odd) {
      const spawnedAt = Date.now()
      lab.start(b)
      const conn = await lab.waitForLog(b, isMsg('peer connected'), 30_000)
      const listening = await lab.waitForLog(b, isMsg('mesh node started'), 1000)
      fromSpawn.push(logTime(conn) - spawnedAt)
      toListen.push(logTime(listening) - spawnedAt)
      await lab.waitForLog(b, isMsg('daemon started'), 30_000)
    }
    // Every daemon here finds neighbours by mDNS only (no bootstrap, segment links). The running neighbour
    // often hears the newcomer's announcement and dials it before the newcomer's own start() has returned,
    // so the connection can be logged before 'mesh node started': measure both from the spawn.
    emit('first_neighbour_ms', median(fromSpawn), 'ms')
    // the slowest of the starts: issue 17's goal is a p95, so runs are pooled by their max and their medians
    emit('first_neighbour_ms_max', Math.max(...fromSpawn), 'ms')
    emit('daemon_listening_ms', median(toListen), 'ms')

    const ids = await Promise.all(range(LINE_BOXES).map(async (b) => (await client(lab, b).status()).peerId))
    progress('waiting for the whole line to connect')
    await Promise.all(
      range(LINE_BOXES).map((b) =>
        waitUntil(`box ${b} to connect to its neighbours`, async () => {
          const connected = (await client(lab, b).peers()).peers.filter((p) => p.connected).map((p) => p.peerId)
          return [ids[b - 1], ids[b + 1]].filter((x) => x !== undefined).every((id) => connected.includes(id))
        }, 60_000)
      )
    )

    const run = await postAndWatch(lab, 0, HOP_POSTS, 50)
    const { arrivals, posted } = run

    // Per hop: (arrival at box k − arrival at box 1) / k, for every post and every k ≥ 1.
    const perHop = []
    for (const id of posted) {
      const t0 = arrivals[0].get(id)
      for (let k = 1; k < LINE_BOXES; k++) perHop.push((arrivals[k].get(id) - t0) / k)
    }
    perHop.sort((a, b) => a - b)
    emit('hop_latency_ms_p50', quantile(perHop, 0.5), 'ms')
    emit('hop_latency_ms_p99', quantile(perHop, 0.99), 'ms')
    const endToEnd = posted.map((id) => arrivals[LINE_BOXES - 1].get(id) - arrivals[0].get(id)).sort((a, b) => a - b)
    emit('line10_end_to_end_ms_p50', quantile(endToEnd, 0.5), 'ms')
    emit('sends_per_delivered_entry_line10', run.sendsPerDelivered, 'sends')
    emit('wire_bytes_per_delivered_entry_line10', run.wirePerDelivered, 'bytes')
    // On a line every delivery is exactly one send, so this is what one send costs on the wire, all overheads included.
    wireBytesPerSend = run.wirePerDelivered / run.sendsPerDelivered

    progress('at rest: resident memory of every box')
    await sleep(3000)
    emit('rss_mb_line10_max', Math.max(...range(LINE_BOXES).map((b) => rssMb(lab.process(b).pid))), 'MB')

    // The same line with plain js-libp2p gossipsub, in the same namespaces: the library's own hop
    // latency beside Kiez's. Both are taken over relay hops only (box 2 … 10 against box 1), so neither
    // origin's publishing path (Kiez: the local post API) is in the figure.
    const kiezRelay = relayHops(posted.map((id) => arrivals.map((m) => m.get(id))))
    for (const b of range(LINE_BOXES)) await lab.kill(b)
    const raw = await rawGossipLine(lab, HOP_POSTS, 50)
    const rawRelay = relayHops(raw)
    emit('raw_gossipsub_hop_latency_ms_p50', quantile(rawRelay, 0.5), 'ms')
    emit('hop_latency_relay_ms_p50', quantile(kiezRelay, 0.5), 'ms')
    emit('hop_latency_vs_raw_gossipsub', quantile(kiezRelay, 0.5) / quantile(rawRelay, 0.5), 'x')
  } finally {
    await lab.close()
  }
}

// ---- delete_propagation_ms: a delete on box 1 of a 5-box segmented line, until the post has left box 5's feed ----
if (runs('delete')) {
  const BOXES = 5
  const DELETES = 10
  const lab = await createLab({ ...line(BOXES), ...labEnv })
  try {
    progress(`starting ${BOXES} daemons on a segmented line`)
    for (const b of range(BOXES)) lab.start(b)
    await Promise.all(range(BOXES).map((b) => lab.waitForLog(b, isMsg('daemon started'), 60_000)))
    const inFeed = async (box, id) => (await client(lab, box).feed({ limit: 200 })).entries.some((e) => e.id === id)
    const ids = []
    for (let i = 0; i < DELETES; i++) ids.push((await client(lab, 0).post({ text: `to be deleted ${i}` })).id)
    progress(`waiting for ${DELETES} posts on every box`)
    await waitUntil(
      'every post on box 5',
      async () => {
        for (const id of ids) if (!await inFeed(BOXES - 1, id)) return false
        return true
      },
      60_000,
      100
    )
    const times = []
    for (const id of ids) {
      const t0 = performance.now()
      await client(lab, 0).deleteEntry(id)
      await waitUntil('the post to leave box 5', async () => !await inFeed(BOXES - 1, id), 30_000, 10)
      times.push(performance.now() - t0)
    }
    // Polled every 10 ms on the far box (a delete is not an event of its stream): up to ~10 ms of the figure is the poll.
    emit('delete_propagation_ms', median(times), 'ms')
  } finally {
    await lab.close()
  }
}

// ---- gossip overhead where it can show: streets(3), three L2 segments of four boxes joined by two corners ----
if (runs('streets')) {
  const lab = await createLab({ ...streets(3), ...labEnv })
  try {
    progress(`starting ${lab.boxes} daemons on three street segments`)
    for (const b of range(lab.boxes)) lab.start(b)
    await Promise.all(range(lab.boxes).map((b) => lab.waitForLog(b, isMsg('daemon started'), 60_000)))
    // Every box on a segment connects to every other box on it (mDNS), corners to both of theirs.
    const segments = lab.spec.links
    await Promise.all(
      range(lab.boxes).map((b) =>
        waitUntil(`box ${b} to connect to its segments`, async () => {
          const want = new Set(segments.filter((m) => m.includes(b)).flat().filter((x) => x !== b))
          const connected = (await client(lab, b).peers()).peers.filter((p) => p.connected).length
          return connected >= want.size
        }, 60_000)
      )
    )
    const run = await postAndWatch(lab, 0, STREET_POSTS, 50)
    emit('sends_per_delivered_entry', run.sendsPerDelivered, 'sends')
    emit('wire_bytes_per_delivered_entry', run.wirePerDelivered, 'bytes')
    // Every send costs about the same on the wire (the line run measured it), so bytes give the sends the counters miss.
    if (wireBytesPerSend !== undefined) {
      emit('sends_per_delivered_entry_wire_estimate', run.wirePerDelivered / wireBytesPerSend, 'sends')
    }
  } finally {
    await lab.close()
  }
}

/** Writes the catch-up's 100k entries into a box's store before it starts (the catch-up's source). */
async function writeEntries (lab, box) {
  progress(`writing ${CATCHUP_ENTRIES} entries into box ${box}'s store before it starts`)
  mkdirSync(lab.dataDir(box), { recursive: true, mode: 0o700 })
  const store = await FeedStore.open({ path: join(lab.dataDir(box), 'feed') })
  const inFlight = new Set()
  for (let i = 0; i < entries.length; i += 500) {
    const p = store.ingestRange(entries.slice(i, i + 500).map((e) => e.bytes)).then((r) => {
      if (r.rejection) throw new Error(`range rejected: ${r.rejection.code}`)
    })
    inFlight.add(p)
    // settles either way, so no unhandled rejection here (the race/all below sees p's)
    void p.then(() => inFlight.delete(p), () => inFlight.delete(p))
    if (inFlight.size >= 4) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  if (store.stats().entries !== CATCHUP_ENTRIES) {
    throw new Error(`the source store holds ${store.stats().entries} entries`)
  }
  await store.close()
}

// ---- catch-up: 100k entries over one link into an empty box, then RSS at rest ----
if (runs('catchup')) {
  const lab = await createLab({ ...line(2), ...labEnv })
  try {
    await writeEntries(lab, 0)
    lab.start(0)
    await lab.waitForLog(0, isMsg('daemon started'), 60_000)
    progress('starting the empty box')
    lab.start(1)
    const conn = await lab.waitForLog(1, isMsg('peer connected'), 60_000)
    const c1 = client(lab, 1)
    // The catch-up is the heaviest inflow a box sees (100k entries as fast as the link and store take them):
    // the receiving box's peak RSS while it lasts is the figure a router's RAM must hold.
    let peakRss = 0
    const sampler = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, rssMb(lab.process(1).pid))
      } catch {}
    }, 100)
    const doneAt = await waitUntil(
      'the empty box to catch up',
      async () => {
        const n = (await c1.status()).counts.entries
        return n === CATCHUP_ENTRIES ? Date.now() : undefined
      },
      600_000,
      100
    )
    clearInterval(sampler)
    const seconds = (doneAt - logTime(conn)) / 1000
    emit('catchup_entries_per_s', CATCHUP_ENTRIES / seconds, 'entries/s')
    emit('rss_mb_under_flood', peakRss, 'MB')
    progress(`caught up in ${seconds.toFixed(2)} s from the connection (status polled every 100 ms)`)

    await sleep(5000)
    // Right after a 100k catch-up the heap has grown to hold it and V8 keeps the pages: a figure of its own.
    emit('rss_mb_after_catchup', Math.max(...[0, 1].map((b) => rssMb(lab.process(b).pid))), 'MB')
    // At rest: both boxes restarted with their 100k entries, neighbours connected again, nothing flowing.
    progress('restarting both boxes to measure RSS at rest')
    for (const b of [0, 1]) await lab.restart(b)
    await Promise.all([0, 1].map((b) => lab.waitForLog(b, isMsg('peer connected'), 60_000)))
    await sleep(5000)
    const rest = [0, 1].map((b) => residentMb(lab.process(b).pid))
    emit('rss_mb', Math.max(...rest.map((r) => r.rss)), 'MB')
    // the same boxes' RSS split (docs/OPERATIONS.md, "Memory"): anonymous memory, and mapped files' pages
    emit('rss_anon_mb', Math.max(...rest.map((r) => r.anon)), 'MB')
    emit('rss_file_mb', Math.max(...rest.map((r) => r.file)), 'MB')
  } finally {
    await lab.close()
  }
}

// ---- a small box: a box whose memory cgroup is a small router's RAM, at rest and catching up ----
// The kernel charges the group the box's anonymous memory and the page cache it fills (its own copy of Node's
// binary included), reclaims clean pages at the limit and OOM-kills inside the group when it cannot: whether a
// box lives in N MB is the kernel's answer. A box short of memory rarely dies: it thrashes, re-reading its own
// code from disk, so major faults per second are the figure to read beside the speed. BENCH_SMALL_MB lists the
// limits (default 128, issue 17's goal, and 160); BENCH_SMALL_NODE_OPTIONS replaces the V8 limits of the box in
// the group only, as OpenWrt's max_heap_mb and semi_space_mb do (e.g. '--max-old-space-size=64 --max-semi-space-size=1').
if (runs('small')) {
  const limits = (process.env.BENCH_SMALL_MB ?? '128,160').split(',').map(Number).filter((n) => n > 0)
  const CATCHUP_BUDGET_MS = 120_000
  if (process.env.BENCH_SMALL_NODE_OPTIONS !== undefined) {
    progress(`the box in the group runs with NODE_OPTIONS=${JSON.stringify(process.env.BENCH_SMALL_NODE_OPTIONS)}`)
  }
  for (const mb of limits) {
    const cg = memoryCgroup(`kiez-bench-${process.pid}-${mb}mb`, mb)
    if (cg.unavailable !== undefined) {
      progress(`small box skipped: ${cg.unavailable}`)
      break
    }
    const lab = await createLab({ ...line(2), ...labEnv })
    try {
      for (const box of [0, 1]) await writeEntries(lab, box)
      lab.start(0)
      await lab.waitForLog(0, isMsg('daemon started'), 60_000)
      // box 1 runs its own copy of Node, so the binary's pages it touches are charged to its group
      const argv = labEnv.command(1, lab)
      const node = uncachedCopy(argv[0], join(dirname(lab.dataDir(1)), 'node-in-cgroup'))
      const inGroup = () => {
        const smallOptions = process.env.BENCH_SMALL_NODE_OPTIONS
        const proc = lab.start(1, {
          command: [node, ...argv.slice(1)],
          ...(smallOptions !== undefined ? { env: { NODE_OPTIONS: smallOptions } } : {})
        })
        cg.add(proc.pid)
      }

      // the first start builds box 1's search index from its store (seconds of reads and writes); a box at rest
      // has its index, as a box that caught up and restarted has, so that start is outside the group
      progress('box 1 builds its search index outside the group')
      lab.start(1)
      await lab.waitForLog(1, isMsg('search: the index is current'), 300_000)
      await lab.kill(1)
      progress(`at rest: box 1 with the same ${CATCHUP_ENTRIES} entries in a ${mb} MB memory cgroup`)
      inGroup()
      await lab.waitForLog(1, isMsg('peer connected'), 120_000)
      await sleep(5000)
      const faults = cg.majorFaults()
      await sleep(10_000)
      emit(`major_faults_per_s_at_rest_in_${mb}mb`, (cg.majorFaults() - faults) / 10, 'faults/s')
      const rest = residentMb(lab.process(1).pid)
      emit(`cgroup_mb_at_rest_in_${mb}mb`, cg.usageMb(), 'MB')
      emit(`rss_mb_at_rest_in_${mb}mb`, rest.rss, 'MB')
      emit(`rss_anon_mb_at_rest_in_${mb}mb`, rest.anon, 'MB')

      progress(`catching up: box 1 emptied, ${CATCHUP_BUDGET_MS / 1000} s at most`)
      await lab.kill(1)
      rmSync(lab.dataDir(1), { recursive: true, force: true })
      inGroup()
      const conn = await lab.waitForLog(1, isMsg('peer connected'), 120_000)
      const c1 = client(lab, 1, 10_000)
      let peakAnon = 0
      let entriesIn = 0
      const sampler = setInterval(() => {
        try {
          peakAnon = Math.max(peakAnon, residentMb(lab.process(1).pid).anon)
        } catch {}
      }, 100)
      const end = logTime(conn) + CATCHUP_BUDGET_MS
      const outcome = await waitUntil(
        'the small box to catch up, die or run out of time',
        async () => {
          if (!lab.process(1).alive) return { died: true }
          entriesIn = (await c1.status()).counts.entries
          if (entriesIn === CATCHUP_ENTRIES) return { doneAt: Date.now() }
          return Date.now() > end ? { slow: true } : undefined
        },
        CATCHUP_BUDGET_MS + 60_000,
        100
      )
      clearInterval(sampler)
      const seconds = ((outcome.doneAt ?? Date.now()) - logTime(conn)) / 1000
      emit(`caught_up_in_${mb}mb`, outcome.doneAt !== undefined ? 1 : 0, 'bool')
      emit(`catchup_entries_per_s_in_${mb}mb`, entriesIn / seconds, 'entries/s')
      emit(`rss_anon_mb_peak_in_${mb}mb`, peakAnon, 'MB')
      emit(`oom_kills_in_${mb}mb`, cg.oomKills(), 'kills')
    } catch (err) {
      // a group that was made but cannot take the box (a cgroup v2 host whose manager owns the tree): no figure
      if (err.code !== 'cgroup_add') throw err
      progress(`small box skipped: ${err.message}`)
      break
    } finally {
      await lab.close()
      cg.close()
    }
  }
}
