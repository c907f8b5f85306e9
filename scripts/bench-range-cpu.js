// Range ingest alone, for A/B runs of the store's write path on a loaded machine: besides wall-clock
// entries/s it reports process CPU per entry (main thread and LevelDB's threads together), which a
// busy neighbour disturbs less than wall time. Not part of `npm run bench`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FeedStore } from '@kiez/store'
import { chain, emit } from './bench-common.js'

const AUTHORS = Number(process.env.AUTHORS ?? 20)
const chains = Array.from(
  { length: AUTHORS },
  (_, a) => chain(a + 1, 1000, (i) => `bench entry ${i} of author ${a}: a short neighbourhood post`)
)
const total = AUTHORS * 1000
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
  const dir = mkdtempSync(join(tmpdir(), 'kiez-rcpu-'))
  const store = await FeedStore.open({ path: dir })
  const ranges = chains.flatMap((c) =>
    [c.slice(0, 500), c.slice(500)].map((r) => r.map((e) => ({ entry: e.bytes, payload: e.payload })))
  )
  const cpu0 = process.cpuUsage()
  const t = performance.now()
  const inFlight = new Set()
  for (const items of ranges) {
    const p = store.ingestRange(items).then((r) => {
      if (r.rejection) throw new Error(r.rejection.code)
    })
    inFlight.add(p)
    void p.then(() => inFlight.delete(p), () => inFlight.delete(p))
    if (inFlight.size >= 4) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  const s = (performance.now() - t) / 1000
  const cpu = process.cpuUsage(cpu0)
  emit('range_ingest_entries_per_s', total / s, 'entries/s')
  emit('range_ingest_cpu_us_per_entry', (cpu.user + cpu.system) / total, 'µs')
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
