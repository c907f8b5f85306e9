import { readEntry, signerFromSeed } from '@kiez/feed'
import { describe, expect, it } from 'vitest'
import { Log, NOW } from './index.js'

describe('Log', () => {
  const signer = signerFromSeed(new Uint8Array(32).fill(1))

  it('chains entries by seq and previous hash, 1 ms apart from NOW - 100 s, payloads attached', () => {
    const log = new Log(signer)
    const a = log.add({ type: 'post', text: 'eins' })
    const b = log.add({ type: 'post', text: 'zwei' })
    expect(log.entries).toEqual([a, b])
    expect([a.seq, b.seq]).toEqual([1, 2])
    expect(a.previous).toBeNull()
    expect(b.previous).toEqual(a.hash)
    expect([a.timestamp, b.timestamp]).toEqual([NOW - 100_000, NOW - 99_999])
    expect(b.payload).toBeDefined()
    const read = readEntry(b.bytes, { now: NOW })
    expect(read.ok && read.value.hash).toEqual(b.hash)
  })

  it('starts where it is told', () => {
    expect(new Log(signer, 5).add({ type: 'post', text: 'x' }).timestamp).toBe(5)
  })
})
