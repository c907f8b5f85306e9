// The scale model's mechanics on networks small enough to count by hand (docs/SCALE.md).
import { describe, expect, it } from 'vitest'
// @ts-expect-error -- a plain JS script without types
import { gossipMesh, neighbours, propagate, rng, simulate, streetsTopology } from '../../scripts/scale-model.js'

const costs = { firstMs: 2, dupMs: 0.5, sendMs: 0.25, netMs: 0.1 }

describe('scale model', () => {
  it('two boxes: one send, reached after one first copy', () => {
    const topo = { n: 2, segments: [[0, 1]] }
    const adj = neighbours(topo)
    const mesh = gossipMesh(adj, { random: rng(1) })
    const r = propagate({ adj, mesh, origin: 0, costs })
    expect(r.sends).toBe(1)
    // from when the author's box stored it: one send, the wire, the receiver's first copy (it forwards to nobody)
    expect(r.reachAllMs).toBeCloseTo(0.25 + 0.1 + 2, 6)
  })

  it('one street of k ≤ Dlo + 1 boxes (a full mesh): flood publish plus every receiver forwarding to all but the source', () => {
    for (const k of [3, 4, 5]) {
      const topo = { n: k, segments: [Array.from({ length: k }, (_, i) => i)] }
      const adj = neighbours(topo)
      const mesh = gossipMesh(adj, { random: rng(k) })
      const r = propagate({ adj, mesh, origin: 0, costs })
      // (k − 1) from the author + (k − 1)(k − 2) forwards: k − 1 sends per delivered entry
      expect(r.sends / (k - 1)).toBe(k - 1)
      // at most as effective as excluding peers that already sent: never more sends
      const ex = propagate({ adj, mesh, origin: 0, costs, exclude: 'sent-before' })
      expect(ex.sends).toBeLessThanOrEqual(r.sends)
    }
  })

  it('the gossip mesh is symmetric and keeps degrees between Dlo and Dhi where neighbours allow', () => {
    const topo = streetsTopology({ streets: 9, perStreet: 20, layout: 'grid' })
    const adj = neighbours(topo)
    const mesh = gossipMesh(adj, { random: rng(7) })
    expect(mesh.some((m) => m.length < Math.min(12, adj[0].length))).toBe(true) // not simply everyone
    for (const [b, peers] of mesh.entries()) {
      for (const p of peers) expect(mesh[p]).toContain(b)
      expect(peers.length).toBeLessThanOrEqual(12)
      expect(peers.length).toBeGreaterThanOrEqual(Math.min(4, adj[b].length))
    }
  })

  it('streets: the lab chain and the grid have the boxes and corners they should', () => {
    const chain = streetsTopology({ streets: 6, perStreet: 5, layout: 'chain' })
    expect(chain.n).toBe(35) // as test/lab/topology.ts streets(5, 6)
    const grid = streetsTopology({ streets: 9, perStreet: 10, layout: 'grid' })
    // 3 × 3 streets: 6 horizontal and 6 vertical meetings, one corner box each
    expect(grid.n).toBe(90 + 12)
    const far = simulate({ streets: 6, perStreet: 5, layout: 'chain', costs, posts: 6 })
    expect(far.hops_max).toBe(6) // a house on the first street to one on the sixth: five corners between
    // everyone is reached, so reach-all is finite and every delivery cost at least one send
    expect(Number.isFinite(far.reach_all_ms_p99)).toBe(true)
    expect(far.sends_per_delivered_entry).toBeGreaterThanOrEqual(1)
  })

  it('shared cores slow reach-all down; own cores do not', () => {
    const base = { streets: 6, perStreet: 5, layout: 'chain', costs, posts: 4 }
    const own = simulate(base)
    const shared = simulate({ ...base, cores: 2 })
    expect(shared.reach_all_ms_p50).toBeGreaterThan(own.reach_all_ms_p50)
    expect(shared.sends_per_delivered_entry).toBe(own.sends_per_delivered_entry)
  })
})
