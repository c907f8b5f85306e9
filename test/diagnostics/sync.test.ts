/**
 * Issue 5: `kiez sync --json` shows the missing range while a link is cut and
 * none after it heals. A 3-box segmented line 0 – 1 – 2; box 1 posts, the
 * link between 1 and 2 is cut, box 1 posts on. Box 1 still reports box 2
 * (connected: false) against the last heads box 2 sent: "they lack 13..20".
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import { control, kiezJson, peerIds, postMany, startDaemons, waitConnected, type SyncJson } from '../mesh/helpers.ts'
import { expectSchema } from './schemas.ts'

const skip = labSkipReason()
const BEFORE = 12
const DURING = 8

describe.skipIf(skip !== undefined)(
  `kiez sync across a cut link${skip !== undefined ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('box 1 names the seqs box 2 lacks while their link is cut, and none after it heals', async () => {
      const lab = await createLab({ ...line(3), mode: 'segment' })
      try {
        await startDaemons(lab, [0, 1, 2], () => ['--no-http'])
        const ids = await peerIds(lab, [0, 1, 2]) as [string, string, string]
        await waitConnected(lab, 1, [ids[0], ids[2]])
        const author = ids[1]
        /** box 1's row for box 2 and its own feed, narrowed by `kiez sync AUTHOR` */
        const rowFor2 = async (): Promise<{ s: SyncJson, peer: SyncJson['peers'][number] | undefined }> => {
          const s = await kiezJson<SyncJson>(lab, 1, ['sync', author])
          return { s, peer: s.peers.find((p) => p.peerId === ids[2]) }
        }

        await postMany(control(lab, 1), BEFORE, (i) => `before the cut ${i + 1}`, 1)
        // heads travel in sync sessions (on connect, every 30 s), not with gossip: wait for box 2's fresh ones
        await eventually(async () => {
          const { peer } = await rowFor2()
          return peer?.connected === true && peer.authors[0]?.theirSeq === BEFORE
        }, { what: `box 1 to see box 2 at seq ${BEFORE}`, timeoutMs: 60_000, intervalMs: 1000 })

        await lab.cut(1)
        const cutAt = Date.now()
        // the connection monitor notices the dead link; box 2 stays in the report, marked gone
        await eventually(async () => (await rowFor2()).peer?.connected === false, {
          what: 'box 1 to notice box 2 gone',
          timeoutMs: 60_000,
          intervalMs: 1000
        })
        const noticedMs = Date.now() - cutAt
        await postMany(control(lab, 1), DURING, (i) => `during the cut ${i + 1}`, 1)

        const full = await kiezJson<SyncJson>(lab, 1, ['sync'])
        expectSchema('sync', full)
        const gone = full.peers.find((p) => p.peerId === ids[2])
        expect(gone).toMatchObject({ connected: false, weLack: 0, theyLack: DURING })
        expect(gone?.lastSeenMs).toBeGreaterThanOrEqual(0)
        expect(gone?.authors.find((a) => a.author === author)).toEqual({
          author,
          ourSeq: BEFORE + DURING,
          theirSeq: BEFORE,
          weLack: 0,
          theyLack: DURING,
          diverged: false,
          theyLackFrom: BEFORE + 1,
          theyLackTo: BEFORE + DURING
        })
        // box 0 is still connected and listed first
        expect(full.peers[0]).toMatchObject({ peerId: ids[0], connected: true })
        const narrowed = await rowFor2()
        expectSchema('sync', narrowed.s)
        expect(narrowed.s).toMatchObject({ author, ourSeq: BEFORE + DURING })
        expect(narrowed.peer?.authors).toEqual([gone?.authors.find((a) => a.author === author)])
        const human = await lab.kiez(1, ['sync', author])
        expect(human.stdout).toMatch(
          new RegExp(
            `^${ids[2]}\\s+gone\\s+${BEFORE}\\s+-\\s+${DURING} \\(${BEFORE + 1}\\.\\.${BEFORE + DURING}\\)`,
            'm'
          )
        )

        await lab.heal(1)
        const healedAt = Date.now()
        // reconnect (redial or mDNS), catch-up, then box 2's next heads: in step, no range left
        const healed = await eventually(async () => {
          const s = await kiezJson<SyncJson>(lab, 1, ['sync'])
          const p = s.peers.find((x) => x.peerId === ids[2])
          return p?.connected === true && p.weLack === 0 && p.theyLack === 0 &&
              p.authors.some((a) => a.author === author)
            ? s
            : undefined
        }, { what: 'box 1 to see box 2 in step again', timeoutMs: 150_000, intervalMs: 2000 })
        console.info(
          `kiez sync: box 2 reported gone ${noticedMs} ms after the cut; in step ${
            Date.now() - healedAt
          } ms after the heal`
        )
        expectSchema('sync', healed)
        const row = healed.peers.find((p) => p.peerId === ids[2])?.authors.find((a) => a.author === author)
        expect(row).toEqual({
          author,
          ourSeq: BEFORE + DURING,
          theirSeq: BEFORE + DURING,
          weLack: 0,
          theyLack: 0,
          diverged: false
        })
        // the reconnected box is listed once, as connected
        expect(healed.peers.filter((p) => p.peerId === ids[2])).toHaveLength(1)
      } finally {
        await lab.close()
      }
    }, 360_000)
  }
)
