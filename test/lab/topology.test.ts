import { describe, expect, it } from 'vitest'
import { LabError } from './errors.ts'
import {
  boxAddress,
  computeRoutes,
  grid,
  line,
  linksOf,
  linkSubnet,
  ring,
  star,
  streets,
  topology,
  tree,
  validateSpec
} from './topology.ts'

describe('lab topology (pure)', () => {
  it('gives every link its own /24 inside 198.18.0.0/15 only', () => {
    expect(linkSubnet(0)).toBe('198.18.0.0')
    expect(linkSubnet(255)).toBe('198.18.255.0')
    expect(linkSubnet(256)).toBe('198.19.0.0')
    expect(linkSubnet(511)).toBe('198.19.255.0')
    expect(() => linkSubnet(512)).toThrow(LabError)
    expect(boxAddress(0, 3)).toBe('198.18.3.1')
    expect(boxAddress(253, 300)).toBe('198.19.44.254')
  })

  it('refuses specs it cannot build', () => {
    const code = (f: () => void): string | undefined => {
      try {
        f()
      } catch (e) {
        return (e as LabError).code
      }
      return undefined
    }
    expect(code(() => {
      validateSpec({ boxes: 0, links: [] })
    })).toBe('bad_spec')
    expect(code(() => {
      validateSpec({ boxes: 255, links: [] })
    })).toBe('bad_spec')
    expect(code(() => {
      validateSpec({ boxes: 3, links: [[0]] })
    })).toBe('bad_spec')
    expect(code(() => {
      validateSpec({ boxes: 3, links: [[0, 0]] })
    })).toBe('bad_spec')
    expect(code(() => {
      validateSpec({ boxes: 3, links: [[0, 3]] })
    })).toBe('bad_spec')
    expect(code(() => {
      validateSpec({ boxes: 3, links: [[0, 1.5]] })
    })).toBe('bad_spec')
    expect(code(() => {
      validateSpec(line(254))
    })).toBeUndefined()
  })

  it('builds the standard topologies', () => {
    expect(line(4).links).toEqual([[0, 1], [1, 2], [2, 3]])
    expect(ring(4).links).toEqual([[0, 1], [1, 2], [2, 3], [3, 0]])
    expect(linksOf(star(5), 0)).toHaveLength(4)
    const g = grid(3, 2)
    expect(g.boxes).toBe(6)
    expect(g.links).toHaveLength(7)
    expect(linksOf(g, 1)).toHaveLength(3)
    const t = tree(7)
    expect(linksOf(t, 1)).toHaveLength(3) // parent + two children
    expect(linksOf(t, 6)).toHaveLength(1)
    const s = streets(3)
    expect(s.boxes).toBe(11)
    expect(s.links.map((l) => l.length)).toEqual([4, 5, 4])
    expect(s.names?.[3]).toBe('corner-ab')
    expect(linksOf(s, 3)).toEqual([0, 1])
    expect(linksOf(s, 7)).toEqual([1, 2])
    // a bigger neighbourhood: six streets of five houses, five corners, each corner on two streets only
    const n = streets(5, 6)
    expect(n.boxes).toBe(35)
    expect(n.links.map((l) => l.length)).toEqual([6, 7, 7, 7, 7, 6])
    expect(n.names?.[5]).toBe('corner-ab')
    expect(n.names?.[34]).toBe('buche-5')
    for (const c of [5, 11, 17, 23, 29]) expect(linksOf(n, c)).toHaveLength(2)
    expect(() => streets(2, 11)).toThrow(/count/)
    for (const name of ['line', 'ring', 'star', 'grid', 'tree', 'streets'] as const) validateSpec(topology(name, 9))
  })

  it('routes along shortest paths, recomputed around cut attachments', () => {
    const r = computeRoutes(line(4))
    // box 0 reaches links 1 and 2 through box 1's address on link 0
    expect(r[0]).toEqual([
      { dest: '198.18.1.0/24', via: '198.18.0.2', dev: 'l0' },
      { dest: '198.18.2.0/24', via: '198.18.0.2', dev: 'l0' }
    ])
    expect(r[3]?.map((x) => x.via)).toEqual(['198.18.2.3', '198.18.2.3'])

    // ring of 6: link 3 (boxes 3-4) is closer going backwards from box 0 over link 5 (5-0)
    const spec = ring(6)
    const viaFor = (routes: ReturnType<typeof computeRoutes>, link: number): string | undefined =>
      routes[0]?.find((x) => x.dest === `${linkSubnet(link)}/24`)?.via
    expect(viaFor(computeRoutes(spec), 3)).toBe(boxAddress(5, 5))
    // cut link 5 on both sides: everything goes forward
    const cut = computeRoutes(spec, (_b, l) => l !== 5)
    expect(viaFor(cut, 3)).toBe(boxAddress(1, 0))
    expect(viaFor(cut, 5)).toBeUndefined() // box 0 is on link 5 itself: no static route

    // streets: a house on the first street reaches the third street via the corner box
    const st = streets(2)
    const house = 0
    expect(computeRoutes(st)[house]).toEqual([
      { dest: '198.18.1.0/24', via: boxAddress(2, 0), dev: 'l0' },
      { dest: '198.18.2.0/24', via: boxAddress(2, 0), dev: 'l0' }
    ])
  })
})
