import type { MeshMap as Map_, Placed } from '../meshmap.js'
import { layout } from '../meshmap.js'
import type { Names } from '../names.js'
import { sourceText } from '../peers.js'
import { shortId } from '../text.js'
import type { Peer } from '../types.js'

export interface MeshMapProps { map: Map_ | undefined, peers: Peer[] | undefined, names: Names, error: string | undefined }

const SIZE = 320

/** The mesh as a picture: boxes as nodes, links as edges, this box highlighted, out-of-sync neighbours marked. */
export function MeshMap ({ map, peers, names, error }: MeshMapProps) {
  const byId = new Map((peers ?? []).map((p) => [p.peerId, p]))
  const placed = map === undefined ? [] : layout(map, SIZE)
  const at = new Map(placed.map((p) => [p.peerId, p]))
  const label = (b: Placed): string => names.get(b.peerId) ?? shortId(b.peerId)
  const hover = (b: Placed): string => {
    if (b.self) return `${label(b)}: this box`
    const p = byId.get(b.peerId)
    const parts = [label(b), `${b.hops} hop${b.hops === 1 ? '' : 's'} away`]
    if (p !== undefined) {
      parts.push(sourceText(p.source))
      if (p.latencyMs !== undefined) parts.push(`latency ${Math.round(p.latencyMs * 10) / 10} ms`)
      if (p.sync?.inSync === false) parts.push(`out of sync: we lack ${p.sync.weLack ?? '?'}, it lacks ${p.sync.theyLack ?? '?'}`)
    }
    if (!b.reported) parts.push('did not report its own neighbours')
    return parts.join(' · ')
  }
  return (
    <section class='panel' id='meshmap' aria-labelledby='meshmap-title'>
      <h2 id='meshmap-title'>The mesh</h2>
      {error !== undefined && <p class='error' role='alert'>{error}</p>}
      {map === undefined && error === undefined && <p class='muted'>Asking the neighbours…</p>}
      {map !== undefined && (
        <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role='img' aria-label={`${map.boxes.length} boxes, ${map.links.length} links`} class='meshmap'>
          {map.links.map((l) => {
            const a = at.get(l.a)
            const b = at.get(l.b)
            if (a === undefined || b === undefined) return null
            return (
              <line key={`${l.a} ${l.b}`} x1={a.x} y1={a.y} x2={b.x} y2={b.y} class={l.oneSided ? 'link one-sided' : 'link'}>
                <title>{l.latencyMs !== undefined ? `${Math.round(l.latencyMs * 10) / 10} ms` : 'latency unknown'}{l.oneSided ? ' · claimed by one end only' : ''}</title>
              </line>
            )
          })}
          {placed.map((b) => {
            const out = byId.get(b.peerId)?.sync?.inSync === false
            return (
              <g key={b.peerId} class={`box${b.self ? ' self' : ''}${out ? ' out-of-sync' : ''}${b.reported ? '' : ' unreported'}`} data-peer={b.peerId}>
                <title>{hover(b)}</title>
                <circle cx={b.x} cy={b.y} r={b.self ? 11 : 8} />
                <text x={b.x} y={b.y + 22} text-anchor='middle'>{label(b).slice(0, 16)}</text>
              </g>
            )
          })}
        </svg>
      )}
      {map?.truncated === true && <p class='muted'>Boxes further than three hops are not shown.</p>}
    </section>
  )
}
