import { describe, expect, it } from 'vitest'
import { DepartedLog, type DepartedPeer } from './departed.js'
import type { WireHead } from './messages.js'

const heads = (n: number): WireHead[] =>
  Array.from({ length: n }, (_, i) => ({ author: new Uint8Array([i]), seq: i + 1, hash: new Uint8Array(32) }))
const peer = (id: string, n = 1): DepartedPeer => ({ peerId: id, heads: heads(n), headsAt: 1, disconnectedAt: 2 })

describe('DepartedLog', () => {
  it('lists the newest departure first and forgets the oldest beyond maxPeers', () => {
    const log = new DepartedLog({ maxPeers: 2 })
    log.note(peer('a'))
    log.note(peer('b'))
    log.note(peer('c'))
    expect(log.list().map((p) => p.peerId)).toEqual(['c', 'b'])
  })

  it('bounds the heads held over all peers, and refuses a vector over the bound outright', () => {
    const log = new DepartedLog({ maxHeads: 5 })
    log.note(peer('a', 3))
    log.note(peer('b', 2))
    expect(log.size).toBe(2)
    log.note(peer('c', 1))
    expect(log.list().map((p) => p.peerId)).toEqual(['c', 'b'])
    log.note(peer('huge', 6))
    expect(log.list().map((p) => p.peerId)).toEqual(['c', 'b'])
  })

  it('a peer noted again moves to the front; forget takes it out', () => {
    const log = new DepartedLog()
    log.note(peer('a'))
    log.note(peer('b'))
    log.note(peer('a', 2))
    expect(log.list().map((p) => [p.peerId, p.heads.length])).toEqual([['a', 2], ['b', 1]])
    log.forget('a')
    expect(log.list().map((p) => p.peerId)).toEqual(['b'])
  })
})
