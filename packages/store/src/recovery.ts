import { equalBytes, readEntry, sha256, type AuthorState, type Entry } from '@kiez/feed'
import type { Level } from 'level'
import { encodeHead } from './head.js'
import { headKey, hex, logKey } from './keys.js'

export interface RecoveryAction {
  author: string
  /** head seq before and after */
  from: number
  to: number
  reason: string
}

export interface RecoveryReport {
  authorsChecked: number
  /** heads moved to the last entry that verifies */
  repaired: RecoveryAction[]
  /** stored entries that no longer decode or link (disk damage): left in place, head kept before them */
  unrepairable: RecoveryAction[]
  ms: number
}

/** How many of the newest links to re-check per author on every open. */
const TAIL_LINKS = 8

/**
 * On open, each head must point at a stored entry whose hash it names, and
 * the newest links must hold. Writes are atomic batches, so a crash cannot
 * break this; disk damage or a foreign tool can, and then the head moves back
 * to the newest entry that still chains. Entries past the head (which an
 * atomic batch also rules out) are adopted if they chain.
 */
export async function recoverHeads (
  db: Level<Uint8Array, Uint8Array>,
  heads: Map<string, { author: Uint8Array, state: AuthorState }>
): Promise<RecoveryReport> {
  const started = performance.now()
  const report: RecoveryReport = { authorsChecked: 0, repaired: [], unrepairable: [], ms: 0 }
  for (const [k, h] of heads) {
    report.authorsChecked++
    const { author, state } = h
    if (state.seq === 0) continue
    const fixed = await checkAuthor(db, author, state)
    if (fixed === undefined) continue
    const action = { author: hex(author), from: state.seq, to: fixed.state.seq, reason: fixed.reason }
    if (fixed.damaged) report.unrepairable.push(action)
    else report.repaired.push(action)
    if (fixed.state.seq === 0 && fixed.state.forkedAt === undefined) {
      heads.delete(k)
      await db.del(headKey(author), { sync: true })
    } else {
      heads.set(k, { author, state: fixed.state })
      await db.put(headKey(author), encodeHead(fixed.state), { sync: true })
    }
  }
  report.ms = performance.now() - started
  return report
}

function decode (bytes: Uint8Array | undefined): Entry | undefined {
  if (bytes === undefined) return undefined
  const r = readEntry(bytes, { now: Number.MAX_SAFE_INTEGER })
  return r.ok ? r.value : undefined
}

async function checkAuthor (
  db: Level<Uint8Array, Uint8Array>,
  author: Uint8Array,
  state: AuthorState
): Promise<{ state: AuthorState, reason: string, damaged: boolean } | undefined> {
  const from = Math.max(1, state.seq - TAIL_LINKS)
  const tail = await db.getMany(Array.from({ length: state.seq - from + 2 }, (_, i) => logKey(author, from + i)))
  const entries = tail.map(decode)
  const headEntry = entries[state.seq - from]
  const withFork = (s: AuthorState): AuthorState =>
    state.forkedAt !== undefined ? { ...s, forkedAt: state.forkedAt } : s

  let ok = headEntry !== undefined && equalBytes(headEntry.hash, state.hash)
  for (let i = 1; ok && i <= state.seq - from; i++) {
    const prev = entries[i - 1]
    const cur = entries[i]
    ok = prev !== undefined && cur !== undefined && cur.previous !== null && equalBytes(cur.previous, prev.hash)
  }
  if (ok) {
    // Adopt entries past the head while they chain.
    let s = state
    let next = entries[state.seq - from + 1]
    while (
      next !== undefined && next.previous !== null && equalBytes(next.previous, s.hash) &&
      (state.forkedAt === undefined || next.seq < state.forkedAt)
    ) {
      s = withFork({ seq: next.seq, hash: next.hash })
      next = decode(await db.get(logKey(author, s.seq + 1)))
    }
    return s === state ? undefined : { state: s, reason: 'entries past the head were adopted', damaged: false }
  }
  // Walk the whole log from seq 1 and keep the longest chain that holds.
  let s: AuthorState = { seq: 0, hash: new Uint8Array(0) }
  let damaged = false
  for await (const [, v] of db.iterator({ gte: logKey(author, 1), lte: logKey(author, state.seq) })) {
    const e = decode(v)
    if (e === undefined) {
      damaged = true
      break
    }
    if (e.seq !== s.seq + 1 || (s.seq > 0 && (e.previous === null || !equalBytes(e.previous, s.hash)))) break
    s = { seq: e.seq, hash: sha256(v) }
  }
  return {
    state: withFork(s),
    reason: headEntry === undefined
      ? 'head pointed at a missing or damaged entry'
      : 'a link near the head did not hold',
    damaged
  }
}
