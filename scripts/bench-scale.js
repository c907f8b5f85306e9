// npm run bench:scale — a neighbourhood of 30+ boxes in lab namespaces (root only).
// Streets are L2 segments of houses, each joined to the next by a corner box on both streets
// (test/lab/topology.ts streets(perStreet, count)). Prints one JSON line per figure, progress on stderr;
// nothing asserted. docs/SCALE.md checks its model against these figures.
//   --streets=N (default 6), --per-street=N (default 5): 6 × 5 houses + 5 corners = 35 boxes
//   --posts=N (default 40) posts for reach-all, one every --spacing-ms (default 250) from changing houses
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

if (typeof process.getuid === 'function' && process.getuid() !== 0) {
  process.stderr.write('bench:scale needs root (it builds network namespaces); skipped. Run it as root.\n')
  process.exit(0)
}
const { createLab, streets, labSkipReason, NODE_BIN } = await import('../test/lab/index.ts')
const skip = labSkipReason()
if (skip !== undefined) {
  process.stderr.write(`bench:scale skipped: ${skip}\n`)
  process.exit(0)
}
const { chain, emit, progress } = await import('./bench-common.js')
const { FeedStore } = await import('@kiez/store')
const {
  client,
  counters,
  cpuMs,
  followArrivals,
  isMsg,
  packagedBox,
  quantile,
  range,
  rssMb,
  sleep,
  sumSeries,
  txBytes,
  waitUntil
} = await import('./bench-lab.js')

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  const v = a === undefined ? dflt : Number(a.slice(name.length + 3))
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`bench:scale: --${name} must be a positive whole number\n`)
    process.exit(2)
  }
  return v
}
const STREETS = arg('streets', 6)
const PER_STREET = arg('per-street', 5)
const POSTS = arg('posts', 40)
const SPACING_MS = arg('spacing-ms', 250)
const CALIBRATION_POSTS = 300
const CALIBRATION_SPACING_MS = 20
const IDLE_WINDOW_MS = 20_000

const packaged = packagedBox(NODE_BIN)
const labEnv = packaged.init
progress(packaged.says)
/** Bytes of every file under dir. */
function duBytes (dir) {
  let n = 0
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) n += statSync(join(f.parentPath, f.name)).size
  }
  return n
}
const q = (xs, p) => quantile([...xs].sort((a, b) => a - b), p)

/**
 * Wire bytes (kernel tx counters, all link interfaces) and CPU ms per box of `boxes` while `work` runs,
 * minus what the same boxes use at rest over as long: their idle rate is sampled for `idleMs` first
 * (pings, heads exchanges, gossip heartbeats).
 */
async function burst (lab, boxes, work, idleMs = 10_000) {
  const pids = boxes.map((b) => lab.process(b).pid)
  const sample = async () => ({
    tx: (await Promise.all(boxes.map((b) => txBytes(lab, b)))).reduce((x, y) => x + y, 0),
    cpu: pids.map(cpuMs),
    t: performance.now()
  })
  const i0 = await sample()
  await sleep(idleMs)
  const i1 = await sample()
  await work()
  const w = await sample()
  const f = (w.t - i1.t) / (i1.t - i0.t)
  return {
    ms: w.t - i1.t,
    bytes: Math.max(0, w.tx - i1.tx - (i1.tx - i0.tx) * f),
    cpuMs: pids.map((_, k) => w.cpu[k] - i1.cpu[k] - (i1.cpu[k] - i0.cpu[k]) * f)
  }
}

// ---- disk per entry: what a day of the neighbourhood's posts costs every box (docs/SCALE.md) ----
{
  const STORE_ENTRIES = 20_000
  // 280 characters: a typical neighbourhood post (a question, an offer with a line of detail)
  const text = (i) =>
    `Post ${i}: ` +
    'Wer kann mir am Samstag eine Leiter leihen? Ich bringe sie Sonntag zurück. '.repeat(4).slice(0, 270)
  progress(`disk per entry: ${STORE_ENTRIES} posts of 280 characters into a fresh store`)
  const dir = mkdtempSync(join(tmpdir(), 'kiez-scale-'))
  try {
    const store = await FeedStore.open({ path: join(dir, 'feed') })
    const entries = chain(3, STORE_ENTRIES, text)
    for (let i = 0; i < entries.length; i += 500) {
      const r = await store.ingestRange(entries.slice(i, i + 500).map((e) => e.bytes))
      if (r.rejection) throw new Error(`range rejected: ${r.rejection.code}`)
    }
    await store.close()
    emit('store_bytes_per_entry', duBytes(dir) / STORE_ENTRIES, 'bytes')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---- calibration: the model's costs, measured on one street of 2 and of 3 boxes (docs/SCALE.md) ----
/** Box 0 posts on a street of k boxes (one segment, all connected); per entry: each box's CPU ms, all wire bytes. */
async function calibrate (k) {
  const lab = await createLab({ boxes: k, links: [range(k)], ...labEnv })
  try {
    const boxes = range(k)
    for (const b of boxes) lab.start(b)
    await Promise.all(
      boxes.map((b) =>
        waitUntil(
          `box ${b} to connect to the street`,
          async () => (await client(lab, b).peers()).peers.filter((p) => p.connected).length >= k - 1,
          60_000,
          200
        )
      )
    )
    const { everywhere, stop } = await followArrivals(lab, boxes)
    try {
      await sleep(3000) // a few heartbeats: the gossip mesh
      const { bytes, cpuMs: cpu } = await burst(lab, boxes, async () => {
        const ids = []
        for (let i = 0; i < CALIBRATION_POSTS; i++) {
          ids.push((await client(lab, 0).post({ text: `scale bench ${i}: a short neighbourhood post` })).id)
          await sleep(CALIBRATION_SPACING_MS)
        }
        await waitUntil('the calibration posts on every box', async () => ids.every(everywhere), 60_000, 50)
      })
      return { bytes: bytes / CALIBRATION_POSTS, cpu: cpu.map((c) => c / CALIBRATION_POSTS) }
    } finally {
      stop()
    }
  } finally {
    await lab.close()
  }
}
progress('calibrating on a street of 2 boxes, then of 3')
const two = await calibrate(2)
const three = await calibrate(3)
// 2 boxes: box 0 posts and sends once; box 1 stores a first copy and forwards to nobody.
const bytesPerSend = two.bytes
emit('wire_bytes_per_send', bytesPerSend, 'bytes')
emit('cpu_ms_per_posted_entry', two.cpu[0], 'ms')
emit('cpu_ms_per_received_entry', two.cpu[1], 'ms')
// 3 boxes: box 0 sends twice (one send more than with 2); boxes 1 and 2 each store a first copy, forward it
// to the other and drop the other's copy as a duplicate.
const sendMs = three.cpu[0] - two.cpu[0]
emit('cpu_ms_per_send', sendMs, 'ms')
emit('cpu_ms_per_duplicate', (three.cpu[1] + three.cpu[2]) / 2 - two.cpu[1] - sendMs, 'ms')

// ---- the neighbourhood ----
const lab = await createLab({ ...streets(PER_STREET, STREETS), ...labEnv })
try {
  const boxes = range(lab.boxes)
  const corners = boxes.filter((b) => lab.spec.names[b].startsWith('corner-'))
  const houses = boxes.filter((b) => !corners.includes(b))
  emit('boxes', lab.boxes, 'boxes')
  progress(`starting ${lab.boxes} daemons on ${STREETS} streets of ${PER_STREET} houses, ${corners.length} corners`)
  // a few at a time: thirty node processes loading libp2p at once would only measure the start-up storm
  for (let i = 0; i < boxes.length; i += 6) {
    const batch = boxes.slice(i, i + 6)
    for (const b of batch) lab.start(b)
    await Promise.all(batch.map((b) => lab.waitForLog(b, isMsg('daemon started'), 180_000)))
  }
  progress('waiting for every box to connect to every box on its streets (mDNS)')
  await Promise.all(boxes.map((b) =>
    waitUntil(
      `box ${b} to connect to its streets`,
      async () => {
        const want = new Set(lab.spec.links.filter((m) => m.includes(b)).flat().filter((x) => x !== b))
        return (await client(lab, b).peers()).peers.filter((p) => p.connected).length >= want.size
      },
      180_000,
      500
    )
  ))

  // ---- at rest: RSS and CPU ----
  progress(`at rest: sampling CPU for ${IDLE_WINDOW_MS / 1000} s`)
  await sleep(5000)
  const pids = boxes.map((b) => lab.process(b).pid)
  const cpu0 = pids.map(cpuMs)
  await sleep(IDLE_WINDOW_MS)
  const cpuPct = pids.map((pid, i) => ((cpuMs(pid) - cpu0[i]) / IDLE_WINDOW_MS) * 100)
  emit('cpu_pct_idle_p50', q(cpuPct, 0.5), '%')
  emit('cpu_pct_idle_max', Math.max(...cpuPct), '%')
  const rss = pids.map(rssMb)
  emit('rss_mb_p50', q(rss, 0.5), 'MB')
  emit('rss_mb_max', Math.max(...rss), 'MB')

  // ---- reach-all: a post from a house until every box's entry stream shows it ----
  const { arrivals, everywhere, stop } = await followArrivals(lab, boxes)
  try {
    progress('warming up the gossip mesh')
    for (let i = 0; i < 3; i++) {
      const { id } = await client(lab, houses[i]).post({ text: `warm-up ${i}` })
      await waitUntil('a warm-up post on every box', async () => everywhere(id), 60_000, 20)
    }
    await sleep(2000)
    const GOSSIP = [
      'gossipsub_rpc_recv_message_total',
      'gossipsub_rpc_recv_ihave_total',
      'gossipsub_rpc_recv_iwant_total'
    ]
    const gossipBefore = await sumSeries(lab, boxes, NODE_BIN, GOSSIP)
    const before = await counters(lab, boxes)
    const posted = []
    progress(`posting ${POSTS} entries from changing houses, one every ${SPACING_MS} ms`)
    const { bytes, ms, cpuMs: cpu } = await burst(lab, boxes, async () => {
      for (let i = 0; i < POSTS; i++) {
        const origin = houses[(i * 7) % houses.length] // every house in turn, far and near alike
        posted.push({ origin, id: (await client(lab, origin).post({ text: `scale bench ${i}` })).id })
        await sleep(SPACING_MS)
      }
      await waitUntil('every post on every box', async () => posted.every((p) => everywhere(p.id)), 120_000, 50)
      await sleep(1500) // late duplicates and IHAVE/IWANT traffic
    })
    const after = await counters(lab, boxes)
    const gossipAfter = await sumSeries(lab, boxes, NODE_BIN, GOSSIP)
    const reach = posted.map(({ origin, id }) => {
      const at = arrivals.map((m) => m.get(id))
      return Math.max(...at) - at[origin]
    })
    emit('reach_all_ms_p50', q(reach, 0.5), 'ms')
    emit('reach_all_ms_p99', q(reach, 0.99), 'ms')
    const delivered = POSTS * (lab.boxes - 1)
    // gossipsub's own count of message copies received, duplicates included (gossipsub drops a duplicate
    // before any Kiez counter sees it). The burst's posts only: warm-up posts were done before the first scrape,
    // and the catch-up sync (not gossip) is not in this counter.
    const d = (n) => gossipAfter[n] - gossipBefore[n]
    emit('sends_per_delivered_entry', d('gossipsub_rpc_recv_message_total') / delivered, 'sends')
    emit('ihave_ids_per_delivered_entry', d('gossipsub_rpc_recv_ihave_total') / delivered, 'ihave')
    emit('iwant_per_delivered_entry', d('gossipsub_rpc_recv_iwant_total') / delivered, 'iwant')
    // Wire bytes see everything (gossip control, pings, TCP/IP headers); divided by one send's bytes from
    // the calibration they say how many sends' worth of traffic an entry costs.
    emit('wire_bytes_per_delivered_entry', bytes / delivered, 'bytes')
    emit('sends_per_delivered_entry_wire_estimate', bytes / delivered / bytesPerSend, 'sends')
    emit('cpu_ms_per_delivered_entry', cpu.reduce((x, y) => x + y, 0) / delivered, 'ms')
    // The validator's count (a lower bound: it misses the duplicates gossipsub drops first), for comparison.
    emit(
      'validated_per_delivered_entry',
      ((after.gossipReceived - before.gossipReceived) + (after.entriesIn - before.entriesIn)) / delivered,
      'messages'
    )
    progress(`burst took ${(ms / 1000).toFixed(1)} s`)
  } finally {
    stop()
  }

  // ---- 10% of the boxes restarted: they missed posts while down and catch up when back ----
  const restarted = houses.filter((_, i) => i % 10 === 5).slice(0, Math.max(1, Math.round(lab.boxes / 10)))
  progress(`stopping ${restarted.length} houses, posting while they are down`)
  await Promise.all(restarted.map((b) => lab.kill(b)))
  const up = houses.filter((b) => !restarted.includes(b))
  const missed = []
  for (let i = 0; i < 20; i++) missed.push((await client(lab, up[i % up.length]).post({ text: `while away ${i}` })).id)
  await sleep(2000)
  const startedAfter = []
  const catchup = await Promise.all(restarted.map(async (b) => {
    const t0 = Date.now()
    lab.start(b)
    await lab.waitForLog(b, isMsg('daemon started'), 120_000)
    // the split: how much of the catch-up is the restarted daemon's own start
    startedAfter.push(Date.now() - t0)
    await waitUntil(
      `box ${b} to catch up`,
      async () => {
        const ids = new Set((await client(lab, b).feed({ limit: 200 })).entries.map((e) => e.id))
        return missed.every((id) => ids.has(id))
      },
      180_000,
      100
    ).catch(async (e) => {
      const ids = new Set((await client(lab, b).feed({ limit: 200 })).entries.map((x) => x.id))
      const peers = (await client(lab, b).peers()).peers.filter((p) => p.connected).length
      progress(
        `box ${b}: ${missed.filter((id) => !ids.has(id)).length} of ${missed.length} missing, ${peers} peers connected`
      )
      for (const l of lab.logs(b).slice(-15)) progress(`  box ${b}: ${l.text.slice(0, 300)}`)
      throw e
    })
    return Date.now() - t0
  }))
  emit('catchup_after_restart_ms', q(catchup, 0.5), 'ms')
  emit('catchup_after_restart_ms_max', Math.max(...catchup), 'ms')
  emit('restart_to_daemon_started_ms', q(startedAfter, 0.5), 'ms')
} finally {
  await lab.close()
}
