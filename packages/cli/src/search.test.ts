import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EntryJson, FeedJson } from '@kiez/daemon/control'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DaemonProcess, kiez, killAll } from './testing/daemons.js'

// Real daemons on a shared 2-core box: allow more than the root's 30 s per test.
vi.setConfig({ testTimeout: 90_000 })

describe('kiez search against a running daemon', () => {
  let tmp: string
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiez-cli-search-'))
  })
  afterAll(async () => {
    killAll()
    await rm(tmp, { recursive: true, force: true })
  })

  it('finds by word, folded spelling, prefix and kind; forgets a deleted text; a bad query is one line', async () => {
    const dir = join(tmp, 'box')
    const box = await DaemonProcess.start(dir)
    const run = async (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> =>
      await kiez([...args, '--data-dir', dir])
    const post = async (args: string[]): Promise<EntryJson> => {
      const r = await run(['post', ...args, '--json'])
      expect(r.code, r.stderr).toBe(0)
      return JSON.parse(r.stdout) as EntryJson
    }
    const found = async (args: string[]): Promise<string[]> => {
      const r = await run(['search', ...args, '--json'])
      expect(r.code, r.stderr).toBe(0)
      return (JSON.parse(r.stdout) as FeedJson).entries.map((e) => e.id)
    }
    const sofa = await post(['--kind', 'offer', 'Sofa zu verschenken in der Lindenstraße', '--price', 'umsonst'])
    const plain = await post(['Wer hat ein Sofa für unser Hoffest?'])
    const gone = await post(['Quittengelee abzugeben'])
    expect(await found(['sofa'])).toEqual([plain.id, sofa.id])
    expect(await found(['lindenstrasse'])).toEqual([sofa.id])
    expect(await found(['SOFA', 'umso'])).toEqual([sofa.id])
    expect(await found(['--kind', 'offer', 'sofa'])).toEqual([sofa.id])
    expect(await found(['--limit', '1', 'sofa'])).toEqual([plain.id])
    expect(await found(['quittengelee'])).toEqual([gone.id])

    const table = await run(['search', 'sofa'])
    expect(table.code).toBe(0)
    expect(table.stdout).toContain(sofa.id)
    expect(table.stdout).toContain('Sofa zu verschenken')
    expect((await run(['search', 'zebra'])).stdout).toBe('nothing found for "zebra"\n')

    expect((await run(['delete', gone.id])).code).toBe(0)
    expect(await found(['quittengelee'])).toEqual([])

    const bad = await run(['search', '?!'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('bad_query')
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)

    // the index outlives a restart, and a box started without one builds it from the feed
    box.kill('SIGTERM')
    await box.exited
    await rm(join(dir, 'search'), { recursive: true, force: true })
    const again = await DaemonProcess.start(dir)
    await again.waitFor((l) => l.msg === 'search: the index is current', 20_000)
    await vi.waitFor(async () => expect(await found(['sofa'])).toEqual([plain.id, sofa.id]), {
      timeout: 20_000,
      interval: 200
    })
  })
})
