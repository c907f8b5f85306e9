import { describe, expect, it } from 'vitest'
import { knownGap } from './sync-state.js'

describe('knownGap', () => {
  const base = { peerId: 'p', weLack: 0, theyLack: 0, syncing: false }
  it('entries it has that we lack are a gap, however old its heads', () => {
    expect(knownGap({ ...base, weLack: 2, headsAgeMs: 60_000 }, 1000, 100_000)).toBe(true)
  })
  it('entries we have that it lacked count only if it told us so after our newest entry arrived', () => {
    // heads received at 40 000, our newest entry at 50 000: gossip may have brought it since
    expect(knownGap({ ...base, theyLack: 1, headsAgeMs: 60_000 }, 50_000, 100_000)).toBe(false)
    // heads received at 90 000, after it: it still lacked one
    expect(knownGap({ ...base, theyLack: 1, headsAgeMs: 10_000 }, 50_000, 100_000)).toBe(true)
    expect(knownGap({ ...base, theyLack: 1 }, 0, 100_000)).toBe(false)
  })
  it('nothing missing either way is no gap', () => {
    expect(knownGap({ ...base, headsAgeMs: 0 }, 0, 100_000)).toBe(false)
  })
})
