/**
 * Issue 14, "People, not boxes": members of a household post with their own
 * keys and the far end of a line sees them apart, by author and by name; a
 * member taken to a fresh box waits for their feed, then goes on with it.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import { isMsg, kiezJson, peerIds, startDaemons, status, waitConnected } from './helpers.ts'
import type { EntryJson, FeedJson } from './helpers.ts'

const skip = labSkipReason()

interface MemberJson {
  name: string
  author: string
  held?: true
}

describe.skipIf(skip !== undefined)(`people on boxes${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it(
    'two members of box 1 post; box 3 of the line shows two authors by name; one moves to a fresh box 4 without a fork',
    async () => {
      // box 4 hangs off box 3 and starts only after the export: a fresh box that never saw Anna
      const lab = await createLab({ ...line(4) })
      try {
        await startDaemons(lab, [0, 1, 2])
        const ids = await peerIds(lab, [0, 1, 2])
        await waitConnected(lab, 1, [ids[0]!, ids[2]!])

        const anna = await kiezJson<MemberJson>(lab, 0, ['member', 'add', 'Anna'])
        const ben = await kiezJson<MemberJson>(lab, 0, ['member', 'add', 'Ben'])
        expect(anna.author).not.toBe(ben.author)
        const a1 = await kiezJson<EntryJson>(lab, 0, ['post', '--as', 'Anna', 'Bohrmaschine zu verleihen'])
        const b1 = await kiezJson<EntryJson>(lab, 0, ['post', '--as', 'Ben', 'Wer kommt zum Flohmarkt?'])
        expect(a1.author).toBe(anna.author)
        expect(b1.author).toBe(ben.author)

        // box 3, two hops away: both posts, two distinct authors, each named by their own profile
        const feed = await eventually(async () => {
          const f = await kiezJson<FeedJson>(lab, 2, ['feed', '--limit', '50'])
          const ids = new Set(f.entries.map((e) => e.id))
          return ids.has(a1.id) && ids.has(b1.id) ? f : false
        }, { what: 'box 3 to hold both members\' posts', timeoutMs: 60_000, intervalMs: 1000 })
        const byId = new Map(feed.entries.map((e) => [e.id, e]))
        expect(byId.get(a1.id)?.author).toBe(anna.author)
        expect(byId.get(b1.id)?.author).toBe(ben.author)
        expect(byId.get(a1.id)?.author).not.toBe(byId.get(b1.id)?.author)
        const names = new Map(feed.entries.filter((e) => e.type === 'profile').map((e) => [e.author, e.name]))
        expect(names.get(anna.author)).toBe('Anna')
        expect(names.get(ben.author)).toBe('Ben')

        // Anna moves: her phrase, imported on box 4 which starts empty
        for (let i = 2; i <= 3; i++) await kiezJson<EntryJson>(lab, 0, ['post', '--as', 'Anna', `Anna ${i}`])
        const phrase = (await lab.kiez(0, ['member', 'export', 'Anna', '--yes'])).stdout.trim()
        expect(phrase.split(' ')).toHaveLength(24)
        const annaSeq = (await kiezJson<EntryJson>(lab, 0, ['post', '--as', 'Anna', 'last post from Hof 1'])).seq
        await startDaemons(lab, [3])
        const imported = await lab.kiez(3, ['member', 'import', 'Anna', '--json'], { input: phrase + '\n' })
        expect(imported.code, imported.stderr).toBe(0)
        expect(JSON.parse(imported.stdout)).toMatchObject({ author: anna.author, origin: 'imported', held: true })

        // held until box 4 has her feed up to what box 3 names; then she posts on her own chain
        await eventually(async () => {
          const m = (await kiezJson<{ members: MemberJson[] }>(lab, 3, ['member', 'list'])).members[0]
          return m !== undefined && m.held === undefined
        }, { what: 'box 4 to learn Anna\'s feed and release her', timeoutMs: 90_000, intervalMs: 1000 })
        const moved = await kiezJson<EntryJson>(lab, 3, ['post', '--as', 'Anna', 'Anna, now in Hof 4'])
        expect(moved.author).toBe(anna.author)
        // after her last post on box 1, and her profile naming box 4
        expect(moved.seq).toBeGreaterThan(annaSeq)
        await eventually(async () => {
          const f = await kiezJson<FeedJson>(lab, 0, ['feed', '--limit', '50'])
          return f.entries.some((e) => e.id === moved.id)
        }, { what: 'box 1 to get Anna\'s post from box 4', timeoutMs: 60_000, intervalMs: 1000 })
        for (const b of [0, 1, 2, 3]) expect((await status(lab, b)).store.forks, `forks on box ${b + 1}`).toBe(0)
        await lab.waitForLog(3, isMsg('learned a member\'s feed from a neighbour; they post again'), 1000)
      } finally {
        await lab.close()
      }
    },
    240_000
  )
})
