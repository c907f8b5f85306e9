// What the benchmarks (bench-feed.js, bench-mesh.js) print and measure alike.
import { PublicKeyCache, verifyEntrySignature } from '@kiez/feed'

/** One figure: a JSON line {"metric", "value", "unit"} on stdout, the value to two decimals. */
export const emit = (metric, value, unit) =>
  console.log(JSON.stringify({ metric, value: Math.round(value * 100) / 100, unit }))

/** Progress goes to stderr, so stdout holds only figures. */
export const progress = (msg) => process.stderr.write(`… ${msg}\n`)

/** verify_per_s: the single-entry signature check of @kiez/feed with a cached key, over the first 20 000 entries (the first 2 000 warm up). */
export function emitVerifyPerSecond (entries) {
  const keys = new PublicKeyCache()
  const sample = entries.slice(0, 20_000)
  for (const e of sample.slice(0, 2000)) verifyEntrySignature(keys, e) // warm up
  const t = performance.now()
  for (const e of sample) verifyEntrySignature(keys, e)
  const perS = sample.length / ((performance.now() - t) / 1000)
  emit('verify_per_s', perS, 'entries/s')
  return perS
}
