import { createKiezNode, MeshError } from '@kiez/mesh'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { peerIdFromString } from '@libp2p/peer-id'
import type { RejectionRecord, Replication, ReplicationInfo } from '@kiez/replication'
import { DaemonError } from './errors.js'
import { gossipMetricsRegister } from './gossip-metrics.js'
import type { DaemonNode, NodeFactory } from './node.js'
import { syncToJson } from './sync-json.js'

/** The mesh types its replication service as unknown (it is optional there); check before use. */
function replicationInfo (replication: unknown): ReplicationInfo | undefined {
  const r = replication as { info?: unknown } | undefined
  return typeof r?.info === 'function' ? (r.info as () => ReplicationInfo)() : undefined
}

/** The real node: @kiez/mesh's libp2p assembly, created from the config and started. */
export const createMeshNode: NodeFactory = async ({ config, privateKey, psk, store, forwards, logger, metrics }) => {
  let node
  try {
    node = await createKiezNode({
      privateKey,
      store,
      ...(forwards !== undefined ? { forwards } : {}),
      mesh: config.mesh,
      listen: config.listen,
      bootstrap: config.bootstrap,
      mdns: config.mdns,
      ...(psk !== undefined ? { psk } : {}),
      dataDir: config.dataDir,
      // Our own registry, never prom-client's global one. (@libp2p/prometheus-metrics still keeps a
      // module-level name→metric map, reset per node: one daemon per process gets exact series.)
      ...(metrics !== undefined
        ? {
          metrics: prometheusMetrics({ registry: metrics, collectDefaultMetrics: true }),
          gossipMetrics: gossipMetricsRegister(metrics)
        }
        : {}),
      logger
    })
  } catch (err) {
    // The config schema checks most of this first; what remains (say a bad psk file) is still the user's to fix.
    if (err instanceof MeshError && err.code === 'bad_config') {
      throw new DaemonError('invalid_config', err.message, { cause: err })
    }
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
    ping: async (target, count, timeoutMs) =>
      await node.ping(target, count, timeoutMs !== undefined ? { timeoutMs } : {}),
    dhtFind: async (peerId) => await node.dhtFind(peerId),
    dhtTable: async () => await node.dhtTable(),
    replicationState: () => {
      const info = replicationInfo(node.replication)
      const r = node.replication as { rejections?: unknown }
      return info === undefined
        ? undefined
        : { info, rejections: typeof r.rejections === 'function' ? (r.rejections as () => RejectionRecord[])() : [] }
    },
    onHeads: (fn) => {
      const r = node.replication as { onHeads?: Replication['onHeads'] } | undefined
      return typeof r?.onHeads === 'function' ? r.onHeads(fn) : () => {}
    },
    mdnsInfo: () => node.mdnsInfo(),
    neighbourClocks: async () => await node.neighbourClocks(),
    topology: async () => {
      const m = await node.topology()
      // a box is only in the map if the breadth-first walk reached it, so hops is a number
      return { ...m, boxes: m.boxes.map((b) => ({ ...b, hops: b.hops ?? 0 })) }
    },
    sync: () => {
      const info = replicationInfo(node.replication)
      return info === undefined ? undefined : syncToJson(info, Date.now())
    },
    onPeer: (fn) => {
      const up = (evt: CustomEvent<{ toString(): string }>): void => {
        fn({ peerId: evt.detail.toString(), connected: true })
      }
      const down = (evt: CustomEvent<{ toString(): string }>): void => {
        fn({ peerId: evt.detail.toString(), connected: false })
      }
      node.libp2p.addEventListener('peer:connect', up)
      node.libp2p.addEventListener('peer:disconnect', down)
      return () => {
        node.libp2p.removeEventListener('peer:connect', up)
        node.libp2p.removeEventListener('peer:disconnect', down)
      }
    },
    blobHost: () => ({
      handle: async (protocol, handler, opts) => {
        await node.libp2p.handle(protocol, handler, opts)
      },
      unhandle: async (protocol) => {
        await node.libp2p.unhandle(protocol)
      },
      openStream: async (peerId, protocol, opts) =>
        await node.libp2p.dialProtocol(peerIdFromString(peerId), protocol, opts),
      connected: () => [...new Set(node.libp2p.getConnections().map((c) => c.remotePeer.toString()))]
    }),
    stop: async () => {
      await node.stop()
    }
  }
  return adapted
}
