import type { WireHead } from './messages.js'
import { hex } from './util.js'

/** A range of one author's log to fetch from a peer, and whether to fetch its fork proof first. */
export interface Want {
  author: Uint8Array
  from: number
  to: number
  needForkProof: boolean
  /** the peer's head timestamp, for ordering */
  timestamp?: number
}

/**
 * What to ask a peer for, given both heads vectors. Fork proofs come first
 * (they freeze feeds, which bounds what follows); then the authors with the
 * newest heads (people posting now), then the largest gaps.
 */
export function planPulls (ours: ReadonlyMap<string, WireHead>, theirs: readonly WireHead[]): Want[] {
  const wants: Want[] = []
  for (const h of theirs) {
    const our = ours.get(hex(h.author))
    const ourSeq = our?.seq ?? 0
    const needForkProof = h.forkedAt !== undefined && (our?.forkedAt === undefined || our.forkedAt > h.forkedAt)
    // Nothing at or past a fork can be stored: never ask for it.
    const frozenAt = Math.min(h.forkedAt ?? Infinity, our?.forkedAt ?? Infinity)
    const limit = Math.min(h.seq, frozenAt - 1)
    let range: [number, number] | undefined
    if (limit > ourSeq) range = [ourSeq + 1, limit]
    else if (h.seq === ourSeq && ourSeq > 0 && ourSeq < frozenAt && our !== undefined && !sameBytes(our.hash, h.hash)) {
      // Same seq, different entry: fetch theirs so the store can prove the fork.
      range = [ourSeq, ourSeq]
    }
    if (range === undefined && !needForkProof) continue
    const w: Want = { author: h.author, from: range?.[0] ?? 1, to: range?.[1] ?? 0, needForkProof }
    if (h.timestamp !== undefined) w.timestamp = h.timestamp
    wants.push(w)
  }
  return wants.sort((a, b) =>
    Number(b.needForkProof) - Number(a.needForkProof) ||
    (b.timestamp ?? -1) - (a.timestamp ?? -1) ||
    (b.to - b.from) - (a.to - a.from)
  )
}

/** Per author, what each side has that the other lacks (for diagnostics). */
export interface AuthorSync {
  author: string
  ourSeq: number
  theirSeq: number
  /** entries the peer has that we lack */
  weLack: number
  /** entries we have that the peer lacks */
  theyLack: number
  ourForkedAt?: number
  theirForkedAt?: number
  /** same seq, different head hash: one of us holds a forked branch */
  diverged: boolean
}

export function diffHeads (ours: ReadonlyMap<string, WireHead>, theirs: readonly WireHead[]): AuthorSync[] {
  const out = new Map<string, AuthorSync>()
  const theirMap = new Map(theirs.map((h) => [hex(h.author), h]))
  for (const key of new Set([...ours.keys(), ...theirMap.keys()])) {
    const o = ours.get(key)
    const t = theirMap.get(key)
    const ourSeq = o?.seq ?? 0
    const theirSeq = t?.seq ?? 0
    const s: AuthorSync = {
      author: key,
      ourSeq,
      theirSeq,
      weLack: Math.max(0, theirSeq - ourSeq),
      theyLack: Math.max(0, ourSeq - theirSeq),
      diverged: o !== undefined && t !== undefined && ourSeq === theirSeq && ourSeq > 0 && !sameBytes(o.hash, t.hash)
    }
    if (o?.forkedAt !== undefined) s.ourForkedAt = o.forkedAt
    if (t?.forkedAt !== undefined) s.theirForkedAt = t.forkedAt
    out.set(key, s)
  }
  return [...out.values()]
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}
