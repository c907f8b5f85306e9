import { describe, expect, it } from 'vitest'
import { encode } from 'cborg'
import { decodeAnswer, decodeRequest, encodeAnswer, encodeRequest } from './wire.js'
import { merge } from './map.js'
import { PeerRateLimit } from './rate.js'
import { TopologyError } from './errors.js'

const A = '12D3KooWGRUVh7bKPd8aoFmLr2Hh4ofwAPPTfmqgQzbTjwZB3bMH'
const B = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const C = '12D3KooWLJtG8fd2hkQzTn96MrLvThmnNQjTUFZwGEsLRz5EmSzc'
const D = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'

function code (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof TopologyError ? err.code : 'other'
  }
  return undefined
}

describe('wire format', () => {
  it('round-trips a request and an answer', () => {
    expect(decodeRequest(encodeRequest({ depth: 2 }))).toEqual({ depth: 2 })
    const a = {
      clockMs: 1_700_000_000_000,
      reports: [{
        peerId: A,
        neighbours: [{ peerId: B, connected: true, source: 'mdns' as const, latencyMs: 1.5 }, {
          peerId: C,
          connected: false,
          source: null
        }]
      }]
    }
    expect(decodeAnswer(encodeAnswer(a))).toEqual(a)
  })

  it('is byte-exact as docs/TOPOLOGY.md shows', () => {
    // {"v": 1, "depth": 0}
    expect(Buffer.from(encodeRequest({ depth: 0 })).toString('hex')).toBe('a2617601656465707468' + '00')
  })

  it('refuses what is not a valid frame', () => {
    expect(code(() => decodeRequest(encode({ v: 1, depth: 3 })))).toBe('bad_message')
    expect(code(() => decodeRequest(encode({ v: 2, depth: 0 })))).toBe('bad_message')
    expect(code(() => decodeRequest(new Uint8Array([0xff])))).toBe('bad_message')
    expect(code(() => decodeAnswer(encode({ v: 1, clock: 1, reports: [] })))).toBe('bad_message')
    expect(code(() => decodeAnswer(encode({ v: 1, clock: 1, reports: [{ id: 'not-a-peer', n: [] }] })))).toBe(
      'bad_message'
    )
    expect(
      code(() =>
        decodeAnswer(
          encode({ v: 1, clock: 1, reports: [{ id: A, n: [{ id: B, c: true, s: 'carrier-pigeon', l: null }] }] })
        )
      )
    ).toBe('bad_message')
    expect(
      code(() =>
        decodeAnswer(encode({ v: 1, clock: 1, reports: [{ id: A, n: [{ id: B, c: true, s: null, l: -1 }] }] }))
      )
    ).toBe('bad_message')
    const many = Array.from({ length: 33 }, () => ({ id: B, c: true, s: null, l: null }))
    expect(code(() => decodeAnswer(encode({ v: 1, clock: 1, reports: [{ id: A, n: many }] })))).toBe('bad_message')
  })
})

describe('merge', () => {
  const n = (peerId: string, connected = true) => ({ peerId, connected, source: 'mdns' as const, latencyMs: 2 })

  it('a line of four: four boxes, three links, hops from us', () => {
    const m = merge(A, [
      { peerId: A, neighbours: [n(B)] },
      { peerId: B, neighbours: [n(A), n(C)] },
      { peerId: C, neighbours: [n(B), n(D)] },
      { peerId: D, neighbours: [n(C)] }
    ], { maxHops: 3, maxBoxes: 64 })
    expect(m.boxes.map((b) => [b.peerId, b.hops])).toEqual([[A, 0], [B, 1], [C, 2], [D, 3]])
    expect(m.boxes[0]?.self).toBe(true)
    expect(m.links).toHaveLength(3)
    expect(m.links.every((l) => !l.oneSided && l.latencyMs === 2)).toBe(true)
    expect(m.truncated).toBe(false)
  })

  it('marks a link only one end claims, ignores not-connected neighbours, and stops at the hop bound', () => {
    const m = merge(A, [
      { peerId: A, neighbours: [n(B), n(D, false)] },
      { peerId: B, neighbours: [n(A), n(C)] },
      { peerId: C, neighbours: [n(D)] } // C does not list B
    ], { maxHops: 2, maxBoxes: 64 })
    expect(m.boxes.map((b) => b.peerId)).toEqual([A, B, C])
    const bc = m.links.find((l) => [l.a, l.b].sort().join() === [B, C].sort().join())
    expect(bc?.oneSided).toBe(true)
    expect(bc?.reportedBy).toEqual([B])
    expect(m.truncated).toBe(true) // D is 3 hops away
  })
})

describe('rate limit', () => {
  it('allows the burst, then the rate', () => {
    let t = 0
    const r = new PeerRateLimit(2, 3, 2, () => t)
    expect([r.take('x'), r.take('x'), r.take('x'), r.take('x')]).toEqual([true, true, true, false])
    expect(r.take('y')).toBe(true)
    t += 500
    expect(r.take('x')).toBe(true)
    expect(r.take('x')).toBe(false)
  })
})
