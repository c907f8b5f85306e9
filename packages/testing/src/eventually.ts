/**
 * Polling for a state a test cannot be told about. Every suite shares this
 * one loop, so a timeout reads the same everywhere: what was awaited, how
 * long, and the last thing the probe said.
 */

export interface EventuallyOptions {
  /** What the test waits for, in words: the timeout error starts with it. */
  what: string
  /** How long to keep polling before giving up, in ms. No default: each test states its own. */
  timeoutMs: number
  /**
   * The pause between two probes, in ms. Probes that are expensive (a CLI
   * run, an HTTP round trip in a lab) poll slower.
   * @default 100
   */
  intervalMs?: number
}

/**
 * Polls `probe` until it returns something other than `undefined`, `null` or
 * `false`, and returns that. A probe that throws counts as "not yet" (the box
 * may not listen yet). The probe runs at least once, even with a timeout of 0.
 *
 * @throws Error `timed out after <timeoutMs> ms waiting for <what>; last: …`
 *   with the last value (as JSON) or the last error's message.
 */
export async function eventually<T> (
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: EventuallyOptions
): Promise<T> {
  const { what, timeoutMs, intervalMs = 100 } = opts
  const end = Date.now() + timeoutMs
  let last: string
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined && v !== null && v !== false) return v
      last = describe(v)
    } catch (err) {
      last = `threw ${err instanceof Error ? err.message : describe(err)}`
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last.slice(0, 500)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** JSON for values (String() would say [object Object]); undefined stays a word. */
function describe (v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}
