import type { Entry } from '@kiez/feed'

/**
 * What the store does with a fresh header from the network that passed every
 * check: `store` keeps header and payload; `header` keeps the header and
 * refuses its payload (a blocked author: the chain stays checkable, the
 * content goes nowhere); `defer` keeps nothing yet, and in a range nothing
 * after it either (an author over its ingest budget: pulled again later).
 */
export type GateVerdict = 'store' | 'header' | 'defer'

/**
 * The box's admission policy over what arrives from the network, consulted
 * by the store on every ingest (docs/LIMITS.md "Storage", docs/SECURITY.md).
 * Local appends are never gated: a box's own posts always go in. Both calls
 * are synchronous and on the write path, so they must be cheap.
 */
export interface IngestGate {
  /** Once per fresh header, in seq order within a range; a verdict other than `defer` may spend budget. */
  admit: (entry: Entry) => GateVerdict
  /** Whether a payload of `author` is taken now: arriving with its header, fetched again, or listed as missing. */
  takesPayload: (author: Uint8Array) => boolean
  /**
   * About how many fresh entries of `author` `admit` would take now (Infinity, or absent: no bound).
   * A hint for what to ask a peer for, so sync does not fetch and verify what would be deferred.
   */
  room?: (author: Uint8Array) => number
}

/** Gates in order: the first `defer` wins (later gates are not asked, so spend nothing), then `header`. */
export function composeGates (...gates: Array<IngestGate | undefined>): IngestGate | undefined {
  const list = gates.filter((g): g is IngestGate => g !== undefined)
  if (list.length <= 1) return list[0]
  return {
    admit: (entry) => {
      let verdict: GateVerdict = 'store'
      for (const g of list) {
        const v = g.admit(entry)
        if (v === 'defer') return 'defer'
        if (v === 'header') verdict = 'header'
      }
      return verdict
    },
    takesPayload: (author) => list.every((g) => g.takesPayload(author)),
    room: (author) => Math.min(...list.map((g) => g.room?.(author) ?? Infinity))
  }
}

/**
 * A gate for a store that must be opened before what decides (a policy that
 * reads the store it gates, like Moderation, or budgets sized from it): it
 * lets everything in until bound. Bind before the node starts: nothing
 * arrives from the network earlier.
 */
export function lateGate (): { gate: IngestGate, bind: (g: IngestGate | undefined) => void } {
  let bound: IngestGate | undefined
  return {
    gate: {
      admit: (entry) => bound?.admit(entry) ?? 'store',
      takesPayload: (author) => bound?.takesPayload(author) ?? true,
      room: (author) => bound?.room?.(author) ?? Infinity
    },
    bind: (g) => {
      bound = g
    }
  }
}
