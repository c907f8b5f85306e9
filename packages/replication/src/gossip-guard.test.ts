import { describe, expect, it } from 'vitest'
import { GossipGuard } from './gossip-guard.js'

describe('GossipGuard', () => {
  it('refuses a peer after its strike budget, forgives it after the window', () => {
    let now = 0
    const g = new GossipGuard({
      maxInFlight: 2,
      maxWaiting: 2,
      maxStrikes: 3,
      windowMs: 1000,
      maxPeers: 10,
      now: () => now
    })
    expect([g.strike('a'), g.strike('a'), g.strike('a')]).toEqual([false, false, true])
    expect(g.refused('a')).toBe(true)
    expect(g.refused('b')).toBe(false)
    now = 1001
    expect(g.refused('a')).toBe(false)
  })

  it('runs at most maxInFlight per peer, queues maxWaiting, drops the rest', async () => {
    const g = new GossipGuard({ maxInFlight: 2, maxWaiting: 1, maxStrikes: 3, windowMs: 1000, maxPeers: 10 })
    const r1 = await g.acquire('a')
    const r2 = await g.acquire('a')
    let third = false
    const p3 = g.acquire('a').then((r) => {
      third = true
      return r
    })
    expect(await g.acquire('a')).toBeUndefined() // one waits already
    expect(await g.acquire('b')).toBeDefined() // other peers are not affected
    await Promise.resolve()
    expect(third).toBe(false)
    r1!()
    r1!() // idempotent
    const r3 = await p3
    expect(third).toBe(true)
    r2!()
    r3!()
    expect(await g.acquire('a')).toBeDefined()
  })
})
