import { mdns } from '@libp2p/mdns'
import type { FeedStore } from '@kiez/store'
import type { PeerDiscovery } from '@libp2p/interface'

/* eslint-disable @typescript-eslint/no-explicit-any */
type ServiceFactory = (components: any) => unknown

/**
 * INTEGRATION POINT @kiez/replication. That package is written in parallel;
 * once its index exports `replication({ store, mesh })` the node runs it as
 * service `replication`. Until then the node runs without replication.
 * Replace with a static import when the package is stable.
 */
export async function replicationFactory (store: FeedStore, mesh: string): Promise<ServiceFactory | undefined> {
  const mod = await import('@kiez/replication') as Record<string, unknown>
  const factory = mod.replication
  return typeof factory === 'function' ? factory({ store, mesh }) as ServiceFactory : undefined
}

/**
 * INTEGRATION POINT @kiez/discovery. Prefer its `kiezMdns()` (answers on
 * every multicast interface); fall back to @libp2p/mdns with a per-mesh
 * service tag so two meshes on one LAN do not dial each other.
 */
export async function mdnsFactory (mesh: string): Promise<(components: any) => PeerDiscovery> {
  const mod = await import('@kiez/discovery') as Record<string, unknown>
  const kiezMdns = mod.kiezMdns
  if (typeof kiezMdns === 'function') return kiezMdns({ mesh }) as (components: any) => PeerDiscovery
  return mdns({ serviceTag: `_kiez-${mesh}._udp.local`, interval: 10_000 })
}
