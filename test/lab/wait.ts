/**
 * Polling for a state a test cannot be told about (a count reached, a peer
 * connected). The suites under test/ share this one loop.
 */

/**
 * Polls `probe` until it returns a value other than undefined/false; a probe
 * that throws counts as not yet. The timeout error names what was awaited and
 * the last state (the last value, or the last error's message).
 */
export async function waitUntil<T> (
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 500
): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined && v !== false) return v
      last = v
    } catch (err) {
      last = err instanceof Error ? err.message : err
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 500)}`
      )
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
