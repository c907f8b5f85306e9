import { describe, expect, it } from 'vitest'
import { ForeignPeers } from './foreign.js'

describe('ForeignPeers', () => {
  it('remembers a peer until its time runs out', () => {
    let now = 0
    const f = new ForeignPeers(10, 1000, () => now)
    f.add('a')
    expect(f.has('a')).toBe(true)
    now = 999
    expect(f.has('a')).toBe(true)
    now = 1000
    expect(f.has('a')).toBe(false)
    expect(f.size).toBe(0)
  })

  it('is bounded: a flood of strangers evicts the oldest, never grows past the cap', () => {
    const f = new ForeignPeers(3, 1000, () => 0)
    for (const id of ['a', 'b', 'c', 'd']) f.add(id)
    expect(f.size).toBe(3)
    expect(f.has('a')).toBe(false)
    expect(f.has('d')).toBe(true)
  })
})
