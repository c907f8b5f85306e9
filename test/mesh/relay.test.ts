/**
 * Issue 3, replication across segmented lines: hop-by-hop relay, partition
 * and heal. Segment mode: no IP forwarding, so a box reaches only its direct
 * neighbours and an entry crosses the line only by boxes relaying it.
 */
import { describe, expect, it } from 'vitest'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import {
  connectedPeers,
  feedTexts,
  isMsg,
  peerIds,
  post,
  startDaemons,
  waitConnected,
  waitFeedsHave
} from './helpers.ts'

const skip = labSkipReason()
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe.skipIf(skip !== undefined)(`mesh relay${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('6-box segmented line: a post on box 1 reaches box 6, relayed hop by hop (1 and 6 never connect)', async () => {
    const lab = await createLab({ ...line(6) })
    try {
      await startDaemons(lab, range(6))
      const ids = await peerIds(lab, range(6))
      const entry = await post(lab, 0, 'hello from the west end')
      expect(entry.author).toBe(ids[0])
      await waitFeedsHave(lab, range(6), ['hello from the west end'], 30_000)
      // The ends never had a connection: not now, and not at any time (their logs).
      expect((await connectedPeers(lab, 5)).map((p) => p.peerId)).not.toContain(ids[0])
      expect(lab.logs(5).some(isMsg('peer connected', (j) => j.peer === ids[0]))).toBe(false)
      expect(lab.logs(0).some(isMsg('peer connected', (j) => j.peer === ids[5]))).toBe(false)
    } finally {
      await lab.close()
    }
  }, 90_000)

  it(
    'partition and heal: both halves of a cut 6-box line post, and after the heal every box has every post',
    async () => {
      const lab = await createLab({ ...line(6) })
      try {
        await startDaemons(lab, range(6))
        const ids = await peerIds(lab, range(6))
        // The whole line is up before the cut (each box to its neighbours).
        await Promise.all(
          range(6).map(async (b) =>
            await waitConnected(lab, b, [ids[b - 1], ids[b + 1]].filter((x) => x !== undefined), 30_000)
          )
        )
        await post(lab, 0, 'before the cut')
        await waitFeedsHave(lab, range(6), ['before the cut'], 30_000)

        await lab.cut(2) // link 2 joins box 2 and box 3: west = 0..2, east = 3..5
        const west = ['west 0', 'west 2']
        const east = ['east 3', 'east 5']
        await Promise.all([
          post(lab, 0, 'west 0'),
          post(lab, 2, 'west 2'),
          post(lab, 3, 'east 3'),
          post(lab, 5, 'east 5')
        ])
        await waitFeedsHave(lab, [0, 1, 2], west, 30_000)
        await waitFeedsHave(lab, [3, 4, 5], east, 30_000)
        // The partition is real: nothing crossed it.
        for (const b of [0, 1, 2]) expect(await feedTexts(lab, b)).not.toContain('east 3')
        for (const b of [3, 4, 5]) expect(await feedTexts(lab, b)).not.toContain('west 2')

        await lab.heal(2)
        await waitFeedsHave(lab, range(6), ['before the cut', ...west, ...east], 90_000)
      } finally {
        await lab.close()
      }
    },
    180_000
  )
})
