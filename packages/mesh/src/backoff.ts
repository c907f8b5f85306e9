/**
 * Capped exponential backoff with "equal jitter": half the delay is fixed, half
 * random. The random half spreads the redials of a whole street after a shared
 * power cut; the fixed half keeps a flapping link from being hammered.
 */
export function backoffDelay (
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random
): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30))
  return Math.round(exp / 2 + random() * exp / 2)
}
