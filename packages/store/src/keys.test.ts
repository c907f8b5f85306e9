import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { logKey, readU64, timeKey } from './keys.js'

describe('store keys', () => {
  it('encode u64 big-endian so byte order is numeric order', () => {
    const author = new Uint8Array(32).fill(3)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (a, b) => {
          expect(readU64(logKey(author, a), 33)).toBe(a)
          const cmp = Buffer.compare(timeKey(a, author), timeKey(b, author))
          expect(Math.sign(cmp)).toBe(Math.sign(a - b))
        }
      ),
      { numRuns: 2000 }
    )
  })
})
