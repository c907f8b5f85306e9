import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed, type Entry, type KnownBody, type Signer } from '@kiez/feed'
import { householdBody, memberProfileBody } from '@kiez/members'
import { feedSignerFromKey, loadOrCreateIdentity } from '@kiez/mesh'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, loadConfig, type KiezConfig } from './config.js'
import { ControlClient } from './control/client.js'
import type { EntryJson } from './control/types.js'
import { Daemon } from './daemon.js'
import { authorName } from './entry-json.js'
import { createLogger } from './logger.js'
import { createMeshNode } from './mesh-node.js'

// The feed's JSON says who claims whom: a real daemon (node, store, control socket, gateway), entries of other
// boxes and members ingested as the mesh would bring them.

const hof5 = signerFromSeed(new Uint8Array(32).fill(5))
const hof7 = signerFromSeed(new Uint8Array(32).fill(7))
const anna = signerFromSeed(new Uint8Array(32).fill(0xa1))
const stranger = signerFromSeed(new Uint8Array(32).fill(0x51))

/** Signs `bodies` as the first entries of `s`'s log, timestamped now. */
function log (s: Signer, bodies: KnownBody[]): Entry[] {
  const out: Entry[] = []
  for (const body of bodies) {
    out.push(createEntry(s, { seq: out.length + 1, previous: out.at(-1)?.hash ?? null, timestamp: Date.now(), body }))
  }
  return out
}

describe('feed JSON: households, members and vouches', () => {
  let dir: string
  let daemon: Daemon | undefined
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-neighbours-'))
  })
  afterEach(async () => {
    await daemon?.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })

  it('carries authorName and household for a member, the box\'s own household with seenBy, and unclaimed', async () => {
    const config: KiezConfig = {
      ...DEFAULT_CONFIG,
      dataDir: join(dir, 'box'),
      http: '127.0.0.1:0',
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      logLevel: 'silent'
    }
    daemon = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, { config })
    await daemon.start()
    const store = daemon.feedStore!
    const client = new ControlClient({ socketPath: daemon.socketPath })
    const box = feedSignerFromKey((await loadOrCreateIdentity(config.dataDir)).privateKey)

    const own = await client.post({ text: 'Hallo vom Hof' })
    expect(own.unclaimed).toBe(true)
    expect(own.household).toBeUndefined()

    // the box names its household; Hof 5 lists Anna, who names Hof 5; two boxes vouch for ours
    await store.append(box, householdBody('Hof 3', []))
    const entries = [
      ...log(hof5, [householdBody('Hof 5', [{ author: anna.publicKey }]), {
        type: 'vouch',
        box: box.publicKey,
        seenAt: Date.now() - 1000
      }]),
      ...log(hof7, [{ type: 'vouch', box: box.publicKey, seenAt: Date.now() - 1000 }]),
      ...log(anna, [memberProfileBody({ name: 'Anna' }, { household: hof5.publicKey }), {
        type: 'post',
        text: 'Wer leiht mir eine Bohrmaschine?'
      }]),
      ...log(stranger, [{ type: 'post', text: 'Ich bin neu hier' }])
    ]
    for (const e of entries) expect((await store.ingest(e.bytes, e.payload)).status).toBe('stored')

    const byText = (list: EntryJson[], text: string): EntryJson | undefined => list.find((e) => e.text === text)
    const feed = (await client.feed({ limit: 50 })).entries
    expect(byText(feed, 'Wer leiht mir eine Bohrmaschine?')).toMatchObject({
      author: authorName(anna.publicKey),
      authorName: 'Anna',
      household: { id: authorName(hof5.publicKey), name: 'Hof 5', seenBy: 0 }
    })
    const mine = byText(feed, 'Hallo vom Hof')
    expect(mine?.household).toEqual({ id: daemon.peerId, name: 'Hof 3', seenBy: 2 })
    expect(mine?.unclaimed).toBeUndefined()
    const theirs = byText(feed, 'Ich bin neu hier')
    expect(theirs?.unclaimed).toBe(true)
    expect(theirs?.household).toBeUndefined()

    // the LAN gateway's feed says the same
    const res = await fetch(new URL('api/v1/feed?limit=50', daemon.httpUrl!))
    expect(res.status).toBe(200)
    const web = (await res.json() as { entries: EntryJson[] }).entries
    expect(byText(web, 'Wer leiht mir eine Bohrmaschine?')).toMatchObject({
      authorName: 'Anna',
      household: { id: authorName(hof5.publicKey), name: 'Hof 5', seenBy: 0 }
    })
    expect(byText(web, 'Hallo vom Hof')?.household).toEqual({ id: daemon.peerId, name: 'Hof 3', seenBy: 2 })
    expect(byText(web, 'Ich bin neu hier')?.unclaimed).toBe(true)

    // Hof 5 drops Anna: she is unclaimed from then on, under her own name
    const drop = createEntry(hof5, {
      seq: 3,
      previous: entries[1]!.hash,
      timestamp: Date.now(),
      body: householdBody('Hof 5', [])
    })
    expect((await store.ingest(drop.bytes, drop.payload)).status).toBe('stored')
    const after = byText((await client.feed({ limit: 50 })).entries, 'Wer leiht mir eine Bohrmaschine?')
    expect(after).toMatchObject({ authorName: 'Anna', unclaimed: true })
    expect(after?.household).toBeUndefined()
  })
})

describe('config: people.vouch', () => {
  it('is on unless the file or KIEZ_VOUCH turns it off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiez-vouch-config-'))
    try {
      expect((await loadConfig({ flags: { dataDir: dir }, env: {} })).people?.vouch).toBeUndefined()
      expect((await loadConfig({ flags: { dataDir: dir }, env: { KIEZ_VOUCH: '0' } })).people).toEqual({ vouch: false })
      expect((await loadConfig({ flags: { dataDir: dir }, env: { KIEZ_VOUCH: 'on' } })).people).toEqual({ vouch: true })
      await expect(loadConfig({ flags: { dataDir: dir }, env: { KIEZ_VOUCH: 'maybe' } })).rejects.toThrow(/KIEZ_VOUCH/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
