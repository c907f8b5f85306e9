/**
 * Issue 5, diagnostics: `kiez why` names the reason — a forged entry a rogue
 * pushed by gossip (refused: bad_signature, by whom), an entry of ours (here),
 * one nobody has offered (never seen, with how far we hold its author).
 * Real daemons on 127.0.0.1 and the adversarial suite's rogue node; no lab needed.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createEntry, entryId, sha256, signerFromSeed } from '@kiez/feed'
import type { EntryJson, WhyJson } from '@kiez/daemon/control'
import { kiez } from '../../packages/cli/src/testing/daemons.js'
import type { LocalDaemon } from '../adversarial/daemons.ts'
import { useBoxes } from '../adversarial/fixture.ts'
import { forged, gossipEntry, randomSigner } from '../adversarial/rogue.ts'
import { expectSchema } from './schemas.ts'

const boxes = useBoxes()

async function why (d: LocalDaemon, args: string[]): Promise<WhyJson> {
  const r = await kiez(['why', ...args, '--json', '--data-dir', d.dataDir])
  expect(r.code, r.stderr).toBe(0)
  const w = JSON.parse(r.stdout) as WhyJson
  expectSchema('why', w)
  return w
}

describe('kiez why', () => {
  it(
    'a forged entry pushed by a rogue: rejected, bad_signature, from the rogue; our own post: here; an unseen one: never seen',
    async () => {
      const d = await boxes.daemon()
      const rogue = await boxes.rogue()
      await rogue.dial(d.addr)
      await eventually(() => rogue.topicPeers().includes(d.peerId), {
        what: 'the box to subscribe towards the rogue',
        timeoutMs: 15_000,
        intervalMs: 200
      })

      const forgery = forged(signerFromSeed(randomSigner().seed), 'a forged post')
      const id = entryId(sha256(forgery.entry))
      await rogue.publish(gossipEntry(forgery))
      await eventually(async () => ((await d.status()).store.rejected.bad_signature ?? 0) >= 1, {
        what: 'the forgery refused',
        timeoutMs: 15_000,
        intervalMs: 200
      })
      const w = await why(d, [id])
      expect(w.verdict).toBe('rejected')
      expect(w.rejections?.[0]).toMatchObject({ peerId: rogue.peerId, code: 'bad_signature', via: 'gossip' })
      const text = await kiez(['why', id, '--data-dir', d.dataDir])
      expect(text.stdout).toContain('bad_signature')
      expect(text.stdout).toContain(rogue.peerId)

      const posted = JSON.parse((await kiez(['post', 'hello', '--json', '--data-dir', d.dataDir])).stdout) as EntryJson
      const here = await why(d, [posted.id])
      expect(here.verdict).toBe('here')
      expect(here.entry?.seq).toBe(1)

      // an entry signed but never sent anywhere; with a hint (our own author, seq 2) it says how far we hold that author
      const signer = signerFromSeed(randomSigner().seed)
      const notYet = createEntry(signer, {
        seq: 1,
        previous: null,
        timestamp: Date.now(),
        body: { type: 'post', text: 'not sent' }
      })
      const unseen = await why(d, [entryId(notYet.hash)])
      expect(unseen.verdict).toBe('never_seen')
      const hinted = await why(d, [entryId(notYet.hash), '--author', posted.author, '--seq', '2'])
      expect(hinted).toMatchObject({ verdict: 'never_seen', author: posted.author, seq: 2, ourSeq: 1 })
    },
    90_000
  )

  it('error paths: not an entry id → 1 (the daemon refuses bad_entry_id), daemon down → 69', async () => {
    const d = await boxes.daemon()
    const bad = await kiez(['why', 'not-an-id', '--json', '--data-dir', d.dataDir])
    expect(bad.code).toBe(1)
    expectSchema('error', JSON.parse(bad.stdout))
    expect((JSON.parse(bad.stdout) as { error: { code: string } }).error.code).toBe('bad_entry_id')
    const seq = await kiez(['why', 'x', '--seq', 'zero', '--data-dir', d.dataDir])
    expect(seq.code).toBe(2)
    const down = await kiez(['why', 'bafyreia', '--data-dir', '/nonexistent/kiez'])
    expect(down.code).toBe(69)
  }, 60_000)
})
