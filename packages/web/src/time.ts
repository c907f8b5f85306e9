import { type Catalogue, en } from './i18n/en.js'

/** The words of a relative time, from the page's catalogue (i18n/en.ts `time`). */
export type TimeWords = Catalogue['time']

/**
 * "3 min ago" from an author's clock. Timestamps are the author's claim, so a
 * time a little ahead of ours reads "just now", not "in 2 min".
 */
export function relativeTime (timestampMs: number, nowMs: number, words: TimeWords = en.time): string {
  const diff = nowMs - timestampMs
  if (!Number.isFinite(diff)) return ''
  if (diff < 45_000) return words.justNow
  const min = Math.round(diff / 60_000)
  if (min < 60) return words.minAgo(Math.max(1, min))
  const h = Math.round(diff / 3_600_000)
  if (h < 24) return words.hoursAgo(h)
  const d = Math.round(diff / 86_400_000)
  if (d === 1) return words.yesterday
  if (d < 7) return words.daysAgo(d)
  return new Date(timestampMs).toISOString().slice(0, 10)
}

/** A duration in ms as a person reads it ("12 ms", "3 s", "4 min"). */
export function duration (ms: number): string {
  // the unit is chosen after rounding: 59.6 min reads "1 h", not "60 min"
  for (const [size, unit, next] of BELOW_HOURS) {
    const n = Math.round(ms / size)
    if (n < next) return `${n} ${unit}`
  }
  return `${Math.round(ms / 3_600_000)} h`
}

/** [ms per unit, unit, the rounded count that moves to the next unit] */
const BELOW_HOURS: ReadonlyArray<readonly [number, string, number]> = [[1, 'ms', 1000], [1000, 's', 60], [
  60_000,
  'min',
  60
]]
