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

describe('a household votes: members of one box answer polls as themselves (issue 14 × issue 16)', () => {
  let dir: string
  let daemon: Daemon
  let client: ControlClient

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-life-members-'))
    daemon = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, {
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
    client = new ControlClient({ socketPath: daemon.socketPath })
  })
  afterAll(async () => {
    await daemon.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
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
