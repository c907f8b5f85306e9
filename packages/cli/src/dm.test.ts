import { readdir, readFile, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConversationsJson, ConversationViewJson, SentJson } from '@kiez/daemon/control'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DaemonProcess, kiez, killAll } from './testing/daemons.js'

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiez-cli-dm-'))
})
afterEach(() => {
  killAll()
})
afterAll(async () => {
  killAll()
  await rm(tmp, { recursive: true, force: true })
})
vi.setConfig({ testTimeout: 120_000 })

/** Every file under `dir`, as bytes. */
async function allFiles (dir: string): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (const name of await readdir(dir, { recursive: true })) {
    const p = join(dir, name)
    if ((await stat(p)).isFile()) out.push(await readFile(p))
  }
  return out
}

describe('kiez dm against a running daemon', () => {
  it('sends, lists with unread counts, reads, keeps a third member out, blocks, and refuses unknown recipients', async () => {
    const dir = join(tmp, 'box')
    await DaemonProcess.start(dir)
    const k = async (...args: string[]) => await kiez([...args, '--data-dir', dir])
    for (const n of ['anna', 'ben', 'carla']) expect((await k('member', 'add', n)).code).toBe(0)

    const text = 'Kann ich um 6 die Bohrmaschine holen? 7f3a9c'
    const s = await k('dm', 'send', '--as', 'anna', 'ben', text, '--json')
    expect(s.code, s.stderr).toBe(0)
    const sent = JSON.parse(s.stdout) as SentJson
    expect(sent.to).toHaveLength(1)

    const list = JSON.parse((await k('dm', 'list', '--as', 'ben', '--json')).stdout) as ConversationsJson
    expect(list.unread).toBe(1)
    expect(list.conversations).toMatchObject([{ name: 'anna', unread: 1, count: 1, lastOut: false }])
    expect((await k('dm', 'list', '--as', 'ben')).stdout).toMatch(
      /^WITH\s+NAME\s+LAST\s+UNREAD\s+MESSAGES\n12D3KooW\S+\s+anna\s/
    )

    const view = JSON.parse((await k('dm', 'read', '--as', 'ben', 'anna', '--json')).stdout) as ConversationViewJson
    expect(view.messages).toMatchObject([{ id: sent.id, text, out: false }])
    expect((JSON.parse((await k('dm', 'list', '--as', 'ben', '--json')).stdout) as ConversationsJson).unread).toBe(0)
    // the sender reads her own copy
    const mine = JSON.parse((await k('dm', 'read', '--as', 'anna', 'ben', '--json')).stdout) as ConversationViewJson
    expect(mine.messages).toMatchObject([{ text, out: true }])
    // a third member of the same box cannot
    expect((JSON.parse((await k('dm', 'list', '--as', 'carla', '--json')).stdout) as ConversationsJson).conversations)
      .toEqual([])
    expect(
      (JSON.parse((await k('dm', 'read', '--as', 'carla', 'anna', '--json')).stdout) as ConversationViewJson).messages
    ).toEqual([])
    // the feed does not show it as a post
    expect((await k('feed', '--json')).stdout).not.toContain(sent.id)
    // no file of the box holds the text: the inbox keeps references, the feed the envelope
    for (const f of await allFiles(dir)) expect(f.includes(Buffer.from('Bohrmaschine'))).toBe(false)

    const unknown = await k('dm', 'send', '--as', 'anna', 'nobody-here', 'hi')
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain('unknown_recipient')

    // ben blocks anna: her messages are not shown to him
    expect((await k('dm', 'block', '--as', 'ben', 'anna')).code).toBe(0)
    expect((JSON.parse((await k('dm', 'list', '--as', 'ben', '--json')).stdout) as ConversationsJson).conversations)
      .toEqual([])
    expect((await k('dm', 'block', '--as', 'ben', 'anna', '--undo')).code).toBe(0)

    // delete: the sender deletes, and the message is gone for both
    const del = await k('delete', sent.id, '--as', 'anna')
    expect(del.code, del.stderr).toBe(0)
    await expect.poll(
      async () =>
        (JSON.parse((await k('dm', 'read', '--as', 'ben', 'anna', '--json')).stdout) as ConversationViewJson).messages,
      { timeout: 30_000, interval: 500 }
    ).toEqual([])
  })
})
