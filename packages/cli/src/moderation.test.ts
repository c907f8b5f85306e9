import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BlockedJson, BlocksJson, EntryJson, ModEntryJson, ModListsJson } from '@kiez/daemon/control'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DaemonProcess, kiez, killAll } from './testing/daemons.js'

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiez-cli-mod-'))
})
afterEach(() => {
  killAll()
})
afterAll(async () => {
  killAll()
  await rm(tmp, { recursive: true, force: true })
})
vi.setConfig({ testTimeout: 90_000 })

// two fixed authors: bob's key is 32 × 0x02, carol's 32 × 0x03
const BOB_HEX = '02'.repeat(32)
const CAROL_HEX = '03'.repeat(32)

/** A one-line message on stderr, no stack trace. */
function expectOneLine (stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1)
  expect(stderr).not.toMatch(/\n\s+at /)
}

describe('kiez block / moderation against a running daemon', () => {
  it('blocks, lists, unblocks, follows lists and publishes this box\'s own, in text and --json', async () => {
    const dir = join(tmp, 'box')
    await DaemonProcess.start(dir)
    const k = async (...args: string[]) => await kiez([...args, '--data-dir', dir])

    const b = await k('block', BOB_HEX, '--reason', 'Werbung', '--json')
    expect(b.code).toBe(0)
    const blocked = JSON.parse(b.stdout) as BlockedJson
    expect(blocked).toMatchObject({ reason: 'Werbung', dropped: 0 })
    expect(blocked.author).toMatch(/^12D3KooW/)
    const bob = blocked.author

    const human = await k('blocks')
    expect(human.stdout).toMatch(/^AUTHOR\s+BLOCKED\s+REASON\n/)
    expect(human.stdout).toContain(bob)
    expect(human.stdout).toContain('Werbung')
    expect((JSON.parse((await k('blocks', '--json')).stdout) as BlocksJson).blocks.map((x) => x.author)).toEqual([bob])
    expect((await k('unblock', bob)).stdout).toBe(`unblocked ${bob}\n`)
    expect((await k('unblock', bob)).stdout).toBe(`${bob} was not blocked\n`)
    expect((await k('blocks')).stdout).toBe('no author is blocked on this box\n')

    expect((await k('moderation', 'follow', CAROL_HEX)).stdout).toMatch(
      /^following the moderation list of 12D3KooW\S+: 0 blocks, 0 hides in force\n$/
    )
    const lists = JSON.parse((await k('moderation', 'list', '--json')).stdout) as ModListsJson
    expect(lists.lists).toMatchObject([{ blocks: 0, hides: 0 }])
    expect((await k('moderation', 'list')).stdout).toMatch(/^LIST\s+BLOCKS\s+HIDES\s+FOLLOWED\n12D3KooW/)
    expect((await k('moderation', 'unfollow', CAROL_HEX, '--json')).stdout).toContain('"changed": true')
    expect((await k('moderation', 'list')).stdout).toBe('this box follows no moderation list\n')

    const post = JSON.parse((await k('post', 'Hofstraße 7, bei Müller', '--json')).stdout) as EntryJson
    const hide = await k('moderation', 'hide', post.id, '--reason', 'Adresse', '--json')
    expect(hide.code).toBe(0)
    expect(JSON.parse(hide.stdout) as ModEntryJson).toMatchObject({ type: 'mod-hide', target: post.id, seq: 2 })
    const pub = await k('moderation', 'block', bob, '--reason', '')
    expect(pub.stdout).toMatch(
      new RegExp(`^published bafyrei\\S+ \\(seq 3\\): followers of this box's list block ${bob}\\n$`)
    )
  })

  it('says in one line what is wrong with an author or entry id, a missing reason, or no daemon', async () => {
    const dir = join(tmp, 'box2')
    await DaemonProcess.start(dir)
    const k = async (...args: string[]) => await kiez([...args, '--data-dir', dir])

    const bad = await k('block', 'nobody')
    expect(bad.code).toBe(1)
    expectOneLine(bad.stderr)
    expect(bad.stderr).toContain('is not an author id')
    expect(bad.stderr).toContain('bad_author')
    const badJson = await k('moderation', 'follow', '12D3KooWnope', '--json')
    expect(JSON.parse(badJson.stdout)).toMatchObject({ error: { code: 'bad_author' } })
    const badEntry = await k('moderation', 'hide', 'bafynope', '--reason', 'x')
    expect(badEntry.code).toBe(1)
    expect(badEntry.stderr).toContain('bad_entry_id')
    const noReason = await k('moderation', 'hide', 'bafynope')
    expect(noReason.code).toBe(2)
    expectOneLine(noReason.stderr)
    expect(noReason.stderr).toContain('--reason')
    const self = JSON.parse((await k('status', '--json')).stdout) as { peerId: string }
    const own = await k('block', self.peerId)
    expect(own.code).toBe(1)
    expect(own.stderr).toContain('moderation_refused')

    const none = await kiez(['blocks', '--data-dir', join(tmp, 'nobox')])
    expect(none.code).toBe(69)
    expectOneLine(none.stderr)
  })
})
