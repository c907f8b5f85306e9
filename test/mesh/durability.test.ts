/**
 * Issue 3, durability: a box that was offline while 10 000 entries were
 * written catches up, and kill -9 of a relaying box loses nothing.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import {
  control,
  isMsg,
  kiezJson,
  peerIds,
  postMany,
  startDaemons,
  status,
  waitConnected,
  waitEntryCount
} from './helpers.ts'
import type { SyncJson } from './helpers.ts'

const skip = labSkipReason()
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe.skipIf(skip !== undefined)(`mesh durability${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it(
    'offline catch-up: a box stopped while 10 000 entries are written elsewhere catches up after restart',
    async () => {
      const N = 10_000
      const lab = await createLab({ ...line(3) })
      try {
        await startDaemons(lab, range(3))
        const ids = await peerIds(lab, range(3))
        await waitConnected(lab, 1, [ids[0]!, ids[2]!])
        await lab.kill(2, 'SIGTERM')

        // No bulk endpoint exists: N concurrent posts on the control socket (what `kiez post` calls), each signed and synced.
        const t0 = Date.now()
        const posted = await postMany(control(lab, 0), N, (i) => `bulk ${i}`)
        console.info(`posted ${N} entries through the control API in ${Date.now() - t0} ms`)
        expect(new Set(posted).size).toBe(N)
        await waitEntryCount(lab, [1], N, 120_000)

        lab.start(2)
        await lab.waitForLog(2, isMsg('daemon started'), 30_000)
        const t1 = Date.now()
        await waitEntryCount(lab, [2], N, 120_000)
        console.info(`box 3 caught up ${N} entries within ${Date.now() - t1} ms of its restart`)
        // All of one author, contiguous (the store accepts seq n+1 only after n): the count and head prove nothing is missing.
        const s = await status(lab, 2)
        expect(s.counts).toMatchObject({ authors: 1, entries: N })
        // Box 3's head of the writer's feed is seq N, the same as its neighbour's.
        const sync = await kiezJson<SyncJson>(lab, 2, ['sync'])
        const relay = sync.peers.find((p) => p.peerId === ids[1])
        expect(relay?.weLack).toBe(0)
        expect(relay?.authors.find((a) => a.author === ids[0])).toMatchObject({ ourSeq: N, theirSeq: N, weLack: 0 })
      } finally {
        await lab.close()
      }
    },
    300_000
  )

  it(
    'kill -9 of the relaying middle box while entries flow both ways: after its restart no entry is lost anywhere',
    async () => {
      const M = 400
      const lab = await createLab({ ...line(3) })
      try {
        await startDaemons(lab, range(3))
        const ids = await peerIds(lab, range(3))
        await waitConnected(lab, 1, [ids[0]!, ids[2]!])
        let posted0 = 0
        const writer = async (box: number): Promise<string[]> => {
          const client = control(lab, box)
          const out: string[] = []
          for (let i = 0; i < M; i++) {
            out.push((await client.post({ text: `box ${box} #${i}` })).id)
            if (box === 0) posted0++
            await new Promise((resolve) => setTimeout(resolve, 10)) // a stream, not a burst
          }
          return out
        }
        const writers = Promise.all([writer(0), writer(2)])
        await eventually(async () => posted0 >= 100, {
          what: 'the writer on box 0 to post 100 entries',
          timeoutMs: 60_000,
          intervalMs: 20
        })
        await lab.kill(1, 'SIGKILL')
        expect(lab.process(1)?.signal).toBe('SIGKILL')
        const killedAt = posted0
        lab.start(1)
        await lab.waitForLog(1, isMsg('daemon started'), 30_000)
        const [ids0, ids2] = await writers
        // The relay was really down while entries flowed (not killed after the stream).
        expect(killedAt).toBeLessThan(M)
        expect(new Set([...ids0, ...ids2]).size).toBe(2 * M)

        await waitEntryCount(lab, range(3), 2 * M, 120_000)
        for (const b of range(3)) expect((await status(lab, b)).counts).toMatchObject({ authors: 2, entries: 2 * M })
        // Each author's head is its last acknowledged post on every box.
        for (const b of range(3)) {
          const sync = await kiezJson<SyncJson>(lab, b, ['sync'])
          for (const p of sync.peers) expect(p.weLack, `box ${b} vs ${p.peerId}`).toBe(0)
        }
      } finally {
        await lab.close()
      }
    },
    240_000
  )
})
