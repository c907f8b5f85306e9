import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mapShape, TopologyWatch } from './topology-watch.js'
import type { TopologyView } from './types.js'

const map = (ids: string[], latencyMs = 1): TopologyView => ({
  self: ids[0] ?? '',
  boxes: ids.map((peerId, hops) => ({ peerId, hops, reported: true, ...(hops === 0 ? { self: true } : {}) })),
  links: ids.slice(1).map((b, i) => ({ a: ids[i] ?? '', b, latencyMs, reportedBy: [b], oneSided: false })),
  failures: [],
  truncated: false,
  durationMs: 5
})

const tick = async (ms: number): Promise<void> => {
  await vi.advanceTimersByTimeAsync(ms)
}

describe('TopologyWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('publishes the first map and each change of boxes or links, not latency changes, and only while someone listens', async () => {
    let current = map(['A', 'B'])
    let listening = true
    const fresh: boolean[] = []
    const published: TopologyView[] = []
    const w = new TopologyWatch({
      draw: async (f) => {
        fresh.push(f)
        return current
      },
      publish: (m) => {
        published.push(m)
      },
      listening: () => listening,
      everyMs: 20,
      settleMs: 5
    })
    w.start()
    try {
      await tick(60)
      expect(published).toHaveLength(1)
      current = map(['A', 'B'], 7) // only a latency changed
      await tick(60)
      expect(published).toHaveLength(1)
      current = map(['A', 'B', 'C'])
      await tick(60)
      expect(published.map((m) => m.boxes.length)).toEqual([2, 3])
      listening = false
      const calls = fresh.length
      current = map(['A'])
      await tick(60)
      expect(fresh.length).toBe(calls) // nobody listens: no crawl
      listening = true
      w.poke()
      await tick(15)
      expect(fresh).toContain(true) // a peer event asks for a fresh map
      expect(published.map((m) => m.boxes.length)).toEqual([2, 3, 1])
    } finally {
      w.stop()
    }
    const n = fresh.length
    await tick(60)
    expect(fresh.length).toBe(n)
  })

  it('a shape names boxes, hops and links in any order, and whether a link is one-sided', () => {
    const m = map(['A', 'B', 'C'])
    const reordered = {
      ...m,
      boxes: [...m.boxes].reverse(),
      links: m.links.map((l) => ({ ...l, a: l.b, b: l.a })).reverse()
    }
    expect(mapShape(reordered)).toBe(mapShape(m))
    expect(mapShape({ ...m, links: m.links.map((l, i) => ({ ...l, oneSided: i === 0 })) })).not.toBe(mapShape(m))
  })
})
