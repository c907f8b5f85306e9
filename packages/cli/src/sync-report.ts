/** Human forms of `kiez sync` and `kiez ping` (the JSON is the daemon's, printed as is). */
import type { AuthorSyncJson, PeerSyncJson, PingJson, SyncJson } from '@kiez/daemon/control'
import { ago, safeText, table } from './format.js'

/** "8 (13..20)", "1 (13)" or "-": how many are missing, and which seqs. */
export function lack (n: number, from?: number, to?: number): string {
  if (n <= 0) return '-'
  if (from === undefined || to === undefined) return String(n)
  return `${n} (${from === to ? from : `${from}..${to}`})`
}

function state (p: PeerSyncJson): string {
  const parts = [
    p.connected ? 'connected' : `gone${p.lastSeenMs !== undefined ? ` ${ago(p.lastSeenMs)}` : ''}`,
    p.headsAgeMs !== undefined ? `their heads from ${ago(p.headsAgeMs)}` : 'no heads from them yet'
  ]
  if (p.connected) {
    parts.push(
      p.syncing ? 'syncing now' : p.lastSyncAgoMs !== undefined ? `last sync ${ago(p.lastSyncAgoMs)}` : 'not synced yet'
    )
  }
  if (p.lastSyncError !== undefined) parts.push(`last error: ${safeText(p.lastSyncError)}`)
  return parts.join(', ')
}

const weLack = (a: AuthorSyncJson): string => lack(a.weLack, a.weLackFrom, a.weLackTo)
const theyLack = (a: AuthorSyncJson): string => lack(a.theyLack, a.theyLackFrom, a.theyLackTo)
const indent = (text: string): string => text.split('\n').map((l) => '  ' + l).join('\n')

/** Per neighbour: totals and state, then the authors out of step (all in step: one line). */
function fullReport (s: SyncJson): string {
  return s.peers.map((p) => {
    const head = `${p.peerId}: we lack ${p.weLack}, they lack ${p.theyLack} (${state(p)})`
    const rows = p.authors
      .filter((a) => a.weLack > 0 || a.theyLack > 0 || a.diverged)
      .map((a) => [a.author, String(a.ourSeq), String(a.theirSeq), weLack(a), theyLack(a), a.diverged ? 'forked' : ''])
    if (rows.length > 0) {
      return `${head}\n${indent(table(['author', 'our seq', 'their seq', 'we lack', 'they lack', 'note'], rows))}`
    }
    return p.headsAgeMs === undefined ? head : `${head}\n  in step on all ${p.authors.length} authors`
  }).join('\n\n')
}

/** One author: our seq, then one row per neighbour. */
function authorReport (s: SyncJson, author: string): string {
  const head = `author ${author}: ${
    s.ourSeq === undefined
      ? 'our seq unknown (no neighbour has sent its heads)'
      : s.ourSeq === 0
      ? 'we hold none of its entries'
      : `we hold up to seq ${s.ourSeq}`
  }`
  const rows = s.peers.map((p) => {
    const a = p.authors[0]
    return [
      p.peerId,
      p.connected ? 'connected' : 'gone',
      a === undefined ? '?' : String(a.theirSeq),
      a === undefined ? '?' : weLack(a),
      a === undefined ? '?' : theyLack(a),
      a?.diverged === true ? 'forked' : '',
      p.headsAgeMs !== undefined ? ago(p.headsAgeMs) : 'no heads yet'
    ]
  })
  return `${head}\n\n${table(['neighbour', 'state', 'their seq', 'we lack', 'they lack', 'note', 'heads from'], rows)}`
}

export function syncReport (s: SyncJson): string {
  if (!s.available) return 'replication is not running in this daemon'
  if (s.peers.length === 0) {
    return s.author !== undefined
      ? `author ${s.author}: no neighbour has sent its heads yet: nothing to compare`
      : 'no neighbour has sent its heads yet: nothing to compare'
  }
  return s.author !== undefined ? authorReport(s, s.author) : fullReport(s)
}

function ms (x: number): string {
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : String(Math.round(x))
}

/** Like ping(8): a line per round trip (or "no reply"), then the summary with min/avg/max. */
export function pingReport (target: string, p: PingJson): string {
  const seconds = p.timeoutMs / 1000
  const lines = p.pings.map((x) =>
    x.rttMs !== undefined ? `reply ${x.seq}: ${ms(x.rttMs)} ms` : `ping ${x.seq}: no reply within ${seconds} s`
  )
  const answered = p.rttsMs.length
  let summary = `${p.count} sent, ${answered} answered, ${p.lost} lost`
  if (answered > 0) {
    const avg = p.rttsMs.reduce((a, b) => a + b, 0) / answered
    summary += `; min/avg/max ${ms(Math.min(...p.rttsMs))}/${ms(avg)}/${ms(Math.max(...p.rttsMs))} ms`
  }
  return `ping ${safeText(target)} (timeout ${seconds} s)\n${[...lines, summary].join('\n')}`
}
