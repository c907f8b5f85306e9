import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed } from '@kiez/feed'
import { authorId } from '@kiez/moderation'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, type KiezConfig } from './config.js'
import { ControlClient } from './control/client.js'
import { Daemon } from './daemon.js'
import { createLogger } from './logger.js'
import { createMeshNode } from './mesh-node.js'

function configFor (dataDir: string): KiezConfig {
  return { ...DEFAULT_CONFIG, dataDir, http: false, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, logLevel: 'silent' }
}

const bob = signerFromSeed(new Uint8Array(32).fill(2)).publicKey

describe('moderation over the control socket', () => {
  let dir: string
  const daemons: Daemon[] = []
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-mod-'))
  })
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })

  async function started (): Promise<{ daemon: Daemon, client: ControlClient }> {
    const daemon = new Daemon(
      { logger: createLogger({ level: 'silent' }), createNode: createMeshNode },
      { config: configFor(join(dir, 'box')) }
    )
    daemons.push(daemon)
    await daemon.start()
    return { daemon, client: new ControlClient({ socketPath: daemon.socketPath }) }
  }

  it('blocks, unblocks, follows and lists; publishes mod entries with the box key; keeps it all over a restart', async () => {
    const { daemon, client } = await started()
    const mod = client.moderation
    const bobId = authorId(bob)
    expect(await mod.block({ author: bobId, reason: 'Werbung' })).toMatchObject({
      author: bobId,
      reason: 'Werbung',
      dropped: 0
    })
    // the hex key names the same author
    expect(await mod.block({ author: Buffer.from(bob).toString('hex') })).toMatchObject({ author: bobId, reason: '' })
    expect((await mod.blocks()).blocks.map((b) => b.author)).toEqual([bobId])

    const carol = authorId(signerFromSeed(new Uint8Array(32).fill(3)).publicKey)
    expect(await mod.follow(carol)).toMatchObject({ author: carol, blocks: 0, hides: 0 })
    expect((await mod.lists()).lists.map((l) => l.author)).toEqual([carol])

    const post = await client.post({ text: 'ein Beitrag' })
    const b = await mod.publish({ type: 'block', target: bobId, reason: 'Spam' })
    expect(b).toMatchObject({ type: 'mod-block', target: bobId, reason: 'Spam', author: daemon.peerId, seq: 2 })
    const h = await mod.publish({ type: 'hide', target: post.id })
    expect(h).toMatchObject({ type: 'mod-hide', target: post.id, reason: '', seq: 3 })
    // a moderation entry is not a post: the feed does not show it
    expect((await client.feed()).entries.map((e) => e.id)).toEqual([post.id])

    // kiez feed leaves out what the owner blocks, as the web page does
    const store = daemon.feedStore
    if (store === undefined) throw new Error('no store')
    const bobPost = createEntry(signerFromSeed(new Uint8Array(32).fill(2)), {
      seq: 1,
      previous: null,
      timestamp: Date.now() - 1000,
      body: { type: 'post', text: 'kauft bei mir' }
    })
    expect(await store.ingest(bobPost.bytes, bobPost.payload)).toMatchObject({ status: 'stored', payload: 'refused' })
    expect((await client.feed()).entries.map((e) => e.id)).toEqual([post.id])

    await daemon.stop()
    const again = await started()
    expect((await again.client.moderation.blocks()).blocks).toMatchObject([{ author: bobId }])
    expect((await again.client.moderation.lists()).lists).toMatchObject([{ author: carol }])
    expect(await again.client.moderation.unblock(bobId)).toEqual({ author: bobId, changed: true })
    expect(await again.client.moderation.unblock(bobId)).toEqual({ author: bobId, changed: false })
    expect(await again.client.moderation.unfollow(carol)).toEqual({ author: carol, changed: true })
    expect((await again.client.moderation.lists()).lists).toEqual([])
  })

  it('says what is wrong with a bad author, entry id or reason, or a block of the box itself', async () => {
    const { daemon, client } = await started()
    const mod = client.moderation
    await expect(mod.block({ author: 'bob' })).rejects.toMatchObject({ code: 'bad_author', status: 400 })
    await expect(mod.follow('12D3KooWnope')).rejects.toMatchObject({ code: 'bad_author' })
    await expect(mod.unblock('x')).rejects.toMatchObject({ code: 'bad_author' })
    await expect(mod.publish({ type: 'hide', target: 'bafynope' })).rejects.toMatchObject({ code: 'bad_entry_id' })
    await expect(mod.block({ author: authorId(bob), reason: '€'.repeat(94) })).rejects.toMatchObject({
      code: 'invalid_reason'
    })
    await expect(mod.block({ author: daemon.peerId as string })).rejects.toMatchObject({
      code: 'moderation_refused',
      status: 400
    })
    await expect(mod.block({ author: authorId(bob), reason: 'x'.repeat(281) })).rejects.toMatchObject({
      code: 'invalid_request'
    })
  })
})
