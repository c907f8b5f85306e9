import type { TopologyJson } from '@kiez/daemon/control'
import { duration, shortId, table } from './format.js'

export type TopologyFormat = 'text' | 'dot' | 'json'

function latency (ms: number | undefined): string {
  return ms === undefined ? '' : ` ${ms < 10 ? ms.toFixed(1) : Math.round(ms)}ms`
}

/** Adjacency list: one row per box, its neighbours with latency; `?` marks a link only one end claims. */
export function topologyText (t: TopologyJson): string {
  const around = new Map<string, string[]>()
  for (const l of t.links) {
    for (const [x, y] of [[l.a, l.b], [l.b, l.a]] as const) {
      const list = around.get(x) ?? []
      list.push(`${shortId(y)}${latency(l.latencyMs)}${l.oneSided ? ' ?' : ''}`)
      around.set(x, list)
    }
  }
  const rows = t.boxes.map((b) => [
    b.peerId + (b.self === true ? ' (this box)' : ''),
    String(b.hops),
    b.reported
      ? (b.clockOffsetMs !== undefined && Math.abs(b.clockOffsetMs) >= 60_000
        ? `clock ${b.clockOffsetMs > 0 ? '+' : '-'}${duration(Math.abs(b.clockOffsetMs))}`
        : 'yes')
      : 'no',
    (around.get(b.peerId) ?? []).join(', ') || '-'
  ])
  const lines = [
    `${t.boxes.length} boxes, ${t.links.length} links (in ${duration(t.durationMs)})`,
    table(['box', 'hops', 'reported', 'neighbours'], rows)
  ]
  if (t.links.some((l) => l.oneSided)) {
    lines.push('? = claimed by one end only (the other did not answer or does not list it)')
  }
  for (const f of t.failures) lines.push(`no answer from ${f.peerId}: ${f.code}`)
  if (t.truncated) lines.push('the map stops at 3 hops / 64 boxes / 10 s: boxes beyond are not shown')
  return lines.join('\n')
}

/** Graphviz: `kiez topology --format dot | dot -Tsvg > mesh.svg`. One-sided links dashed, this box bold. */
export function topologyDot (t: TopologyJson): string {
  // peer ids are base58 (checked by the daemon), but a quoted id never lets anything else through
  const q = (s: string): string => `"${s.replace(/[^A-Za-z0-9 .:…?+-]/g, '_')}"`
  const lines = ['graph kiez {', '  node [shape=box, fontname="monospace"];']
  for (const b of t.boxes) {
    const attrs = [`label=${q(shortId(b.peerId) + (b.self === true ? ' (this box)' : ''))}`]
    if (b.self === true) attrs.push('style=bold')
    if (!b.reported) attrs.push('color=gray')
    lines.push(`  ${q(b.peerId)} [${attrs.join(', ')}];`)
  }
  for (const l of t.links) {
    const attrs: string[] = []
    if (l.latencyMs !== undefined) attrs.push(`label=${q(latency(l.latencyMs).trim())}`)
    if (l.oneSided) attrs.push('style=dashed')
    lines.push(`  ${q(l.a)} -- ${q(l.b)}${attrs.length > 0 ? ` [${attrs.join(', ')}]` : ''};`)
  }
  lines.push('}')
  return lines.join('\n')
}
