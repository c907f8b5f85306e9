// One Kiez mesh node as a process, for tests that put boxes into network
// namespaces (test/lab). Prints JSON lines: started, peers (every 250 ms), logs.
import { join } from 'node:path'
import { FeedStore } from '@kiez/store'
import { createKiezNode, loadOrCreateIdentity } from '@kiez/mesh'

const dataDir = process.argv[2]
const extra = JSON.parse(process.argv[3] ?? '{}')
if (extra.psk != null) extra.psk = new TextEncoder().encode(extra.psk)
const line = (obj) => {
  process.stdout.write(JSON.stringify(obj) + '\n')
}
const log = (level) => (obj, msg) => {
  line({ level, msg, ...obj })
}
const logger = { info: log('info'), warn: log('warn'), error: log('error'), debug: () => {} }

const { privateKey } = await loadOrCreateIdentity(dataDir)
const store = await FeedStore.open({ path: join(dataDir, 'feed') })
const node = await createKiezNode({
  privateKey,
  store,
  dataDir,
  mdns: true,
  listen: ['/ip4/0.0.0.0/tcp/7301'],
  logger,
  ...extra
})
await node.start()
line({ event: 'started', peerId: node.peerId, listenAddrs: node.info().listenAddrs })
const timer = setInterval(() => {
  node.peers().then(peers => {
    line({ event: 'peers', peers })
  }, () => {})
}, 250)
const stop = async () => {
  clearInterval(timer)
  await node.stop()
  await store.close()
  process.exit(0)
}
process.once('SIGTERM', () => {
  void stop()
})
process.once('SIGINT', () => {
  void stop()
})
