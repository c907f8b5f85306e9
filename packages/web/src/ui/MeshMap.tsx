import { useState } from 'preact/hooks'
import type { MeshMap as Map_, Placed } from '../meshmap.js'
import { layout } from '../meshmap.js'
import type { Names } from '../names.js'
import { sourceText } from '../peers.js'
import { shortId } from '../text.js'
import { duration } from '../time.js'
import type { Peer } from '../types.js'
import { useI18n } from '../i18n/index.js'

export interface MeshMapProps {
  map: Map_ | undefined
  peers: Peer[] | undefined
  names: Names
  error: string | undefined
}

const SIZE = 320

const CLOCK_SKEW_MS = 60_000

const ms = (x: number): string => `${Math.round(x * 10) / 10} ms`

/**
 * The mesh as a picture: boxes as nodes, links as edges, this box highlighted,
 * out-of-sync neighbours marked. Pointing at a box (or focusing it) tells what
 * we know of it in the line under the picture, so touch and keyboard get it too.
 */
export function MeshMap ({ map, peers, names, error }: MeshMapProps) {
  const { t } = useI18n()
  const [picked, setPicked] = useState<string | undefined>()
  const byId = new Map((peers ?? []).map((p) => [p.peerId, p]))
  const placed = map === undefined ? [] : layout(map, SIZE)
  const at = new Map(placed.map((p) => [p.peerId, p]))
  const label = (b: Placed): string => names.get(b.peerId) ?? shortId(b.peerId)
  const outOfSync = (b: Placed): boolean => byId.get(b.peerId)?.sync?.inSync === false
  const about = (b: Placed): string => {
    if (b.self) return t.mesh.thisBox(label(b))
    const p = byId.get(b.peerId)
    const parts = [label(b), t.mesh.hopsAway(b.hops)]
    if (p !== undefined && p.connected) parts.push(sourceText(p.source, t.mesh))
    // our own measurement for a neighbour; further out, what the box it hangs off reported
    const inward = map?.links.find((l) =>
      (l.a === b.peerId || l.b === b.peerId) && at.get(l.a === b.peerId ? l.b : l.a)?.hops === b.hops - 1
    )
    const latency = p?.connected === true ? p.latencyMs : undefined
    if (latency !== undefined) parts.push(t.mesh.latency(ms(latency)))
    else if (inward?.latencyMs !== undefined) parts.push(t.mesh.linkLatency(ms(inward.latencyMs)))
    else parts.push(t.mesh.latencyNotYet)
    if (p?.sync?.inSync === false) {
      parts.push(t.mesh.outOfSync(String(p.sync.weLack ?? '?'), String(p.sync.theyLack ?? '?')))
    } else if (p?.sync?.inSync === true) parts.push(t.mesh.inSync)
    const skew = b.clockOffsetMs ?? 0
    // the store refuses posts more than 10 min ahead; a minute either way is worth saying
    if (Math.abs(skew) >= CLOCK_SKEW_MS) {
      parts.push(t.mesh.clock(duration(Math.abs(skew)), skew > 0))
    }
    if (!b.reported) parts.push(t.mesh.noReport)
    return parts.join(' · ')
  }
  const shown = placed.find((b) => b.peerId === picked)
  // a line or a small mesh leaves most of the square empty: show only the rows that hold boxes (and their labels)
  const top = Math.max(0, Math.min(SIZE / 2, ...placed.map((b) => b.y)) - 24)
  const bottom = Math.min(SIZE, Math.max(SIZE / 2, ...placed.map((b) => b.y)) + 24)
  const side = (b: Placed): { x: number, anchor: string } =>
    b.x < SIZE / 2 - 1 ? { x: b.x - 14, anchor: 'end' } : { x: b.x + 14, anchor: 'start' }
  return (
    <section class="panel" id="meshmap" aria-labelledby="meshmap-title">
      <h2 id="meshmap-title">{t.meshTitle}</h2>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
      {map === undefined && error === undefined && <p class="muted">Asking the neighbours…</p>}
      {map !== undefined && (
        <svg
          viewBox={`0 ${top} ${SIZE} ${bottom - top}`}
          role="group"
          aria-label={`${map.boxes.length} boxes, ${map.links.length} links`}
          class="meshmap"
        >
          {map.links.map((l) => {
            const a = at.get(l.a)
            const b = at.get(l.b)
            if (a === undefined || b === undefined) return null
            return (
              <line
                key={`${l.a} ${l.b}`}
                x1={a.x}
                y1={a.y}
                x2={b.x}
                y2={b.y}
                class={l.oneSided ? 'link one-sided' : 'link'}
                data-a={l.a}
                data-b={l.b}
              >
                <title>
                  {l.latencyMs !== undefined ? ms(l.latencyMs) : t.mesh.latencyUnknown}
                  {l.oneSided ? t.mesh.oneSided : ''}
                </title>
              </line>
            )
          })}
          {placed.map((b) => {
            const text = side(b)
            return (
              <g
                key={b.peerId}
                tabIndex={0}
                role="img"
                aria-label={about(b)}
                data-peer={b.peerId}
                class={`box${b.self ? ' self' : ''}${outOfSync(b) ? ' out-of-sync' : ''}${
                  b.reported ? '' : ' unreported'
                }${picked === b.peerId ? ' picked' : ''}`}
                onMouseEnter={() => setPicked(b.peerId)}
                onFocus={() => setPicked(b.peerId)}
                onMouseLeave={() => setPicked(undefined)}
                onBlur={() => setPicked(undefined)}
              >
                <title>{about(b)}</title>
                <circle cx={b.x} cy={b.y} r={b.self ? 11 : 8} />
                <text x={text.x} y={b.y + 3.5} text-anchor={text.anchor}>
                  {label(b).slice(0, 16)}
                  {outOfSync(b) ? ' ⚠' : ''}
                </text>
              </g>
            )
          })}
        </svg>
      )}
      {map !== undefined && (
        <p class={`meshmap-detail${shown === undefined ? ' muted' : ''}`} aria-live="polite">
          {shown === undefined ? t.meshHint : about(shown)}
        </p>
      )}
      {map?.truncated === true && <p class="muted">{t.mesh.truncated}</p>}
    </section>
  )
}
