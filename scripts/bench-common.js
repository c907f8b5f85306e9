// What the benchmarks (bench-feed.js, bench-mesh.js) print and measure alike.
import { createEntry, PublicKeyCache, signerFromSeed, verifyEntrySignature } from '@kiez/feed'

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

/** One author's chain of n posts (seed byte → key), text(i) each, timestamps an hour ago onwards. */
export function chain (seedByte, n, text) {
  const s = signerFromSeed(new Uint8Array(32).fill(seedByte))
  const t0 = Date.now() - 3_600_000
  const out = []
  for (let i = 0; i < n; i++) {
    out.push(
      createEntry(s, {
        seq: i + 1,
        previous: out[i - 1]?.hash ?? null,
        timestamp: t0 + i,
        body: { type: 'post', text: text(i) }
      })
    )
  }
  return out
}
