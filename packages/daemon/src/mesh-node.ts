import { createKiezNode, MeshError } from '@kiez/mesh'
import { DaemonError } from './errors.js'
import type { DaemonNode, NodeFactory } from './node.js'

/** The real node: @kiez/mesh's libp2p assembly, created from the config and started. */
export const createMeshNode: NodeFactory = async ({ config, privateKey, psk, store, logger }) => {
  let node
  try {
    node = await createKiezNode({
      privateKey,
      store,
      mesh: config.mesh,
      listen: config.listen,
      bootstrap: config.bootstrap,
      mdns: config.mdns,
      ...(psk !== undefined ? { psk } : {}),
      dataDir: config.dataDir,
      logger
    })
  } catch (err) {
    // The config schema checks most of this first; what remains (say a bad psk file) is still the user's to fix.
    if (err instanceof MeshError && err.code === 'bad_config') throw new DaemonError('invalid_config', err.message, { cause: err })
    throw err
  }
  try {
    await node.start()
  } catch (err) {
    await node.stop().catch(() => {})
    throw err
  }
  const adapted: DaemonNode = {
    peerId: node.peerId,
    listenAddrs: () => node.info().listenAddrs,
    peers: async () => await node.peers(),
    stop: async () => { await node.stop() }
  }
  return adapted
}
