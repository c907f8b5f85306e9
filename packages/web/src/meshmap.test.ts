import { describe, expect, it } from 'vitest'
import { asMeshMap, layout } from './meshmap.js'

const doc = {
  self: 'A',
  boxes: [{ peerId: 'A', self: true, hops: 0, reported: true }, { peerId: 'B', hops: 1, reported: true }, {
    peerId: 'C',
    hops: 1,
    reported: true
  }, { peerId: 'D', hops: 2, reported: false }],
  links: [{ a: 'A', b: 'B', latencyMs: 1.2, reportedBy: ['A', 'B'], oneSided: false }, {
    a: 'A',
    b: 'C',
    reportedBy: ['A'],
    oneSided: true
  }, { a: 'B', b: 'D', reportedBy: ['B'], oneSided: true }],
  failures: [],
  truncated: false,
  durationMs: 3,
  ageMs: 0
}

describe('mesh map', () => {
  it('keeps what is well-shaped and drops links to boxes it does not have', () => {
    const m = asMeshMap({
      ...doc,
      links: [...doc.links, { a: 'A', b: 'Z', oneSided: false }, { a: 1, b: 'B' }],
      boxes: [...doc.boxes, { peerId: 'E', hops: -1 }]
    })
    expect(m?.boxes.map((b) => b.peerId)).toEqual(['A', 'B', 'C', 'D'])
    expect(m?.links).toHaveLength(3)
    expect(m?.links[1]?.oneSided).toBe(true)
    expect(asMeshMap({ self: 'A' })).toBeUndefined()
    expect(asMeshMap('<script>')).toBeUndefined()
  })

  it('lays out rings by hops: this box in the centre, every box inside the picture, none on top of another', () => {
    const placed = layout(asMeshMap(doc)!, 320)
    const a = placed.find((p) => p.peerId === 'A')!
    expect([a.x, a.y]).toEqual([160, 160])
    const dist = (p: { x: number, y: number }): number => Math.hypot(p.x - 160, p.y - 160)
    const b = placed.find((p) => p.peerId === 'B')!
    const d = placed.find((p) => p.peerId === 'D')!
    expect(dist(d)).toBeGreaterThan(dist(b))
    for (const p of placed) {
      expect(p.x).toBeGreaterThanOrEqual(0)
      expect(p.x).toBeLessThanOrEqual(320)
      expect(p.y).toBeGreaterThanOrEqual(0)
      expect(p.y).toBeLessThanOrEqual(320)
    }
    const keys = new Set(placed.map((p) => `${p.x},${p.y}`))
    expect(keys.size).toBe(placed.length)
  })

  it('a line stays a line: a box further out sits on the same ray as the box it hangs off, whichever side that is', () => {
    const box = (peerId: string, hops: number) => ({
      peerId,
      hops,
      reported: true,
      ...(hops === 0 ? { self: true } : {})
    })
    const link = (a: string, b: string) => ({ a, b, reportedBy: [a, b], oneSided: false })
    // S in the second place of a line P-S-Q-F-G (Q sorts after P, so it is not the ring's first box)
    const line = asMeshMap({
      self: 'S',
      boxes: [box('S', 0), box('P', 1), box('Q', 1), box('F', 2), box('G', 3)],
      links: [link('P', 'S'), link('S', 'Q'), link('Q', 'F'), link('F', 'G')]
    })!
    const at = new Map(layout(line, 320).map((p) => [p.peerId, p]))
    const angle = (id: string): number => Math.round(Math.atan2(at.get(id)!.y - 160, at.get(id)!.x - 160) * 100) / 100
    expect(angle('F')).toBe(angle('Q'))
    expect(angle('G')).toBe(angle('Q'))
    expect(angle('P')).not.toBe(angle('Q'))
  })

  it('boxes hanging off the same box fan out around it rather than sit on each other', () => {
    const box = (peerId: string, hops: number) => ({ peerId, hops, reported: true })
    const star = asMeshMap({
      self: 'S',
      boxes: [box('S', 0), box('N', 1), box('A', 2), box('B', 2), box('C', 2)],
      links: ['A', 'B', 'C'].map((x) => ({ a: 'N', b: x, oneSided: false })).concat([{
        a: 'S',
        b: 'N',
        oneSided: false
      }])
    })!
    const placed = layout(star, 320).filter((p) => p.hops === 2)
    const gaps = placed.flatMap((p) => placed.filter((q) => q !== p).map((q) => Math.hypot(p.x - q.x, p.y - q.y)))
    expect(gaps).toHaveLength(6)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(39)
  })
})
