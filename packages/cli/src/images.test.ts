import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EntryJson, StatusJson } from '@kiez/daemon/control'
import { jpegFixture } from '@kiez/testing'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DaemonProcess, kiez, killAll, ROOT } from './testing/daemons.js'

vi.setConfig({ testTimeout: 90_000 })

async function schema (name: string): Promise<(v: unknown) => boolean> {
  return new Ajv({ strict: true }).compile(
    JSON.parse(await readFile(join(ROOT, 'packages/cli/schemas', name), 'utf8')) as object
  )
}

describe('kiez post --image against a running daemon', () => {
  let tmp: string
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiez-cli-images-'))
  })
  afterAll(async () => {
    killAll()
    await rm(tmp, { recursive: true, force: true })
  })

  it('posts prepared images with alt and thumb (--json lists them); refuses oversized and unsupported files in one line, exit 2', async () => {
    const dir = join(tmp, 'box')
    await DaemonProcess.start(dir)
    const run = async (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> =>
      await kiez([...args, '--data-dir', dir])
    const file = async (name: string, bytes: Uint8Array | string): Promise<string> => {
      const p = join(tmp, name)
      await writeFile(p, bytes)
      return p
    }
    const photo = await file('rad.jpg', jpegFixture({ bytes: 300_000, width: 1600, height: 1200 }))
    const small = await file('rad-thumb.jpg', jpegFixture({ bytes: 8_000, width: 320, height: 240, seed: 3 }))
    const r = await run(['post', 'Fahrrad', '--image', photo, '--alt', 'blaues Rad', '--thumb', small, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const e = JSON.parse(r.stdout) as EntryJson
    expect((await schema('entry.json'))(e)).toBe(true)
    expect(e.text).toBe('Fahrrad')
    expect(e.images).toMatchObject([{
      type: 'image/jpeg',
      bytes: 300_000,
      width: 1600,
      height: 1200,
      alt: 'blaues Rad',
      thumb: { width: 320, height: 240 }
    }])
    const plain = await run(['post', 'noch ein Bild', '--image', photo])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toMatch(/^posted bafyrei/)

    const refusals: Array<[string[], string]> = [
      [
        ['--image', await file('big.jpg', jpegFixture({ bytes: 1024 * 1024 + 1, width: 9, height: 9 }))],
        'image_too_large'
      ],
      [['--image', await file('x.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>')], 'unsupported_image'],
      [['--image', await file('x.html', '<!doctype html><p>hi')], 'unsupported_image'],
      [['--image', photo, '--thumb', photo], 'unsupported_image'], // a 1600 px "thumbnail"
      [['--image', join(tmp, 'missing.jpg')], 'image_unreadable'],
      [['--image', photo, '--image', photo, '--image', photo, '--image', photo, '--image', photo], 'too_many_images']
    ]
    for (const [args, code] of refusals) {
      const bad = await run(['post', 'x', ...args])
      expect(bad.code, bad.stderr).toBe(2)
      expect(bad.stderr.trim().split('\n')).toHaveLength(1)
      const j = await run(['post', 'x', ...args, '--json'])
      expect(JSON.parse(j.stdout).error.code).toBe(code)
    }
    // nothing refused was uploaded: the photo and the thumbnail only
    expect(await readdir(join(dir, 'blobs'))).toHaveLength(2)
    const st = JSON.parse((await run(['status', '--json'])).stdout) as StatusJson
    expect((await schema('status.json'))(st)).toBe(true)
    expect(st.blobs).toMatchObject({ count: 2, bytes: 308_000 })
    const human = await run(['status'])
    expect(human.stdout).toMatch(/images +2 \(0\.3 of [\d.]+ MiB\); fetched 0, served 0, refused 0/)
  })
})
