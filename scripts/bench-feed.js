// npm run bench:feed — prints one JSON line per figure: {"metric", "value", "unit"}.
// Measured in one run on this machine; nothing here asserts (benchmarks report, tests assert).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed } from '@kiez/feed'
import { Search } from '@kiez/search'
import { FeedStore } from '@kiez/store'
import { emit, emitVerifyPerSecond, progress } from './bench-common.js'

const quick = process.argv.includes('--quick')
const AUTHORS = quick ? 10 : 100
const PER_AUTHOR = 1000
const dirs = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kiez-bench-'))
  dirs.push(d)
  return d
}

function makeChains (authors, perAuthor) {
  const t0 = Date.now() - 3_600_000
  const chains = []
  for (let a = 0; a < authors; a++) {
    const s = signerFromSeed(new Uint8Array(32).fill(0).map((_, i) => (i === 0 ? a + 1 : i === 1 ? 200 : 0)))
    const c = []
    for (let i = 0; i < perAuthor; i++) {
      c.push(
        createEntry(s, {
          seq: i + 1,
          previous: c[i - 1]?.hash ?? null,
          timestamp: t0 + a * perAuthor + i,
          body: { type: 'post', text: `bench entry ${i} of author ${a}: a short neighbourhood post` }
        })
      )
    }
    chains.push(c)
  }
  return chains
}

progress(`signing ${AUTHORS * PER_AUTHOR} entries`)
const chains = makeChains(AUTHORS, PER_AUTHOR)
const all = chains.flat()

// verify_per_s: the single-entry signature check, cached KeyObject (the baseline).
const verifyPerS = emitVerifyPerSecond(all)

// ingest_single_entries_per_s: one-by-one validated appends from a peer (gossip path), 64 in flight.
{
  const store = await FeedStore.open({ path: tmp() })
  const sample = chains.slice(0, Math.min(20, AUTHORS)).flat()
  const t = performance.now()
  for (let i = 0; i < sample.length; i += 64) {
    // each window keeps per-author order: entries of one author are contiguous in `sample`
    await Promise.all(sample.slice(i, i + 64).map((e) => store.ingest(e.bytes)))
  }
  const s = (performance.now() - t) / 1000
  if (store.stats().entries !== sample.length) {
    throw new Error(`single ingest stored ${store.stats().entries} of ${sample.length}`)
  }
  emit('ingest_single_entries_per_s', sample.length / s, 'entries/s')
  await store.close()
}

/**
 * Range-ingests every chain into a fresh store the way a sync session does: 500 per range, up to 4 ranges
 * in flight (validation overlaps the previous batch's write). Items carry their payloads unless `headersOnly`.
 */
async function rangeIngest (path, headersOnly) {
  const store = await FeedStore.open({ path })
  const ranges = chains.flatMap((c) =>
    Array.from(
      { length: Math.ceil(c.length / 500) },
      (_, i) =>
        c.slice(i * 500, i * 500 + 500).map((e) => (headersOnly ? e.bytes : { entry: e.bytes, payload: e.payload }))
    )
  )
  let payloads = 0
  const t = performance.now()
  const inFlight = new Set()
  for (const items of ranges) {
    const p = store.ingestRange(items).then((r) => {
      if (r.rejection) throw new Error(`range rejected: ${r.rejection.code}`)
      payloads += r.payloads.stored
    })
    inFlight.add(p)
    // settles either way, so no unhandled rejection here (the race/all below sees p's)
    void p.then(() => inFlight.delete(p), () => inFlight.delete(p))
    if (inFlight.size >= 4) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  const s = (performance.now() - t) / 1000
  if (store.stats().entries !== all.length) throw new Error('range ingest lost entries')
  if (!headersOnly && payloads !== all.length) {
    throw new Error(`range ingest stored ${payloads} payloads of ${all.length}`)
  }
  return { store, perS: all.length / s }
}

// ingest_range_headers_only_entries_per_s: the same, headers alone (a box that fetches payloads later).
{
  progress(`range-ingesting ${all.length} headers`)
  const { store, perS } = await rangeIngest(tmp(), true)
  emit('ingest_range_headers_only_entries_per_s', perS, 'entries/s')
  await store.close()
}

// ingest_range_entries_per_s: the catch-up path, 100k entries (headers and payloads) from 100 authors into a fresh store.
{
  progress(`range-ingesting ${all.length} entries with their payloads`)
  const { store, perS } = await rangeIngest(tmp(), false)
  emit('ingest_range_entries_per_s', perS, 'entries/s')
  // the goal (issue 17): range ingest at least 10× the single-signature verify rate
  emit('ingest_range_vs_verify', perS / verifyPerS, 'x')

  // timeline_page_ms: p50 for a 50-entry page, walking back through 100k entries.
  const times = []
  let before
  for (let i = 0; i < 200; i++) {
    const t1 = performance.now()
    const page = await store.timeline({ limit: 50, ...(before ? { before } : {}) })
    times.push(performance.now() - t1)
    before = page.next
    if (!before) before = undefined
  }
  times.sort((a, b) => a - b)
  emit('timeline_page_ms', times[Math.floor(times.length / 2)], 'ms')

  // search_ms_p50 / p99 (issue 16: under 100 ms at 100k entries): the index built from the store by the
  // catch-up walk (search_index_entries_per_s), then queries: a common word, a prefix, four words that meet
  // in one entry, a word no entry has
  progress(`indexing ${all.length} entries for search`)
  const t2 = performance.now()
  const search = await Search.open({ path: tmp(), source: store })
  while (!search.current) await new Promise((resolve) => setTimeout(resolve, 50))
  emit('search_index_entries_per_s', all.length / ((performance.now() - t2) / 1000), 'entries/s')
  const queries = []
  for (let i = 0; i < 50; i++) {
    queries.push(
      'neighbourhood',
      'neighb',
      `entry ${100 + ((i * 37) % 900)} author ${1 + ((i * 13) % (AUTHORS - 1))}`,
      'zebra'
    )
  }
  const qt = []
  for (const text of queries) {
    const t3 = performance.now()
    const hits = await search.query({ text, limit: 20 })
    qt.push(performance.now() - t3)
    if (text === 'neighbourhood' && hits.length !== 20) throw new Error(`search found ${hits.length} of 20`)
    if (text.startsWith('entry') && hits.length !== 1) throw new Error(`search "${text}" found ${hits.length}, not 1`)
  }
  qt.sort((a, b) => a - b)
  emit('search_ms_p50', qt[Math.floor(qt.length / 2)], 'ms')
  emit('search_ms_p99', qt[Math.floor(qt.length * 0.99)], 'ms')
  await search.close()
  await store.close()
}

// append_local_synced_per_s: local authoring, synced before acknowledging, 32 concurrent writers (group commit).
{
  const store = await FeedStore.open({ path: tmp() })
  const me = signerFromSeed(new Uint8Array(32).fill(99))
  const until = performance.now() + (quick ? 1000 : 3000)
  let n = 0
  const t = performance.now()
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (performance.now() < until) {
      await store.append(me, { type: 'post', text: `local ${n}` })
      n++
    }
  }))
  emit('append_local_synced_per_s', n / ((performance.now() - t) / 1000), 'entries/s')
  const t2 = performance.now()
  let m = 0
  while (performance.now() - t2 < 1000) {
    await store.append(me, { type: 'post', text: 'one at a time' })
    m++
  }
  emit('append_local_synced_serial_per_s', m / ((performance.now() - t2) / 1000), 'entries/s')
  await store.close()
}

for (const d of dirs) rmSync(d, { recursive: true, force: true })
