import { stat, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GatewayBackend } from '@kiez/gateway'
import type { FeedStore, StoredEntry } from '@kiez/store'
import { eventually } from '@kiez/testing'
import { peerIdFromString } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, type KiezConfig } from './config.js'
import { ControlClient, ControlClientError } from './control/client.js'
import { MEMBERS_DIR } from '@kiez/members'
import { Daemon } from './daemon.js'
import { DATA_DIR_FILES } from './paths.js'
import { createLogger } from './logger.js'
import { createMeshNode } from './mesh-node.js'

function configFor (dataDir: string, extra: Partial<KiezConfig> = {}): KiezConfig {
  return {
    ...DEFAULT_CONFIG,
    dataDir,
    http: false,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    logLevel: 'silent',
    ...extra
  }
}

const keyOf = (peerId: string): Uint8Array => peerIdFromString(peerId).publicKey?.raw as Uint8Array
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

async function refusal (p: Promise<unknown>): Promise<{ code: string, status: number | undefined }> {
  try {
    await p
  } catch (err) {
    if (err instanceof ControlClientError) return { code: err.code, status: err.status }
    if (err instanceof Error && 'code' in err) {
      return { code: String(err.code), status: (err as { status?: number }).status }
    }
    throw err
  }
  throw new Error('expected a refusal')
}

/** Every entry of `author` the store holds, oldest first. */
async function log (store: FeedStore, author: Uint8Array): Promise<StoredEntry[]> {
  const head = store.head(author)?.seq ?? 0
  return head === 0 ? [] : await store.range(author, 1, head) as StoredEntry[]
}

describe('members on a real daemon (control socket, LevelDB, libp2p)', () => {
  let dir: string
  const daemons: Daemon[] = []
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-m-'))
  })
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })

  async function started (config: KiezConfig): Promise<{ daemon: Daemon, client: ControlClient, box: Uint8Array }> {
    const daemon = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, { config })
    daemons.push(daemon)
    await daemon.start()
    const client = new ControlClient({ socketPath: daemon.socketPath })
    return { daemon, client, box: keyOf((await client.status()).peerId) }
  }

  it('adds, lists, renames and removes members; the household follows, key files are 0600', async () => {
    const { daemon, client, box } = await started(configFor(join(dir, 'a')))
    const store = daemon.feedStore as FeedStore
    expect((await client.members.list()).members).toEqual([])
    // a box without members publishes no household: its feed stays as it was
    const first = await client.post({ text: 'from the box' })
    expect(first.seq).toBe(1)
    expect(first.author).toBe(peerIdFromString(first.author).toString())
    expect(hex(keyOf(first.author))).toBe(hex(box))

    const anna = await client.members.add('Anna')
    expect(anna.author).toMatch(/^12D3KooW/)
    expect(anna.origin).toBe('created')
    expect(anna.held).toBeUndefined()
    expect(DATA_DIR_FILES.members).toBe(MEMBERS_DIR)
    const mode = (await stat(join(dir, 'a', DATA_DIR_FILES.members, `${anna.authorKey}.key`))).mode & 0o777
    expect(mode).toBe(0o600)
    expect(await refusal(client.members.add('anna'))).toEqual({ code: 'member_exists', status: 409 })
    expect(await refusal(client.members.add(' Anna'))).toEqual({ code: 'bad_name', status: 400 })
    const ben = await client.members.add('Ben')
    expect((await client.members.list()).members.map((m) => [m.name, m.author])).toEqual([
      ['Anna', anna.author],
      ['Ben', ben.author]
    ])

    // the box signed two households (Anna; Anna and Ben), each member a profile naming the box
    const households = (await log(store, box)).filter((e) => e.body?.type === 'household')
    expect(households.map((e) => e.body?.type === 'household' ? e.body.members.map(hex) : [])).toEqual([
      [anna.authorKey],
      [anna.authorKey, ben.authorKey].sort()
    ])
    const annaLog = await log(store, keyOf(anna.author))
    expect(annaLog.map((e) => e.body)).toEqual([{
      type: 'profile',
      name: 'Anna',
      about: '',
      household: box,
      dmKey: expect.any(Uint8Array)
    }])

    // a rename keeps the key (same household, nothing to publish) and publishes a new profile, about kept
    await client.profile({ name: 'Anna', about: 'Leiter zu verleihen', as: 'Anna' })
    const renamed = await client.members.rename('anna', 'Anna K.')
    expect(renamed.author).toBe(anna.author)
    expect((await log(store, box)).filter((e) => e.body?.type === 'household')).toHaveLength(2)
    expect((await log(store, keyOf(anna.author))).at(-1)?.body)
      .toEqual({
        type: 'profile',
        name: 'Anna K.',
        about: 'Leiter zu verleihen',
        household: box,
        dmKey: expect.any(Uint8Array)
      })
    expect(await refusal(client.members.rename('Ben', 'anna k.'))).toEqual({ code: 'member_exists', status: 409 })
    expect(await refusal(client.members.rename('Carl', 'Dora'))).toEqual({ code: 'member_not_found', status: 404 })

    // removing: the key file goes, Anna's entries stay, the household names Ben alone
    const post = await client.post({ text: 'bye', as: 'Anna K.' })
    await client.members.remove('Anna K.')
    await expect(stat(join(dir, 'a', 'members', `${anna.authorKey}.key`))).rejects.toThrow(/ENOENT/)
    expect(await store.get(post.id)).toBeDefined()
    const last = (await log(store, box)).filter((e) => e.body?.type === 'household').at(-1)
    expect(last?.body).toMatchObject({ members: [keyOf(ben.author)] })
    expect((await client.members.list()).members.map((m) => m.name)).toEqual(['Ben'])
    expect(await refusal(client.post({ text: 'x', as: 'Anna K.' }))).toEqual({ code: 'member_not_found', status: 404 })

    // the box names itself: the household is published again under that name
    expect(await refusal(client.profile({ name: 'Hof 3', box: true, as: 'Ben' })))
      .toEqual({ code: 'invalid_request', status: 400 })
    const named = await client.profile({ name: 'Hof 3', box: true })
    expect(hex(keyOf(named.author))).toBe(hex(box))
    const renamedHousehold = (await log(store, box)).filter((e) => e.body?.type === 'household').at(-1)
    expect(renamedHousehold?.body).toEqual({ type: 'household', name: 'Hof 3', members: [keyOf(ben.author)] })
  })

  it('posts as the box with no members, as the one member without --as, and needs --as with two', async () => {
    const { client, box } = await started(configFor(join(dir, 'a')))
    const byBox = await client.post({ text: 'the box' })
    expect(hex(keyOf(byBox.author))).toBe(hex(box))
    expect(await refusal(client.post({ text: 'x', as: 'Anna' }))).toEqual({ code: 'member_not_found', status: 404 })

    const anna = await client.members.add('Anna')
    const one = await client.post({ text: 'Anna without --as' })
    expect(one.author).toBe(anna.author)
    expect(one.seq).toBe(2) // her profile, then this

    const ben = await client.members.add('Ben')
    // the box's own people are never blocked on their own box, however late they came
    expect(await refusal(client.moderation.block({ author: ben.author })))
      .toEqual({ code: 'moderation_refused', status: 400 })
    const two = await refusal(client.post({ text: 'who?' }))
    expect(two).toEqual({ code: 'member_required', status: 400 })
    const named = await client.post({ text: 'Ben here', as: 'ben' })
    expect(named.author).toBe(ben.author)
    const reply = await client.post({ text: 'hi Ben', replyTo: named.id, as: 'Anna' })
    expect(reply).toMatchObject({ author: anna.author, type: 'reply', replyTo: named.id })

    // delete and edit: only the entry's author; not the box, not another member
    expect(await refusal(client.deleteEntry(named.id, 'Anna'))).toEqual({ code: 'not_author', status: 403 })
    expect(await refusal(client.editEntry(named.id, 'no', 'Anna'))).toEqual({ code: 'not_author', status: 403 })
    expect(await refusal(client.deleteEntry(named.id))).toEqual({ code: 'member_required', status: 400 })
    const edited = await client.editEntry(named.id, 'Ben here, edited', 'Ben')
    expect(edited).toMatchObject({ author: ben.author, type: 'edit', target: named.id })
    const deleted = await client.deleteEntry(named.id, 'Ben')
    expect(deleted).toMatchObject({ author: ben.author, type: 'delete', target: named.id })
    expect(await refusal(client.deleteEntry(byBox.id, 'Ben'))).toEqual({ code: 'not_author', status: 403 })

    // profiles: a member's names the box; the box's own renames the household
    const p = await client.profile({ name: 'Anna', about: 'drill to lend', as: 'Anna' })
    expect(p).toMatchObject({ author: anna.author, type: 'profile', name: 'Anna' })
    await client.members.remove('Ben')
    await client.members.remove('Anna')
    const boxProfile = await client.profile({ name: 'Hof 3' })
    expect(hex(keyOf(boxProfile.author))).toBe(hex(box))
  })

  it('signs the web page\'s `as` with that member\'s key, refuses a stranger, and keeps the box when absent', async () => {
    const { daemon, client, box } = await started(configFor(join(dir, 'a'), { http: '127.0.0.1:0' }))
    const backend = (daemon as unknown as { gatewayBackend: () => GatewayBackend }).gatewayBackend()
    const members = backend.members
    expect(members?.list()).toEqual([])
    let changes = 0
    members?.onChange?.(() => changes++)
    const anna = await members?.add('Anna') as { name: string, author: Uint8Array }
    expect(changes).toBe(1)
    expect(await refusal(members?.add('ANNA') as Promise<unknown>)).toEqual({ code: 'member_exists', status: 409 })
    const mine = await backend.post({ text: 'from the page', as: anna.author })
    expect(hex(mine.author)).toBe(hex(anna.author))
    const boxes = await backend.post({ text: 'as the box' })
    expect(hex(boxes.author)).toBe(hex(box))
    const stranger = new Uint8Array(32).fill(7)
    expect(await refusal(backend.post({ text: 'x', as: stranger }))).toEqual({ code: 'not_member', status: 403 })
    const { entryId } = await import('@kiez/feed')
    expect(await refusal(backend.deleteEntry(entryId(boxes.hash), anna.author)))
      .toEqual({ code: 'not_author', status: 403 })
    expect(await refusal(backend.editEntry({ id: entryId(mine.hash), text: 'x' })))
      .toEqual({ code: 'not_author', status: 403 })
    const edit = await backend.editEntry({ id: entryId(mine.hash), text: 'edited', as: anna.author })
    expect(hex(edit.author)).toBe(hex(anna.author))
    const profile = await backend.profile({ name: 'Anna', about: 'Hof 3, 2nd floor', as: anna.author })
    expect(profile.body).toEqual({
      type: 'profile',
      name: 'Anna',
      about: 'Hof 3, 2nd floor',
      household: box,
      dmKey: expect.any(Uint8Array)
    })
    expect((await client.members.list()).members).toHaveLength(1)
  })

  it('exports a member and imports them on a fresh box: held until their feed is learned, then the chain goes on', async () => {
    const a = await started(configFor(join(dir, 'a')))
    await a.client.members.add('Anna')
    for (let i = 1; i <= 3; i++) await a.client.post({ text: `Anna ${i}`, as: 'Anna' })
    const exported = await a.client.members.exportPhrase('Anna')
    expect(exported.phrase.split(' ')).toHaveLength(24)
    const annaKey = keyOf(exported.author)
    const aHead = a.daemon.feedStore?.head(annaKey)
    expect(aHead?.seq).toBe(4)

    const aAddr = (await a.client.status()).listenAddrs[0] as string
    const b = await started(configFor(join(dir, 'b'), { bootstrap: [aAddr] }))
    expect(await refusal(b.client.members.import('Anna', 'abandon '.repeat(24)))).toMatchObject({
      code: 'bad_checksum'
    })
    const imported = await b.client.members.import('Anna', exported.phrase.toUpperCase().replaceAll(' ', '\n'))
    expect(imported).toMatchObject({ author: exported.author, origin: 'imported', held: true })
    // moving house: the new box claims her at once (its household), her profile waits for the guard
    await eventually(async () => {
      return (await b.client.members.list()).members[0]?.held === undefined
    }, { what: 'Anna\'s feed learned from box a', timeoutMs: 30_000 })
    const storeB = b.daemon.feedStore as FeedStore
    expect(storeB.head(annaKey)?.seq).toBeGreaterThanOrEqual(4)
    const next = await b.client.post({ text: 'Anna from her new home', as: 'Anna' })
    expect(next.seq).toBeGreaterThan(4)
    // her profile naming box b comes once she is released: before or after this post, on the same chain
    const annaOnB = await eventually(async () => {
      const l = await log(storeB, annaKey)
      return l.some((e) =>
          e.body?.type === 'profile' && e.body.household != null && hex(e.body.household) === hex(b.box)
        )
        ? l
        : false
    }, { what: 'Anna\'s profile naming box b', timeoutMs: 10_000 })
    expect(annaOnB.map((e) => e.seq)).toEqual(annaOnB.map((_, i) => i + 1))
    expect(annaOnB[next.seq - 1]?.body).toEqual({ type: 'post', text: 'Anna from her new home' })
    // box a gets her new entries on her one chain: no fork
    await eventually(() => (a.daemon.feedStore?.head(annaKey)?.seq ?? 0) >= annaOnB.length, {
      what: 'box a learning Anna\'s posts from box b',
      timeoutMs: 30_000
    })
    expect((await a.client.status()).store.forks).toBe(0)
    expect((await b.client.status()).store.forks).toBe(0)
  })

  it('after a store reset: members made here are held too, and the household is published again', async () => {
    const a = await started(configFor(join(dir, 'a')))
    await a.client.members.add('Anna')
    await a.client.post({ text: 'before the reset', as: 'Anna' })
    await a.daemon.stop()
    await rm(join(dir, 'a', DATA_DIR_FILES.feed), { recursive: true, force: true })
    // the operator lets the box itself go on (no neighbour to learn from); Anna is held on her own
    const again = await started(configFor(join(dir, 'a'), { freshFeedOk: true }))
    const store = again.daemon.feedStore as FeedStore
    expect((await again.client.members.list()).members[0]).toMatchObject({ name: 'Anna', held: true })
    expect(await refusal(again.client.post({ text: 'too soon' }))).toEqual({ code: 'own_head_unknown', status: 503 })
    const household = await eventually(async () => {
      return (await log(store, again.box)).find((e) => e.body?.type === 'household')
    }, { what: 'the household published again after the reset', timeoutMs: 10_000 })
    expect(household.body).toMatchObject({
      type: 'household',
      members: [keyOf((await again.client.members.get('Anna')).author)]
    })
    await again.client.members.override('Anna')
    expect((await again.client.post({ text: 'after the reset' })).seq).toBe(2)
  })

  it('holds an imported member nobody has heard of until the operator overrides', async () => {
    const a = await started(configFor(join(dir, 'a')))
    await a.client.members.add('Anna')
    const { phrase } = await a.client.members.exportPhrase('Anna')
    await a.daemon.stop()
    const b = await started(configFor(join(dir, 'b')))
    await b.client.members.add('Ben')
    // a refused import holds nobody: the name is taken
    expect(await refusal(b.client.members.import('ben', phrase))).toEqual({ code: 'member_exists', status: 409 })
    expect((await b.client.members.list()).members.map((m) => m.name)).toEqual(['Ben'])
    await b.client.members.import('Anna', phrase)
    expect(await refusal(b.client.post({ text: 'too soon', as: 'Anna' })))
      .toEqual({ code: 'own_head_unknown', status: 503 })
    // importing her key again, under another name, is refused and leaves her held
    expect(await refusal(b.client.members.import('Anna 2', phrase))).toEqual({ code: 'author_exists', status: 409 })
    expect((await b.client.members.get('Anna')).held).toBe(true)
    await b.client.members.remove('Ben')
    expect((await b.client.members.override('Anna')).released).toBe(true)
    expect((await b.client.members.override('Anna')).released).toBe(false)
    const p = await b.client.post({ text: 'starting here' })
    expect(p.seq).toBe(2) // her profile naming box b, then this
  })
})
