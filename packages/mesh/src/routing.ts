import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { MeshError } from './errors.js'
import { LIMITS } from './limits.js'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

export interface DhtFindResult {
  peerId: string
  addrs: string[]
  /** how long the lookup took */
  durationMs: number
}

type Target = { kind: 'peer', peerId: PeerId } | { kind: 'addr', addr: Multiaddr }

export function parseTarget (target: string): Target {
  try {
    if (target.startsWith('/')) return { kind: 'addr', addr: multiaddr(target) }
    return { kind: 'peer', peerId: peerIdFromString(target) }
  } catch (err) {
    throw new MeshError('bad_target', `${JSON.stringify(target.slice(0, 200))} is neither a peer id nor a multiaddr`, { cause: err })
  }
}

/**
 * Pings through whatever route exists: an open connection, addresses in the
 * peer store, or — when neither is known or they are stale — a DHT lookup.
 */
export async function pingPeer (libp2p: Libp2p<{ ping: Ping }>, target: string, count: number): Promise<number[]> {
  if (!Number.isSafeInteger(count) || count < 1 || count > LIMITS.ping.maxCount) {
    throw new MeshError('bad_target', `count must be 1..${LIMITS.ping.maxCount}`)
  }
  const t = parseTarget(target)
  let dialTarget: PeerId | Multiaddr = t.kind === 'addr' ? t.addr : t.peerId
  let looked = false
  if (t.kind === 'peer') {
    if (t.peerId.equals(libp2p.peerId)) throw new MeshError('bad_target', 'cannot ping ourselves')
    if (!(await reachable(libp2p, t.peerId))) {
      await dhtFind(libp2p, t.peerId.toString())
      looked = true
    }
  }
  const rtts: number[] = []
  let lastErr: unknown
  for (let i = 0; i < count; i++) {
    try {
      rtts.push(await libp2p.services.ping.ping(dialTarget, { signal: AbortSignal.timeout(LIMITS.ping.timeoutMs) }))
    } catch (err) {
      lastErr = err
      // stale peer store addresses: one DHT lookup, then try again
      if (t.kind === 'peer' && !looked && rtts.length === 0) {
        looked = true
        try {
          await dhtFind(libp2p, t.peerId.toString())
          dialTarget = t.peerId
          i--
          continue
        } catch {}
      }
    }
  }
  if (rtts.length === 0) throw new MeshError('no_reply', `no reply from ${target}: ${errMessage(lastErr)}`, { cause: lastErr })
  return rtts
}

async function reachable (libp2p: Libp2p, peerId: PeerId): Promise<boolean> {
  if (libp2p.getConnections(peerId).length > 0) return true
  try {
    return (await libp2p.peerStore.get(peerId)).addresses.length > 0
  } catch {
    return false
  }
}

export async function dhtFind (libp2p: Libp2p, peerIdText: string): Promise<DhtFindResult> {
  const t = parseTarget(peerIdText)
  if (t.kind !== 'peer') throw new MeshError('bad_target', 'dht find takes a peer id')
  if (t.peerId.equals(libp2p.peerId)) throw new MeshError('bad_target', 'cannot look up ourselves')
  // kad-dht waits for its first self-query before any lookup, which never
  // completes without peers: answer at once instead of after the timeout
  const size = (libp2p.services as { dht?: { routingTable?: { size?: number } } }).dht?.routingTable?.size
  if (size === 0) throw new MeshError('no_route', `no DHT neighbours to ask for ${peerIdText}`)
  const started = performance.now()
  try {
    const info = await libp2p.peerRouting.findPeer(t.peerId, { signal: AbortSignal.timeout(15_000), useCache: false })
    return { peerId: info.id.toString(), addrs: info.multiaddrs.map(ma => ma.toString()), durationMs: Math.round(performance.now() - started) }
  } catch (err) {
    throw new MeshError('no_route', `the DHT found no address for ${peerIdText}: ${errMessage(err)}`, { cause: err })
  }
}

function errMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
