import { describe, expect, it } from 'vitest'
import { BucketTable } from './bucket-table.js'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('allows the burst, then the rate, and refills to the capacity, not beyond', () => {
    let now = 0
    const b = new TokenBucket({ ratePerSecond: 10, capacity: 5, now: () => now })
    let taken = 0
    for (let i = 0; i < 100; i++) if (b.tryTake()) taken++
    expect(taken).toBe(5)
    now += 1000
    taken = 0
    for (let i = 0; i < 100; i++) if (b.tryTake()) taken++
    expect(taken).toBe(5)
    now += 100
    expect(b.tryTake()).toBe(true)
    expect(b.tryTake()).toBe(false)
  })

  it('takes n at once or nothing', () => {
    let now = 0
    const b = new TokenBucket({ ratePerSecond: 1000, capacity: 2000, now: () => now })
    expect(b.tryTake(1500)).toBe(true)
    expect(b.tryTake(600)).toBe(false)
    expect(b.tryTake(500)).toBe(true)
    now += 1
    expect(b.tryTake(1)).toBe(true)
    expect(b.tryTake(1)).toBe(false)
  })

  it('says how long until n tokens are there, clamping n to the capacity', () => {
    let now = 0
    const b = new TokenBucket({ ratePerSecond: 1000, capacity: 2000, now: () => now })
    expect(b.delayFor(2000)).toBe(0)
    expect(b.tryTake(2000)).toBe(true)
    expect(b.delayFor(500)).toBe(500)
    now += 250
    expect(b.delayFor(500)).toBe(250)
    now += 10_000
    expect(b.delayFor(10_000)).toBe(0)
  })
})

describe('BucketTable', () => {
  it('keeps a bucket per key and forgets the least recently used key first', () => {
    const now = 0
    const t = new BucketTable({ ratePerSecond: 1, capacity: 1, maxKeys: 2, now: () => now })
    expect(t.get('a').tryTake()).toBe(true)
    expect(t.get('b').tryTake()).toBe(true)
    expect(t.get('a').tryTake()).toBe(false) // a's own bucket, empty; a is now the most recent
    expect(t.get('c').tryTake()).toBe(true) // b forgotten, not a
    expect(t.size).toBe(2)
    expect(t.get('a').tryTake()).toBe(false)
    expect(t.get('b').tryTake()).toBe(true) // a fresh bucket
  })
})
