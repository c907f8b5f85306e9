import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EntryJson, FeedJson } from '@kiez/daemon/control'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseIso, postRequest } from './life.js'
import { Ajv } from 'ajv'
import { DaemonProcess, kiez, killAll, ROOT } from './testing/daemons.js'

// Real daemons on a shared 2-core box: allow more than the root's 30 s per test.
vi.setConfig({ testTimeout: 90_000 })

/** A one-line message on stderr, no stack trace. */
function expectOneLine (stderr: string): void {
  expect(stderr.trim()).not.toBe('')
  expect(stderr.trim().split('\n')).toHaveLength(1)
  expect(stderr).not.toMatch(/\n\s+at /)
}

describe('kiez post --kind: the request, checked before any round trip', () => {
  const now = Date.parse('2026-06-01T12:00:00Z')
  it('reads ISO dates with and without a zone', () => {
    expect(parseIso('2026-06-13T15:00Z', '--starts')).toBe(Date.parse('2026-06-13T15:00:00Z'))
    expect(parseIso('2026-06-13T15:00+02:00', '--starts')).toBe(Date.parse('2026-06-13T13:00:00Z'))
    expect(parseIso('2026-06-13', '--starts')).toBe(new Date(2026, 5, 13).getTime())
    for (const bad of ['tomorrow', '13.06.2026', '2026-13-45', '']) {
      expect(() => parseIso(bad, '--starts')).toThrow(expect.objectContaining({ code: 'bad_time' }))
    }
  })

  it('refuses 1 or 11 options, a closing time in the past, fields of another kind', () => {
    const poll = (option: string[], closes?: string) => () =>
      postRequest('Q?', { kind: 'poll', option, ...(closes !== undefined ? { closes } : {}) }, now)
    expect(poll(['a'])).toThrow(expect.objectContaining({ code: 'bad_options' }))
    expect(poll(Array.from({ length: 11 }, (_, i) => `${i}`))).toThrow(expect.objectContaining({ code: 'bad_options' }))
    expect(poll(['a', 'b'], '2026-05-01T00:00Z')).toThrow(expect.objectContaining({ code: 'bad_time' }))
    expect(() => postRequest('x', { kind: 'offer', place: 'Hof' }, now)).toThrow(
      expect.objectContaining({ code: 'bad_kind_fields' })
    )
    expect(() => postRequest('x', { kind: 'event', starts: '2026-06-02' }, now)).toThrow(
      expect.objectContaining({ code: 'bad_kind_fields' })
    )
    expect(postRequest('Q?', { kind: 'poll', option: ['a', 'b'], multiple: true }, now)).toEqual({
      kind: 'poll',
      text: 'Q?',
      options: ['a', 'b'],
      multiple: true
    })
  })
})

describe('kiez post --kind, vote, rsvp, done, feed --kind against a running daemon', () => {
  let tmp: string
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiez-cli-life-'))
  })
  afterAll(async () => {
    killAll()
    await rm(tmp, { recursive: true, force: true })
  })

  it('posts each kind, votes (a changed vote counts once), answers, marks done; errors are one line', async () => {
    const dir = join(tmp, 'box')
    await DaemonProcess.start(dir)
    const run = async (args: string[]): Promise<EntryJson> => {
      const r = await kiez([...args, '--json', '--data-dir', dir])
      expect(r.code, r.stderr).toBe(0)
      return JSON.parse(r.stdout) as EntryJson
    }
    const closes = new Date(Date.now() + 3_600_000).toISOString()
    const poll = await run([
      'post',
      '--kind',
      'poll',
      'Wann Hoffest?',
      '--option',
      'Samstag',
      '--option',
      'Sonntag',
      '--closes',
      closes
    ])
    expect(poll).toMatchObject({ type: 'post', kind: 'poll', options: ['Samstag', 'Sonntag'] })
    const ev = await run(['post', '--kind', 'event', 'Hoffest', '--starts', '2030-06-13T15:00Z', '--place', 'Hof 3'])
    expect(ev).toMatchObject({ kind: 'event', starts: Date.parse('2030-06-13T15:00Z'), place: 'Hof 3' })
    const offer = await run(['post', '--kind', 'offer', 'Sofa', '--price', 'free'])
    expect(offer).toMatchObject({ kind: 'offer', price: 'free' })
    for (const kind of ['request', 'lost', 'found', 'recommendation', 'alert']) {
      expect(await run(['post', '--kind', kind, `ein ${kind}`])).toMatchObject({ kind, text: `ein ${kind}` })
    }
    await run(['vote', poll.id, '1'])
    const vote = await run(['vote', poll.id, 'Sonntag'])
    expect(vote).toMatchObject({ type: 'vote', target: poll.id, choices: [1] })
    await run(['rsvp', ev.id, 'going'])
    await run(['done', offer.id])

    const polls = await kiez(['feed', '--kind', 'poll', '--json', '--data-dir', dir])
    const shown = (JSON.parse(polls.stdout) as FeedJson).entries
    // the --json documents keep to the published schemas (packages/cli/schemas)
    const schema = async (name: string) =>
      new Ajv({ strict: true }).compile(
        JSON.parse(await readFile(join(ROOT, `packages/cli/schemas/${name}.json`), 'utf8')) as object
      )
    const entrySchema = await schema('entry')
    for (const e of [poll, ev, offer, vote]) expect(entrySchema(e), JSON.stringify(entrySchema.errors)).toBe(true)
    const feedSchema = await schema('feed')
    const all = await kiez(['feed', '--json', '--data-dir', dir])
    expect(feedSchema(JSON.parse(all.stdout)), JSON.stringify(feedSchema.errors)).toBe(true)
    expect(shown.map((e) => e.id)).toEqual([poll.id])
    expect(shown[0]?.tally).toMatchObject({ counts: [0, 1], voters: 1 })
    const human = await kiez(['feed', '--kind', 'poll', '--data-dir', dir])
    expect(human.stdout).toContain('[poll] Wann Hoffest? 1. Samstag 0  2. Sonntag 1')
    const offers = await kiez(['feed', '--kind', 'offer', '--data-dir', dir])
    expect(offers.stdout).toContain('[offer] Sofa (free) (done)')

    const text = await kiez(['post', '--kind', 'event', 'x', '--starts', 'tomorrow', '--place', 'y', '--data-dir', dir])
    expect(text.code).toBe(2)
    expectOneLine(text.stderr)
    expect(text.stderr).toMatch(/not an ISO date/)
    const one = await kiez(['post', '--kind', 'poll', 'Q?', '--option', 'a', '--json', '--data-dir', dir])
    expect(one.code).toBe(2)
    expect(JSON.parse(one.stdout)).toMatchObject({ error: { code: 'bad_options' } })
    const out = await kiez(['vote', poll.id, '7', '--data-dir', dir])
    expect(out.code).toBe(1)
    expectOneLine(out.stderr)
    expect(out.stderr).toMatch(/bad_choice/)
  })
  it('--as on post --kind, vote, rsvp and done: a household\'s members answer apart, counted in one household', async () => {
    const dir = join(tmp, 'household')
    await DaemonProcess.start(dir)
    const ok = async (args: string[]): Promise<string> => {
      const r = await kiez([...args, '--data-dir', dir])
      expect(r.code, r.stderr).toBe(0)
      return r.stdout
    }
    const run = async (args: string[]): Promise<EntryJson> => JSON.parse(await ok([...args, '--json'])) as EntryJson
    await ok(['member', 'add', 'Anna'])
    await ok(['member', 'add', 'Ben'])
    const poll = await run(['post', '--as', 'Anna', '--kind', 'poll', 'Hoffest?', '--option', 'Sa', '--option', 'So'])
    const ev = await run([
      'post',
      '--kind',
      'event',
      'Hoffest',
      '--starts',
      '2030-06-13T15:00Z',
      '--place',
      'Hof 3',
      '--as',
      'Ben'
    ])
    const va = await run(['vote', '--as', 'Anna', poll.id, '1'])
    const vb = await run(['vote', '--as', 'Ben', poll.id, '2'])
    expect(va.author).toBe(poll.author)
    expect(vb.author).toBe(ev.author)
    expect(va.author).not.toBe(vb.author)
    expect(await run(['rsvp', '--as', 'Anna', ev.id, 'going'])).toMatchObject({ author: va.author, answer: 'going' })
    const offer = await run(['post', '--as', 'Ben', '--kind', 'offer', 'Leiter'])
    expect(await run(['done', '--as', 'Ben', offer.id])).toMatchObject({ kind: 'done', target: offer.id })
    // two members: writing without --as is refused, as for a plain post
    const bare = await kiez(['vote', poll.id, '1', '--data-dir', dir])
    expect(bare.code).toBe(1)
    expectOneLine(bare.stderr)
    expect(bare.stderr).toMatch(/member_required/)
    await vi.waitFor(async () => {
      const shown = JSON.parse(await ok(['feed', '--kind', 'poll', '--json'])) as FeedJson
      expect(shown.entries[0]?.tally).toMatchObject({ counts: [1, 1], voters: 2, households: 1, unclaimed: 0 })
    }, { timeout: 10_000, interval: 200 })
  })
})
