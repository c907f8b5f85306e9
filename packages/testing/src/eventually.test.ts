import { describe, expect, it } from 'vitest'
import { eventually } from './index.js'

describe('eventually', () => {
  it('returns the first value that is not undefined, null or false (0 and the empty string count)', async () => {
    const answers: unknown[] = [undefined, null, false, 0]
    let calls = 0
    const v = await eventually(() => answers[calls++], { what: 'a zero', timeoutMs: 5000, intervalMs: 1 })
    expect(v).toBe(0)
    expect(calls).toBe(4)
    expect(await eventually(async () => '', { what: 'an empty string', timeoutMs: 0 })).toBe('')
  })

  it('counts a probe that throws as "not yet"', async () => {
    let calls = 0
    const v = await eventually(() => {
      if (++calls < 3) throw new Error('not listening yet')
      return { up: true }
    }, { what: 'the box', timeoutMs: 5000, intervalMs: 1 })
    expect(v).toEqual({ up: true })
  })

  it('names what it waited for, how long, and the last value when it times out', async () => {
    await expect(eventually(() => undefined, { what: 'two peers', timeoutMs: 30 }))
      .rejects.toThrow('timed out after 30 ms waiting for two peers; last: undefined')
    let n = 0
    await expect(eventually(() => (n++, false), { what: 'a count', timeoutMs: 30, intervalMs: 5 }))
      .rejects.toThrow(/^timed out after 30 ms waiting for a count; last: false$/)
    expect(n).toBeGreaterThan(1)
  })

  it('reports the last error by its message, and a thrown non-Error as JSON', async () => {
    await expect(eventually(() => {
      throw new Error('ECONNREFUSED')
    }, { what: 'the gateway', timeoutMs: 10 })).rejects.toThrow(/waiting for the gateway; last: threw ECONNREFUSED$/)
    await expect(eventually(() => {
      throw { code: 'busy' }
    }, { what: 'a slot', timeoutMs: 10 })).rejects.toThrow(/last: threw \{"code":"busy"\}$/)
  })
})
