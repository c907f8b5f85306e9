import type { PeerSyncJson, PingJson, SyncJson } from '@kiez/daemon/control'
import { describe, expect, it } from 'vitest'
import { lack, pingReport, syncReport } from './sync-report.js'

const A = '12D3KooWAuthorAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const base = { available: true, topic: 't', protocol: 'p', counters: {} }
const peer = (over: Partial<PeerSyncJson>): PeerSyncJson => ({
  peerId: 'P1',
  connected: true,
  weLack: 0,
  theyLack: 0,
  syncing: false,
  headsAgeMs: 5000,
  authors: [],
  ...over
})

describe('kiez sync, human form', () => {
  it('names the missing seqs as ranges', () => {
    expect(lack(0)).toBe('-')
    expect(lack(8, 13, 20)).toBe('8 (13..20)')
    expect(lack(1, 13, 13)).toBe('1 (13)')
    expect(lack(3)).toBe('3')
  })

  it('shows a neighbour that went, against its last heads, with the range it lacks', () => {
    const s: SyncJson = {
      ...base,
      peers: [
        peer({
          peerId: 'P1',
          authors: [{ author: A, ourSeq: 20, theirSeq: 20, weLack: 0, theyLack: 0, diverged: false }]
        }),
        peer({
          peerId: 'P2',
          connected: false,
          lastSeenMs: 61_000,
          theyLack: 8,
          authors: [{
            author: A,
            ourSeq: 20,
            theirSeq: 12,
            weLack: 0,
            theyLack: 8,
            diverged: false,
            theyLackFrom: 13,
            theyLackTo: 20
          }]
        })
      ]
    }
    const out = syncReport(s).split('\n')
    expect(out[0]).toBe('P1: we lack 0, they lack 0 (connected, their heads from 5s ago, not synced yet)')
    expect(out[1]).toBe('  in step on all 1 authors')
    expect(out[3]).toBe('P2: we lack 0, they lack 8 (gone 1m 1s ago, their heads from 5s ago)')
    expect(out[5]).toMatch(new RegExp(`^  ${A}\\s+20\\s+12\\s+-\\s+8 \\(13\\.\\.20\\)$`))
  })

  it('narrowed to one author: our seq, then a row per neighbour', () => {
    const s: SyncJson = {
      ...base,
      author: A,
      ourSeq: 20,
      peers: [
        peer({
          peerId: 'P2',
          connected: false,
          theyLack: 8,
          authors: [{
            author: A,
            ourSeq: 20,
            theirSeq: 12,
            weLack: 0,
            theyLack: 8,
            diverged: false,
            theyLackFrom: 13,
            theyLackTo: 20
          }]
        }),
        peer({ peerId: 'P3', headsAgeMs: undefined })
      ]
    }
    const out = syncReport(s).split('\n')
    expect(out[0]).toBe(`author ${A}: we hold up to seq 20`)
    expect(out[2]).toMatch(/^NEIGHBOUR\s+STATE\s+THEIR SEQ\s+WE LACK\s+THEY LACK\s+NOTE\s+HEADS FROM$/)
    expect(out[3]).toMatch(/^P2\s+gone\s+12\s+-\s+8 \(13\.\.20\)\s+5s ago$/)
    expect(out[4]).toMatch(/^P3\s+connected\s+\?\s+\?\s+\?\s+no heads yet$/)
    expect(syncReport({ ...base, author: A, peers: [] })).toContain('no neighbour has sent its heads yet')
  })
})

describe('kiez ping, human form', () => {
  it('a line per round trip, "no reply" for a lost one, then min/avg/max', () => {
    const p: PingJson = {
      target: 'T',
      count: 3,
      timeoutMs: 2000,
      rttsMs: [1.5, 3.5],
      lost: 1,
      pings: [{ seq: 1, rttMs: 1.5 }, { seq: 2 }, { seq: 3, rttMs: 3.5 }]
    }
    expect(pingReport('T', p).split('\n')).toEqual([
      'ping T (timeout 2 s)',
      'reply 1: 1.50 ms',
      'ping 2: no reply within 2 s',
      'reply 3: 3.50 ms',
      '3 sent, 2 answered, 1 lost; min/avg/max 1.50/2.50/3.50 ms'
    ])
  })
})
