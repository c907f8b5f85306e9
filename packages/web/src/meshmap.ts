/** The mesh map: the gateway's /topology document, shape-checked, and a layout with no library. */

export interface MapBox {
  peerId: string
  self: boolean
  hops: number
  reported: boolean
  /** its clock minus ours (boxes we asked directly): a box an hour fast has its posts refused */
  clockOffsetMs?: number
}
export interface MapLink {
  a: string
  b: string
  latencyMs?: number
  oneSided: boolean
}
export interface MeshMap {
  self: string
  boxes: MapBox[]
  links: MapLink[]
  truncated: boolean
}

/** Bounds on what the page draws: the gateway caps a map at 64 boxes anyway. */
const MAX_BOXES = 128
const MAX_LINKS = 512

function isObject (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** Anything not shaped like a map is dropped, never drawn half-checked. */
export function asMeshMap (x: unknown): MeshMap | undefined {
  if (!isObject(x) || typeof x.self !== 'string' || !Array.isArray(x.boxes) || !Array.isArray(x.links)) return undefined
  const boxes: MapBox[] = []
  for (const b of x.boxes.slice(0, MAX_BOXES)) {
    if (
      !isObject(b) || typeof b.peerId !== 'string' || typeof b.hops !== 'number' || !Number.isInteger(b.hops) ||
      b.hops < 0
    ) continue
    const box: MapBox = {
      peerId: b.peerId,
      self: b.self === true,
      hops: Math.min(b.hops, 16),
      reported: b.reported !== false
    }
    if (typeof b.clockOffsetMs === 'number' && Number.isFinite(b.clockOffsetMs)) box.clockOffsetMs = b.clockOffsetMs
    boxes.push(box)
  }
  const ids = new Set(boxes.map((b) => b.peerId))
  const links: MapLink[] = []
  for (const l of x.links.slice(0, MAX_LINKS)) {
    if (!isObject(l) || typeof l.a !== 'string' || typeof l.b !== 'string' || !ids.has(l.a) || !ids.has(l.b)) continue
    const link: MapLink = { a: l.a, b: l.b, oneSided: l.oneSided === true }
    if (typeof l.latencyMs === 'number' && Number.isFinite(l.latencyMs) && l.latencyMs >= 0) {
      link.latencyMs = l.latencyMs
    }
    links.push(link)
  }
  return { self: x.self, boxes, links, truncated: x.truncated === true }
}

export interface Placed extends MapBox {
  x: number
  y: number
}

/**
 * Angles on one ring: each box as close as it can be to the box it hangs off
 * (`want`), at least `gap` apart, so a line stays a line and branches fan out
 * rather than cross. Falls back to even spacing when they do not fit.
 */
function spread (want: number[], gap: number): number[] {
  const out: number[] = []
  for (const w of want) out.push(Math.max(w, (out.at(-1) ?? -Infinity) + gap))
  const first = out[0]
  const last = out.at(-1)
  if (first === undefined || last === undefined || last - first <= 2 * Math.PI - gap) return out
  return want.map((_, i) => first + (2 * Math.PI * i) / want.length)
}

/**
 * Rings by hops: this box in the centre, its neighbours on the first ring,
 * theirs on the next, each placed near the box that links it inwards — a
 * picture that stays put between refreshes (no force simulation to settle).
 */
export function layout (map: MeshMap, size = 320): Placed[] {
  const c = size / 2
  const maxHops = Math.max(1, ...map.boxes.map((b) => b.hops))
  // room for the labels beside the outer ring's boxes
  const ring = (c - 44) / maxHops
  const angle = new Map<string, number>()
  const byHops = new Map<number, MapBox[]>()
  for (const b of map.boxes) byHops.set(b.hops, [...(byHops.get(b.hops) ?? []), b])
  const out: Placed[] = []
  for (const h of [...byHops.keys()].sort((a, b) => a - b)) {
    const list = byHops.get(h) ?? []
    // the angle of the inner box it hangs off; the first ring starts at the top
    const parentAngle = (b: MapBox): number => {
      for (const l of map.links) {
        const other = l.a === b.peerId ? l.b : l.b === b.peerId ? l.a : undefined
        const a = other !== undefined ? angle.get(other) : undefined
        if (a !== undefined && other !== map.self) return a
      }
      return -Math.PI / 2
    }
    const sorted = [...list].sort((p, q) => parentAngle(p) - parentAngle(q) || p.peerId.localeCompare(q.peerId))
    const want = h <= 1
      ? sorted.map((_, i) => (2 * Math.PI * i) / sorted.length - Math.PI / 2)
      : sorted.map(parentAngle)
    // boxes on a ring at least about 40 px apart (a box and its label)
    const angles = spread(want, Math.min((2 * Math.PI) / Math.max(1, sorted.length), 40 / Math.max(1, h * ring)))
    sorted.forEach((b, i) => {
      const a = h === 0 ? 0 : angles[i] ?? 0
      angle.set(b.peerId, a)
      const r = h * ring
      out.push({ ...b, x: Math.round((c + r * Math.cos(a)) * 10) / 10, y: Math.round((c + r * Math.sin(a)) * 10) / 10 })
    })
  }
  return out
}
