import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG } from './config.js'
import { ControlClient, ControlClientError } from './control/client.js'
import { Daemon } from './daemon.js'
import { createLogger } from './logger.js'
import { createMeshNode } from './mesh-node.js'

const HOUR = 3_600_000

async function refused (p: () => Promise<unknown>): Promise<{ code: string, status: number | undefined }> {
  try {
    await p()
  } catch (err) {
    if (err instanceof ControlClientError) return { code: err.code, status: err.status }
    throw err
  }
  throw new Error('expected a refusal')
}

/** A real daemon (real LevelDB, no mDNS, no HTTP) on `dir`/box, started, with a control client. */
async function openDaemon (dir: string): Promise<{ daemon: Daemon, client: ControlClient }> {
  const daemon = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, {
    config: {
      ...DEFAULT_CONFIG,
      dataDir: join(dir, 'box'),
      http: false,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      logLevel: 'silent'
    }
  })
  await daemon.start()
  return { daemon, client: new ControlClient({ socketPath: daemon.socketPath }) }
}

/** A real daemon for one describe block, stopped and removed after it. */
function daemonPerSuite (prefix: string): { readonly client: ControlClient } {
  let dir: string
  let daemon: Daemon
  const box = {} as { client: ControlClient }
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix))
    const opened = await openDaemon(dir)
    daemon = opened.daemon
    box.client = opened.client
  })
  afterAll(async () => {
    await daemon.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  return box
}

describe('neighbourhood life on a real daemon (control API, real LevelDB)', () => {
  const suite = daemonPerSuite('kiez-life-')
  let client: ControlClient
  beforeAll(() => {
    client = suite.client
  })

  it('posts every kind; the feed shows them as posts with their kind and fields', async () => {
    const now = Date.now()
    const offer = await client.post({ kind: 'offer', text: 'Sofa zu verschenken', price: 'free' })
    expect(offer).toMatchObject({ type: 'post', kind: 'offer', text: 'Sofa zu verschenken', price: 'free' })
    for (const kind of ['request', 'lost', 'found', 'recommendation', 'alert'] as const) {
      expect(await client.post({ kind, text: `a ${kind}` })).toMatchObject({ type: 'post', kind, text: `a ${kind}` })
    }
    const ev = await client.post({ kind: 'event', text: 'Hoffest', starts: now + 24 * HOUR, place: 'Hof 3' })
    expect(ev).toMatchObject({ kind: 'event', title: 'Hoffest', place: 'Hof 3', rsvps: { going: 0, maybe: 0, no: 0 } })
    const poll = await client.post({ kind: 'poll', text: 'Wann?', options: ['Sa', 'So'], closesAt: now + HOUR })
    expect(poll).toMatchObject({
      kind: 'poll',
      text: 'Wann?',
      options: ['Sa', 'So'],
      multiple: false,
      closesAt: now + HOUR
    })
    expect(poll.tally).toMatchObject({ counts: [0, 0], voters: 0, votes: [] })
    const alert = (await client.feed({ kind: 'alert' })).entries
    expect(alert.map((e) => [e.kind, e.pinned])).toEqual([['alert', true]])
    expect((await client.feed({ kind: 'poll' })).entries.map((e) => e.id)).toEqual([poll.id])
    expect((await client.feed({ kind: 'offer' })).entries.map((e) => e.id)).toEqual([offer.id])
  })

  it('votes: a changed vote counts once; the tally lists the counted votes', async () => {
    const poll = await client.post({
      kind: 'poll',
      text: 'Farbe?',
      options: ['rot', 'blau', 'grün'],
      closesAt: Date.now() + HOUR
    })
    const v1 = await client.post({ kind: 'vote', target: poll.id, choices: [0] })
    expect(v1).toMatchObject({ type: 'vote', kind: 'vote', target: poll.id, choices: [0] })
    const v2 = await client.post({ kind: 'vote', target: poll.id, choices: ['blau'] })
    const shown = (await client.feed({ kind: 'poll' })).entries.find((e) => e.id === poll.id)
    expect(shown?.tally).toMatchObject({ counts: [0, 1, 0], voters: 1, votes: [{ id: v2.id, choices: [1] }] })
    // votes are not shown in the feed themselves
    expect((await client.feed({ limit: 500 })).entries.some((e) => e.type === 'vote')).toBe(false)
  })

  it('rsvps count per author, and done takes an offer out of the open list but not the feed', async () => {
    const ev = await client.post({ kind: 'event', text: 'Flohmarkt', starts: Date.now() + HOUR, place: 'Markt' })
    await client.post({ kind: 'rsvp', target: ev.id, answer: 'maybe' })
    await client.post({ kind: 'rsvp', target: ev.id, answer: 'going' })
    const shown = (await client.feed({ kind: 'event' })).entries.find((e) => e.id === ev.id)
    expect(shown?.rsvps).toEqual({ going: 1, maybe: 0, no: 0 })
    const offer = await client.post({ kind: 'offer', text: 'Bohrmaschine' })
    const done = await client.post({ kind: 'done', target: offer.id })
    expect(done).toMatchObject({ type: 'done', target: offer.id })
    const again = (await client.feed({ kind: 'offer' })).entries.find((e) => e.id === offer.id)
    expect(again?.done).toBe(true)
  })

  it('refuses bad input with typed codes', async () => {
    const now = Date.now()
    const poll = await client.post({ kind: 'poll', text: 'Q?', options: ['a', 'b'], closesAt: now + HOUR })
    const ev = await client.post({ kind: 'event', text: 'E', starts: now, place: 'P' })
    const cases: Array<[() => Promise<unknown>, string]> = [
      [async () => await client.post({ kind: 'poll', text: 'Q?', options: ['a'] }), 'bad_options'],
      [
        async () =>
          await client.post({ kind: 'poll', text: 'Q?', options: Array.from({ length: 11 }, (_, i) => `o${i}`) }),
        'bad_options'
      ],
      [async () => await client.post({ kind: 'poll', text: 'Q?', options: ['a', 'b'], closesAt: now - 1 }), 'bad_time'],
      [async () => await client.post({ kind: 'event', text: 'E', starts: now, ends: now - 1, place: 'P' }), 'bad_time'],
      [async () => await client.post({ kind: 'event', text: 'E', place: 'P' }), 'bad_kind_fields'],
      [async () => await client.post({ kind: 'offer', text: 'x', place: 'P' }), 'bad_kind_fields'],
      [async () => await client.post({ kind: 'vote', target: poll.id, choices: [5] }), 'bad_choice'],
      [async () => await client.post({ kind: 'vote', target: poll.id, choices: [0, 1] }), 'bad_choice'],
      [async () => await client.post({ kind: 'vote', target: poll.id, choices: ['nope'] }), 'bad_choice'],
      [async () => await client.post({ kind: 'vote', target: ev.id, choices: [0] }), 'wrong_target'],
      [async () => await client.post({ kind: 'rsvp', target: poll.id, answer: 'going' }), 'wrong_target'],
      [async () => await client.post({ kind: 'vote', target: 'nonsense', choices: [0] }), 'bad_entry_id'],
      [async () => await client.post({ kind: 'done', target: ev.id }), 'wrong_target'],
      [async () => await client.post({ kind: 'offer', text: 'x', price: 'p'.repeat(65) }), 'malformed_content'],
      // the schema: a vote without a target, an rsvp answer that is not one of three
      [async () => await client.post({ kind: 'vote', choices: [0] } as never), 'invalid_request'],
      [async () => await client.post({ kind: 'rsvp', target: ev.id, answer: 'yes' } as never), 'invalid_request']
    ]
    for (const [p, code] of cases) expect((await refused(p)).code).toBe(code)
  })
})

describe('a household votes: members of one box answer polls as themselves (issue 14 × issue 16)', () => {
  const suite = daemonPerSuite('kiez-life-members-')
  let client: ControlClient
  beforeAll(() => {
    client = suite.client
  })

  it('two members vote with `as`: 2 people in 1 household, each vote signed by its member', async () => {
    const box = (await client.status()).peerId
    const anna = await client.members.add('Anna')
    const ben = await client.members.add('Ben')
    const poll = await client.post({
      kind: 'poll',
      text: 'Hoffest?',
      options: ['Sa', 'So'],
      closesAt: Date.now() + HOUR,
      as: 'Anna'
    })
    expect(poll.author).toBe(anna.author)
    const va = await client.post({ kind: 'vote', target: poll.id, choices: [0], as: 'Anna' })
    const vb = await client.post({ kind: 'vote', target: poll.id, choices: [1], as: 'Ben' })
    expect([va.author, vb.author]).toEqual([anna.author, ben.author])
    // a second vote is refused without `as` on a box of two members, as any writing is
    let code: string | undefined
    await client.post({ kind: 'vote', target: poll.id, choices: [0] }).catch((err: unknown) => {
      if (err instanceof ControlClientError) code = err.code
    })
    expect(code).toBe('member_required')
    // the claims index hears the box's household and the members' profiles from the store
    await expect.poll(async () => (await client.feed({ kind: 'poll' })).entries[0]?.tally, { timeout: 5000 })
      .toMatchObject({
        counts: [1, 1],
        voters: 2,
        households: 1,
        unclaimed: 0,
        byHousehold: [{ household: box, voters: 2 }]
      })
    const tally = (await client.feed({ kind: 'poll' })).entries[0]?.tally
    const byAuthor = new Map(tally?.votes.map((v) => [v.author, v.household]))
    expect(byAuthor).toEqual(new Map([[anna.author, box], [ben.author, box]]))
  })

  it('done: a member marks their own offer; another member is not its author', async () => {
    const offer = await client.post({ kind: 'offer', text: 'Leiter', as: 'Ben' })
    let code: string | undefined
    await client.post({ kind: 'done', target: offer.id, as: 'Anna' }).catch((err: unknown) => {
      if (err instanceof ControlClientError) code = err.code
    })
    expect(code).toBe('not_author')
    const done = await client.post({ kind: 'done', target: offer.id, as: 'Ben' })
    expect(done).toMatchObject({ kind: 'done', target: offer.id })
    expect((await client.feed({ kind: 'offer' })).entries[0]).toMatchObject({ id: offer.id, done: true })
  })
})

describe('the noticeboard after a restart', () => {
  it('counts what the store held before the start (the board reads it once the daemon has started)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiez-life-restart-'))
    try {
      const first = await openDaemon(dir)
      const ev = await first.client.post({ kind: 'event', text: 'Hoffest', starts: Date.now() + HOUR, place: 'Hof' })
      await first.client.post({ kind: 'rsvp', target: ev.id, answer: 'going' })
      await first.daemon.stop()

      const second = await openDaemon(dir)
      try {
        const deadline = Date.now() + 10_000
        let rsvps: unknown
        while (Date.now() < deadline) {
          rsvps = (await second.client.feed({ kind: 'event' })).entries.find((e) => e.id === ev.id)?.rsvps
          if ((rsvps as { going?: number } | undefined)?.going === 1) break
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        expect(rsvps).toEqual({ going: 1, maybe: 0, no: 0 })
      } finally {
        await second.daemon.stop()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
