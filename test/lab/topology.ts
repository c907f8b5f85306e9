/**
 * Pure topology maths for the lab: the spec shape, standard topologies,
 * addressing (198.18.0.0/15 only) and shortest-path static routes.
 * Nothing here touches the system, so it is unit-tested without root.
 */
import { LabError } from './errors.ts'

/** Boxes 0..boxes-1; each link lists >= 2 boxes (2 = veth pair, more = L2 segment on a bridge). */
export interface LabSpec {
  boxes: number
  links: number[][]
  /** Optional display names (demo output only). */
  names?: string[]
}

export type LinkMode = 'segment' | 'routed'

/** One /24 per link: 198.18.0.0/24 … 198.18.255.0/24, then 198.19.0.0/24 … */
export const MAX_LINKS = 512
/** Host part is box+1 and .255 is broadcast. */
export const MAX_BOXES = 254

export function validateSpec (spec: LabSpec): void {
  const { boxes, links } = spec
  if (!Number.isInteger(boxes) || boxes < 1 || boxes > MAX_BOXES) {
    throw new LabError('bad_spec', `boxes must be an integer in 1..${MAX_BOXES}, got ${boxes}`)
  }
  if (!Array.isArray(links) || links.length > MAX_LINKS) {
    throw new LabError('bad_spec', `at most ${MAX_LINKS} links`)
  }
  links.forEach((link, l) => {
    if (!Array.isArray(link) || link.length < 2) {
      throw new LabError('bad_spec', `link ${l} must join at least 2 boxes`)
    }
    if (new Set(link).size !== link.length) {
      throw new LabError('bad_spec', `link ${l} lists a box twice`)
    }
    for (const b of link) {
      if (!Number.isInteger(b) || b < 0 || b >= boxes) {
        throw new LabError('bad_spec', `link ${l} names box ${b}, outside 0..${boxes - 1}`)
      }
    }
  })
}

/** Network address of a link's /24. */
export function linkSubnet (link: number): string {
  if (!Number.isInteger(link) || link < 0 || link >= MAX_LINKS) {
    throw new LabError('bad_link', `link ${link} outside 0..${MAX_LINKS - 1}`)
  }
  return link < 256 ? `198.18.${link}.0` : `198.19.${link - 256}.0`
}

/** Box `box`'s address on link `link` (host part box+1). */
export function boxAddress (box: number, link: number): string {
  return linkSubnet(link).replace(/\.0$/, `.${box + 1}`)
}

/** Interface name of a link inside a box; names are per-namespace, so short and stable. */
export function linkIfName (link: number): string {
  return `l${link}`
}

/** The links box `box` is attached to, ascending. */
export function linksOf (spec: LabSpec, box: number): number[] {
  const out: number[] = []
  spec.links.forEach((link, l) => {
    if (link.includes(box)) out.push(l)
  })
  return out
}

export interface Route {
  /** CIDR, e.g. 198.18.3.0/24 */
  dest: string
  via: string
  dev: string
}

/** "box b is attached to link l and that attachment is up" */
export type AttachmentUp = (box: number, link: number) => boolean

/**
 * Static routes for every box: for each link the box is not on, go via the
 * first hop of a shortest path (BFS, lowest index wins ties) to the nearest
 * box with a live attachment to that link. Recomputed after cut/heal so
 * routed mode behaves like a network with a working routing protocol.
 */
export function computeRoutes (spec: LabSpec, up: AttachmentUp = () => true): Route[][] {
  const routes: Route[][] = []
  for (let src = 0; src < spec.boxes; src++) {
    // BFS over live attachments; remember the first hop (box + link) of each path.
    const first = new Map<number, { box: number, link: number }>()
    const seen = new Set([src])
    let frontier = [src]
    while (frontier.length > 0) {
      const next: number[] = []
      for (const b of frontier) {
        spec.links.forEach((link, l) => {
          if (!link.includes(b) || !up(b, l)) return
          for (const n of link) {
            if (seen.has(n) || !up(n, l)) continue
            seen.add(n)
            first.set(n, b === src ? { box: n, link: l } : first.get(b)!)
            next.push(n)
          }
        })
      }
      frontier = next
    }
    // Visit order of `first` is BFS order, so the first live member found is the nearest.
    const order = [...first.keys()]
    const own: Route[] = []
    spec.links.forEach((link, l) => {
      if (link.includes(src)) return
      const target = order.find((b) => link.includes(b) && up(b, l))
      if (target === undefined) return
      const hop = first.get(target)!
      own.push({ dest: `${linkSubnet(l)}/24`, via: boxAddress(hop.box, hop.link), dev: linkIfName(hop.link) })
    })
    routes.push(own)
  }
  return routes
}

// --- standard topologies -------------------------------------------------

export function line (n: number): LabSpec {
  const links: number[][] = []
  for (let i = 0; i + 1 < n; i++) links.push([i, i + 1])
  return { boxes: n, links }
}

export function ring (n: number): LabSpec {
  if (n < 3) throw new LabError('bad_spec', 'a ring needs at least 3 boxes')
  const spec = line(n)
  spec.links.push([n - 1, 0])
  return spec
}

/** Box 0 is the centre, linked to every other box. */
export function star (n: number): LabSpec {
  const links: number[][] = []
  for (let i = 1; i < n; i++) links.push([0, i])
  return { boxes: n, links }
}

/** width × height grid, box = row * width + column, links to the right and down. */
export function grid (width: number, height: number): LabSpec {
  const links: number[][] = []
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const b = r * width + c
      if (c + 1 < width) links.push([b, b + 1])
      if (r + 1 < height) links.push([b, b + width])
    }
  }
  return { boxes: width * height, links }
}

/** Complete tree in breadth-first order: box k's parent is floor((k-1)/fanout); inner boxes have fanout+1 links. */
export function tree (n: number, fanout = 2): LabSpec {
  if (!Number.isInteger(fanout) || fanout < 1) throw new LabError('bad_spec', 'fanout must be >= 1')
  const links: number[][] = []
  for (let k = 1; k < n; k++) links.push([Math.floor((k - 1) / fanout), k])
  return { boxes: n, links }
}

const STREET_NAMES = ['ahorn', 'birke', 'kastanie', 'linde', 'eiche', 'buche', 'ulme', 'erle', 'esche', 'pappel']

/**
 * `count` street segments (L2, one bridge each, default three) with `perStreet`
 * houses, each joined to the next by a corner box that sits on both streets —
 * the docker compose neighbourhood in miniature. Links: 0 = Ahornweg,
 * 1 = Birkenstraße, 2 = Kastanienallee, then Linde, Eiche, … Box order: the
 * first street's houses, corner-ab, the second street's houses, corner-bc, …
 */
export function streets (perStreet = 3, count = 3): LabSpec {
  if (!Number.isInteger(perStreet) || perStreet < 1) throw new LabError('bad_spec', 'perStreet must be >= 1')
  if (!Number.isInteger(count) || count < 1 || count > STREET_NAMES.length) {
    throw new LabError('bad_spec', `count must be 1..${STREET_NAMES.length}`)
  }
  const names: string[] = []
  const add = (name: string): number => names.push(name) - 1
  const links: number[][] = []
  let corner: number | undefined
  for (let s = 0; s < count; s++) {
    const houses = Array.from({ length: perStreet }, (_, i) => add(`${STREET_NAMES[s]}-${i + 1}`))
    const next = s + 1 < count ? add(`corner-${'abcdefghij'[s]}${'abcdefghij'[s + 1]}`) : undefined
    links.push([...(corner !== undefined ? [corner] : []), ...houses, ...(next !== undefined ? [next] : [])])
    corner = next
  }
  return { boxes: names.length, links, names }
}

export const TOPOLOGIES = ['line', 'ring', 'star', 'grid', 'tree', 'streets'] as const
export type TopologyName = typeof TOPOLOGIES[number]

/** Build a named topology with about `boxes` boxes (grid: nearest w×h, streets: per street = boxes/3). */
export function topology (name: TopologyName, boxes: number): LabSpec {
  switch (name) {
    case 'line':
      return line(boxes)
    case 'ring':
      return ring(boxes)
    case 'star':
      return star(boxes)
    case 'tree':
      return tree(boxes)
    case 'grid': {
      const w = Math.ceil(Math.sqrt(boxes))
      return grid(w, Math.ceil(boxes / w))
    }
    case 'streets':
      return streets(Math.max(1, Math.round((boxes - 2) / 3)))
    default:
      throw new LabError('bad_spec', `unknown topology ${String(name)}`)
  }
}
