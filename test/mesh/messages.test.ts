/**
 * Issue 15 §2, "Private messages": a member on box 1 of a 5-box segmented
 * line writes to a member on box 5. The message is an entry of the sender's
 * feed, carried by boxes 2–4, which cannot read it and hold no plaintext; box
 * 5, off during a send, gets it when back; a member on a relaying box cannot
 * read it.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { filesHolding } from '@kiez/testing/files'
import type { ConversationsJson, ConversationViewJson, SentJson } from '@kiez/daemon/control'
import { createLab, labSkipReason, line, type Lab } from '../lab/index.ts'
import { isMsg, kiezJson, peerIds, startDaemons, waitConnected } from './helpers.ts'

const skip = labSkipReason()

interface MemberJson {
  name: string
  author: string
}

/** `kiez dm send`, retried while the recipient's profile (with their message key) is still on its way. */
async function sendWhenKnown (lab: Lab, box: number, as: string, to: string, text: string): Promise<SentJson> {
  return await eventually(async () => {
    const r = await lab.kiez(box, ['dm', 'send', '--as', as, to, text, '--json'])
    if (r.code === 0) return JSON.parse(r.stdout) as SentJson
    expect(r.stderr).toMatch(/no_message_key|unknown_recipient/)
    return false
  }, { what: `box ${box + 1} to know ${to}'s message key`, timeoutMs: 90_000, intervalMs: 1000 })
}

describe.skipIf(skip !== undefined)(`private messages${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it(
    'box 1 → box 5 through boxes 2–4: arrives, no relay holds the text, box 5 off gets it when back, a third member cannot read it',
    async () => {
      const lab = await createLab({ ...line(5), mode: 'segment' })
      try {
        await startDaemons(lab, [0, 1, 2, 3, 4])
        const ids = await peerIds(lab, [0, 1, 2, 3, 4])
        for (const b of [1, 2, 3]) await waitConnected(lab, b, [ids[b - 1]!, ids[b + 1]!], 60_000)

        const anna = await kiezJson<MemberJson>(lab, 0, ['member', 'add', 'Anna'])
        const ben = await kiezJson<MemberJson>(lab, 4, ['member', 'add', 'Ben'])
        // a member on the middle box: her box carries the message and tries her key on it
        await kiezJson<MemberJson>(lab, 2, ['member', 'add', 'Carla'])

        // random hex: one literal LevelDB's compression cannot hide from a grep
        const secret1 = `drill-${randomBytes(12).toString('hex')}`
        const sent1 = await sendWhenKnown(lab, 0, 'Anna', ben.author, `Can I pick up the drill at 6? ${secret1}`)
        expect(sent1.to).toEqual([ben.author])

        // it reaches box 5 and Ben reads it, from Anna
        const list = await eventually(async () => {
          const l = await kiezJson<ConversationsJson>(lab, 4, ['dm', 'list', '--as', 'Ben'])
          return l.unread >= 1 ? l : false
        }, { what: 'Ben on box 5 to have a message', timeoutMs: 90_000, intervalMs: 1000 })
        expect(list.conversations).toMatchObject([{ peer: anna.author, unread: 1, count: 1 }])
        const view = await kiezJson<ConversationViewJson>(lab, 4, ['dm', 'read', '--as', 'Ben', anna.author])
        expect(view.messages).toMatchObject([{
          id: sent1.id,
          from: anna.author,
          text: `Can I pick up the drill at 6? ${secret1}`
        }])

        // box 3 relayed it (it holds the entry), and Carla there cannot read it
        expect((await kiezJson<{ verdict: string }>(lab, 2, ['why', sent1.id])).verdict).toBe('here')
        expect((await kiezJson<ConversationsJson>(lab, 2, ['dm', 'list', '--as', 'Carla'])).conversations).toEqual([])
        expect((await kiezJson<ConversationViewJson>(lab, 2, ['dm', 'read', '--as', 'Carla', anna.author])).messages)
          .toEqual([])

        // box 5 is off while Anna writes again; it gets the message when it is back
        await lab.kill(4)
        const secret2 = `cake-${randomBytes(12).toString('hex')}`
        const sent2 = await kiezJson<SentJson>(lab, 0, ['dm', 'send', '--as', 'Anna', 'Ben', `Kuchen? ${secret2}`])
        await eventually(
          async () => (await kiezJson<{ verdict: string }>(lab, 3, ['why', sent2.id])).verdict === 'here',
          { what: 'box 4 to hold the second message', timeoutMs: 90_000, intervalMs: 1000 }
        )
        lab.start(4)
        await lab.waitForLog(4, isMsg('daemon started'), 30_000)
        await eventually(async () => {
          const v = await kiezJson<ConversationViewJson>(lab, 4, ['dm', 'read', '--as', 'Ben', anna.author])
          return v.messages.some((m) => m.id === sent2.id && m.text === `Kuchen? ${secret2}`)
        }, { what: 'box 5, back, to have the second message', timeoutMs: 120_000, intervalMs: 1000 })

        // no file under the relays' data dirs holds either text
        for (const b of [1, 2, 3]) {
          for (const s of [secret1, secret2]) {
            expect(filesHolding(lab.dataDir(b), s), `box ${b + 1} holds "${s}"`).toEqual([])
          }
        }
      } finally {
        await lab.close()
      }
    },
    360_000
  )
})
