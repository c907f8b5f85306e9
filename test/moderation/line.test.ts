// A blocking box on a line A–B–C: what B blocks (its owner, or a list it follows) does not reach C through B.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { signerFromSeed, type Signer } from '@kiez/feed'
import { Moderation } from '@kiez/moderation'
import { composeGates, FeedStore, lateGate } from '@kiez/store'
import { eventually } from '@kiez/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Lab, line } from '../../packages/replication/test/helpers.ts'

const newAuthor = (): Signer => signerFromSeed(randomBytes(32))

describe('moderation on a line of real libp2p nodes (127.0.0.1)', () => {
  let lab: Lab
  let dir: string
  const closing: Array<() => Promise<void>> = []
  beforeEach(async () => {
    lab = new Lab()
    await lab.init()
    dir = await mkdtemp(join(tmpdir(), 'kiez-mod-line-'))
  })
  afterEach(async () => {
    await lab.cleanup()
    for (const c of closing.splice(0).reverse()) await c().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })

  /** A store gated by its own Moderation, as the daemon wires them. */
  async function moderatedStore (name: string): Promise<{ store: FeedStore, mod: Moderation }> {
    const late = lateGate()
    const store = await FeedStore.open({ path: join(dir, name), gate: composeGates(late.gate) })
    const mod = await Moderation.open({ store })
    late.bind(mod.gate)
    closing.push(async () => await store.close())
    closing.push(async () => await mod.close())
    return { store, mod }
  }

  it('what B blocks reaches B as headers only and C not at all; other authors pass', async () => {
    const bob = newAuthor()
    const dave = newAuthor()
    const carol = newAuthor()
    const lister = newAuthor()
    const b = await moderatedStore('b')
    await b.mod.block(bob.publicKey, 'spam')
    await b.mod.follow(lister.publicKey)

    const na = await lab.node(await lab.store('a'))
    const nb = await lab.node(b.store, { forwards: b.mod.forwards })
    const nc = await lab.node(await lab.store('c'))
    await line(na, nb, nc)

    // the list's block of dave travels like any entry (the lister is not blocked)
    const listBlock = await na.store.append(lister, { type: 'mod-block', author: dave.publicKey, reason: 'Betrug' })
    await eventually(async () => (await nc.store.get(listBlock.hash)) !== undefined, {
      what: 'the list entry a → b → c',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    expect(b.mod.blockedBy(dave.publicKey)).toMatchObject({ by: 'list', reason: 'Betrug' })

    const fromBob = await na.store.append(bob, { type: 'post', text: 'kauft bei mir' })
    const fromDave = await na.store.append(dave, { type: 'post', text: 'schnell reich' })
    const fromCarol = await na.store.append(carol, { type: 'post', text: 'Hoffest am Samstag' })
    await eventually(async () => (await nc.store.get(fromCarol.hash)) !== undefined, {
      what: 'carol a → b → c',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    // B keeps the blocked authors' chains (headers), never their text
    await eventually(() => nb.store.head(bob.publicKey)?.seq === 1 && nb.store.head(dave.publicKey)?.seq === 1, {
      what: 'b to hold the headers',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    expect(await nb.store.hasPayload(fromBob.hash)).toBe(false)
    expect(await nb.store.hasPayload(fromDave.hash)).toBe(false)

    // a full sync session C ↔ B does not bring them either: B leaves them out of its heads and serves nothing
    await nc.repl.syncNow()
    await nb.repl.syncNow()
    expect(nc.store.head(bob.publicKey)).toBeUndefined()
    expect(nc.store.head(dave.publicKey)).toBeUndefined()
    expect(await nc.store.get(fromBob.hash)).toBeUndefined()
    expect(await nc.store.get(fromDave.hash)).toBeUndefined()
    expect(na.node.getConnections(nc.node.peerId)).toHaveLength(0)

    // unblocked: B forwards again, and C catches up by sync
    await b.mod.unblock(bob.publicKey)
    await nc.repl.syncNow()
    await eventually(async () => (await nc.store.get(fromBob.hash)) !== undefined, {
      what: 'bob b → c after the unblock',
      timeoutMs: 15_000,
      intervalMs: 25
    })
  })
})
