import type { PingJson, PingRequest } from './control/types.js'

/** The node's per-ping results (null: no reply in time) as `kiez ping --json` shows them. */
export function pingToJson (req: Required<PingRequest>, results: Array<number | null>): PingJson {
  const rttsMs = results.filter((r): r is number => r !== null)
  return {
    target: req.target,
    count: req.count,
    timeoutMs: req.timeoutMs,
    rttsMs,
    lost: req.count - rttsMs.length,
    pings: results.map((r, i) => r === null ? { seq: i + 1 } : { seq: i + 1, rttMs: r })
  }
}
