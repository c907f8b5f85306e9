import { describe, expect, it } from 'vitest'
import { asMeshMap, layout } from './meshmap.js'

const doc = {
  self: 'A',
  boxes: [{ peerId: 'A', self: true, hops: 0, reported: true }, { peerId: 'B', hops: 1, reported: true }, { peerId: 'C', hops: 1, reported: true }, { peerId: 'D', hops: 2, reported: false }],
  links: [{ a: 'A', b: 'B', latencyMs: 1.2, reportedBy: ['A', 'B'], oneSided: false }, { a: 'A', b: 'C', reportedBy: ['A'], oneSided: true }, { a: 'B', b: 'D', reportedBy: ['B'], oneSided: true }],
  failures: [],
  truncated: false,
  durationMs: 3,
  ageMs: 0
}

describe('mesh map', () => {
  it('keeps what is well-shaped and drops links to boxes it does not have', () => {
    const m = asMeshMap({ ...doc, links: [...doc.links, { a: 'A', b: 'Z', oneSided: false }, { a: 1, b: 'B' }], boxes: [...doc.boxes, { peerId: 'E', hops: -1 }] })
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
    for (const p of placed) { expect(p.x).toBeGreaterThanOrEqual(0); expect(p.x).toBeLessThanOrEqual(320); expect(p.y).toBeGreaterThanOrEqual(0); expect(p.y).toBeLessThanOrEqual(320) }
    const keys = new Set(placed.map((p) => `${p.x},${p.y}`))
    expect(keys.size).toBe(placed.length)
  })
})
