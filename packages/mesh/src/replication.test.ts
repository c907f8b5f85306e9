import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { makeBox, removeDataDirs, type TestBox } from './test-helpers.js'
import { feedSignerFromKey, loadOrCreateIdentity } from './identity.js'

describe('replication wiring', () => {
  const boxes: TestBox[] = []
  afterEach(async () => {
    for (const b of boxes.splice(0)) await b.close()
  })
  afterAll(removeDataDirs)

  it('a post on A, signed with A\'s node key, reaches B\'s store', async () => {
    const a = await makeBox()
    boxes.push(a)
    const b = await makeBox({ bootstrap: [`${a.addr()}/p2p/${a.node.peerId}`] })
    boxes.push(b)
    await eventually(() => b.node.libp2p.getConnections().length > 0, { what: 'connected', timeoutMs: 15_000 })

    const signer = feedSignerFromKey((await loadOrCreateIdentity(a.dataDir)).privateKey)
    const entry = await a.store.append(signer, { type: 'post', text: 'hallo Kiez' })
    const got = await eventually(async () => await b.store.get(entry.hash), { what: 'entry on B', timeoutMs: 20_000 })
    expect(Buffer.from(got.bytes)).toEqual(Buffer.from(entry.bytes))
    expect(b.node.replication).toBe(b.node.libp2p.services.replication)
  })
})
