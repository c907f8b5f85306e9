import { describe, expect, it } from 'vitest'
import { signerFromSeed } from '@kiez/feed'
import type { PeerSyncInfo, ReplicationInfo } from '@kiez/replication'
import { narrowSync, syncToJson } from './sync-json.js'
import { authorName } from './entry-json.js'
import { ApiError } from './errors.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const alice = signerFromSeed(new Uint8Array(32).fill(1))
const bob = signerFromSeed(new Uint8Array(32).fill(2))
const nobody = signerFromSeed(new Uint8Array(32).fill(3))
const NOW = 1_000_000

const peer = (
  peerId: string,
  rows: Array<[Uint8Array, number, number]>,
  over: Partial<PeerSyncInfo> = {}
): PeerSyncInfo => {
  const authors = rows.map(([a, ourSeq, theirSeq]) => ({
    author: hex(a),
    ourSeq,
    theirSeq,
    weLack: Math.max(0, theirSeq - ourSeq),
    theyLack: Math.max(0, ourSeq - theirSeq),
    diverged: false
  }))
  return {
    peerId,
    heads: [],
    authors,
    weLack: authors.reduce((n, a) => n + a.weLack, 0),
    theyLack: authors.reduce((n, a) => n + a.theyLack, 0),
    syncing: false,
    pendingPulls: 0,
    inboundStreams: 0,
    headsReceivedAtMs: NOW - 5000,
    ...over
  }
}

const info: ReplicationInfo = {
  topic: 't',
  protocol: 'p',
  announceQueue: 0,
  counters: {} as ReplicationInfo['counters'],
  peers: [peer('P1', [[alice.publicKey, 20, 20], [bob.publicKey, 3, 7]])],
  departed: [peer('P2', [[alice.publicKey, 20, 12], [bob.publicKey, 3, 3]], { disconnectedAtMs: NOW - 60_000 })]
}

describe('sync JSON', () => {
  it('lists connected neighbours, then departed ones (connected: false, lastSeenMs), with the missing seqs as ranges', () => {
    const s = syncToJson(info, NOW)
    expect(s.peers.map((p) => [p.peerId, p.connected, p.lastSeenMs])).toEqual([['P1', true, undefined], [
      'P2',
      false,
      60_000
    ]])
    expect(s.peers[0]?.authors.find((a) => a.author === authorName(bob.publicKey))).toEqual({
      author: authorName(bob.publicKey),
      ourSeq: 3,
      theirSeq: 7,
      weLack: 4,
      theyLack: 0,
      diverged: false,
      weLackFrom: 4,
      weLackTo: 7
    })
    expect(s.peers[1]?.authors.find((a) => a.author === authorName(alice.publicKey))).toMatchObject({
      theyLack: 8,
      theyLackFrom: 13,
      theyLackTo: 20
    })
    expect(s.peers[1]?.authors.find((a) => a.author === authorName(alice.publicKey))).not.toHaveProperty('weLackFrom')
  })

  it('narrowed to one author: one row per neighbour, totals of that author alone, our seq', () => {
    const n = narrowSync(syncToJson(info, NOW), authorName(alice.publicKey))
    expect(n.author).toBe(authorName(alice.publicKey))
    expect(n.ourSeq).toBe(20)
    expect(n.peers.map((p) => [p.peerId, p.weLack, p.theyLack, p.authors.length])).toEqual([['P1', 0, 0, 1], [
      'P2',
      0,
      8,
      1
    ]])
    // an author nobody holds: zero rows, not missing ones
    const none = narrowSync(syncToJson(info, NOW), authorName(nobody.publicKey))
    expect(none.ourSeq).toBe(0)
    expect(none.peers[0]?.authors).toEqual([{
      author: authorName(nobody.publicKey),
      ourSeq: 0,
      theirSeq: 0,
      weLack: 0,
      theyLack: 0,
      diverged: false
    }])
  })

  it('refuses what is not an author peer id with bad_author (400)', () => {
    for (const bad of ['not-a-peer', 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N']) {
      expect(() => narrowSync(syncToJson(info, NOW), bad)).toThrow(ApiError)
      try {
        narrowSync(syncToJson(info, NOW), bad)
      } catch (err) {
        expect(err).toMatchObject({ status: 400, code: 'bad_author' })
      }
    }
  })
})
