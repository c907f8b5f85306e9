#!/usr/bin/env node
/**
 * Soak: a lab mesh (a ring of boxes, as root) posting continuously while links
 * flap and boxes are killed and restarted. Prints one JSON line per RSS sample
 * and a summary: RSS growth per hour per box, and entries lost (must be 0).
 *
 *   npm run soak -- --minutes 10 [--boxes 5]
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ControlClient, controlSocketPath } from '@kiez/daemon/control'
import { FeedStore } from '@kiez/store'
import { createLab, labSkipReason, ring } from '../test/lab/index.ts'

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '5' }, boxes: { type: 'string', default: '5' } }
})
const minutes = Number(values.minutes)
const N = Number(values.boxes)
const skip = labSkipReason()
if (skip !== undefined) {
  console.error(`soak needs the mesh lab: ${skip}`)
  process.exit(2)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const out = (o) => console.log(JSON.stringify(o))
const started = (line) => line.json?.msg === 'daemon started'

const lab = await createLab({ ...ring(N) })
const clients = []
const acked = Array.from({ length: N }, () => [])
const rss = Array.from({ length: N }, () => [])
const events = { linkFlaps: 0, restarts: 0, postFailures: 0 }
const down = new Set()
try {
  for (let b = 0; b < N; b++) lab.start(b)
  await Promise.all(Array.from({ length: N }, (_, b) => lab.waitForLog(b, started, 60_000)))
  for (let b = 0; b < N; b++) {
    clients.push(new ControlClient({ socketPath: controlSocketPath(lab.dataDir(b)), timeoutMs: 15_000 }))
  }
  const t0 = Date.now()
  const end = t0 + minutes * 60_000
  let stop = false

  // writers: every box posts about once a second (not while it is down)
  const writers = Array.from({ length: N }, async (_, b) => {
    let i = 0
    while (!stop) {
      if (!down.has(b)) {
        try {
          acked[b].push((await clients[b].post({ text: `soak box ${b} #${i++}` })).id)
        } catch {
          events.postFailures++
        }
      }
      await sleep(800 + Math.random() * 400)
    }
  })
  // chaos: every 15 s flap a link for 5 s, or kill -9 a box and restart it
  const chaos = (async () => {
    while (!stop) {
      await sleep(15_000)
      if (stop) break
      if (Math.random() < 0.5) {
        const link = Math.floor(Math.random() * N)
        await lab.cut(link)
        events.linkFlaps++
        await sleep(5000)
        await lab.heal(link)
      } else {
        const b = Math.floor(Math.random() * N)
        down.add(b)
        await lab.kill(b, 'SIGKILL')
        events.restarts++
        await sleep(2000)
        lab.start(b)
        await lab.waitForLog(b, started, 60_000).catch(() => {})
        down.delete(b)
      }
    }
  })()
  // RSS per box every 10 s
  while (Date.now() < end) {
    await sleep(10_000)
    const sample = { tS: Math.round((Date.now() - t0) / 1000), rssKiB: [] }
    for (let b = 0; b < N; b++) {
      const pid = lab.process(b)?.pid
      let kib = null
      try {
        kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
      } catch {}
      sample.rssKiB.push(kib)
      if (kib !== null && !down.has(b)) rss[b].push([Date.now() - t0, kib])
    }
    out(sample)
  }
  stop = true
  await Promise.all([...writers, chaos])

  // converge, then check every acknowledged entry on every box
  const total = acked.reduce((n, a) => n + a.length, 0)
  const tc = Date.now()
  for (;;) {
    const counts = await Promise.all(
      clients.map(async (c) => (await c.status().catch(() => ({ counts: { entries: -1 } }))).counts.entries)
    )
    if (counts.every((n) => n >= total)) break
    if (Date.now() - tc > 180_000) {
      out({ converged: false, counts, total })
      break
    }
    await sleep(1000)
  }
  const convergeMs = Date.now() - tc
  for (let b = 0; b < N; b++) await lab.kill(b, 'SIGTERM')
  let lost = 0
  for (let b = 0; b < N; b++) {
    const store = await FeedStore.open({ path: join(lab.dataDir(b), 'feed') })
    for (const ids of acked) for (const id of ids) if (await store.get(id) === undefined) lost++
    await store.close()
  }
  // growth per hour: least-squares slope of the post-warm-up samples (the first minute is start-up)
  const growth = rss.map((s) => {
    const pts = s.filter(([t]) => t > 60_000)
    if (pts.length < 3) return null
    const mt = pts.reduce((a, [t]) => a + t, 0) / pts.length
    const mr = pts.reduce((a, [, r]) => a + r, 0) / pts.length
    const slope = pts.reduce((a, [t, r]) => a + (t - mt) * (r - mr), 0) / pts.reduce((a, [t]) => a + (t - mt) ** 2, 0)
    return Math.round(slope * 3600_000 / 1024)
  })
  out({
    summary: true,
    minutes,
    boxes: N,
    acknowledged: total,
    lostEntries: lost,
    convergeMs,
    ...events,
    rssFirstKiB: rss.map((s) => s[0]?.[1] ?? null),
    rssLastKiB: rss.map((s) => s.at(-1)?.[1] ?? null),
    rssGrowthMiBPerHour: growth
  })
  process.exitCode = lost === 0 ? 0 : 1
} finally {
  await lab.close()
}
