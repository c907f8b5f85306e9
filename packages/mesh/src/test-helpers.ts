import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FeedStore } from '@kiez/store'
import { createKiezNode, type KiezNode, type KiezNodeInit } from './node.js'
import { loadOrCreateIdentity } from './identity.js'

/** A box in a test: own data dir, own store, own node; `close()` removes everything. */
export interface TestBox {
  node: KiezNode
  dataDir: string
  store: FeedStore
  /** the loopback TCP listen address, without the /p2p suffix */
  addr(): string
  restart(overrides?: Partial<KiezNodeInit>): Promise<void>
  close(): Promise<void>
}

const roots: string[] = []

export async function makeDataDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiez-mesh-'))
  roots.push(dir)
  return dir
}

export async function removeDataDirs (): Promise<void> {
  for (const dir of roots.splice(0)) await rm(dir, { recursive: true, force: true })
}

export async function makeBox (init: Partial<KiezNodeInit> = {}, dataDir?: string): Promise<TestBox> {
  const dir = dataDir ?? await makeDataDir()
  const store = await FeedStore.open({ path: join(dir, 'feed') })
  const build = async (overrides: Partial<KiezNodeInit>): Promise<KiezNode> => {
    const { privateKey } = await loadOrCreateIdentity(dir)
    const node = await createKiezNode({
      privateKey,
      store,
      dataDir: dir,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      bootstrap: [],
      ...overrides
    })
    try {
      await node.start()
    } catch (err) {
      await node.stop().catch(() => {})
      throw err
    }
    return node
  }
  let first: KiezNode
  try {
    first = await build(init)
  } catch (err) {
    await store.close().catch(() => {})
    throw err
  }
  const box: TestBox = {
    node: first,
    dataDir: dir,
    store,
    addr () {
      const a = box.node.info().listenAddrs.find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))
      if (a == null) throw new Error('no loopback listen address')
      return a.replace(/\/p2p\/[^/]+$/, '') // without /p2p: callers add it where they want it
    },
    async restart (overrides = {}) {
      await box.node.stop()
      box.node = await build({ ...init, ...overrides })
    },
    async close () {
      await box.node.stop().catch(() => {})
      await store.close().catch(() => {})
    }
  }
  return box
}
