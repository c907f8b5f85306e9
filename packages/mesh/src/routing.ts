import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { MeshError } from './errors.js'
import { LIMITS } from './limits.js'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { KadDHT } from '@libp2p/kad-dht'

export interface DhtFindResult {
  peerId: string
  addrs: string[]
  /** how long the lookup took */
  durationMs: number
  /** the peer whose answer named the target (never this box: the lookup skips its own peer store) */
  foundBy: string
  /** every peer the lookup asked, in the order they answered: how many closer peers each named, or its error */
  path: DhtHop[]
}

export interface DhtHop {
  peerId: string
  /** ms since the lookup started */
  atMs: number
  /** closer peers it named */
  closer?: number
  error?: string
}

/** A lookup that asks more peers than this is cut short in the report (kad asks about k × α). */
const MAX_PATH = 64

type Target = { kind: 'peer', peerId: PeerId } | { kind: 'addr', addr: Multiaddr }

export function parseTarget (target: string): Target {
  try {
    if (target.startsWith('/')) return { kind: 'addr', addr: multiaddr(target) }
    return { kind: 'peer', peerId: peerIdFromString(target) }
  } catch (err) {
    throw new MeshError('bad_target', `${JSON.stringify(target.slice(0, 200))} is neither a peer id nor a multiaddr`, {
      cause: err
    })
  }
}

export interface PingOptions {
  /**
   * How long each round trip may take in milliseconds, dial included.
   *
   * @default LIMITS.ping.timeoutMs (5000)
   */
  timeoutMs?: number
}

/**
 * Pings through whatever route exists: an open connection, addresses in the
 * peer store, or — when neither is known or they are stale — a DHT lookup.
 * One result per ping sent, in order: its round trip, or null when no reply
 * came within the timeout. Throws no_reply when none came; when the first
 * ping could not even open a connection the rest are not sent (they would
 * wait out the same timeout).
 */
export async function pingPeer (
  libp2p: Libp2p<{ ping: Ping }>,
  target: string,
  count: number,
  opts: PingOptions = {}
): Promise<Array<number | null>> {
  if (!Number.isSafeInteger(count) || count < 1 || count > LIMITS.ping.maxCount) {
    throw new MeshError('bad_target', `count must be 1..${LIMITS.ping.maxCount}`)
  }
  const timeoutMs = opts.timeoutMs ?? LIMITS.ping.timeoutMs
  if (
    !Number.isSafeInteger(timeoutMs) || timeoutMs < LIMITS.ping.minTimeoutMs || timeoutMs > LIMITS.ping.maxTimeoutMs
  ) {
    throw new MeshError('bad_target', `timeout must be ${LIMITS.ping.minTimeoutMs}..${LIMITS.ping.maxTimeoutMs} ms`)
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
  const rtts: Array<number | null> = []
  let lastErr: unknown
  for (let i = 0; i < count; i++) {
    try {
      rtts.push(await libp2p.services.ping.ping(dialTarget, { signal: AbortSignal.timeout(timeoutMs) }))
    } catch (err) {
      lastErr = err
      const answered = rtts.some((r) => r !== null)
      // stale peer store addresses: one DHT lookup, then try again
      if (t.kind === 'peer' && !looked && !answered) {
        looked = true
        try {
          await dhtFind(libp2p, t.peerId.toString())
          dialTarget = t.peerId
          i--
          continue
        } catch {}
      }
      if (!answered && !connectedTo(libp2p, t)) break
      rtts.push(null)
    }
  }
  if (!rtts.some((r) => r !== null)) {
    throw new MeshError('no_reply', `no reply from ${target} within ${timeoutMs / 1000} s: ${errMessage(lastErr)}`, {
      cause: lastErr
    })
  }
  return rtts
}

/** Whether a connection to the target is open (a multiaddr without /p2p/ matches by address). */
function connectedTo (libp2p: Libp2p, t: Target): boolean {
  const peerId = t.kind === 'peer' ? t.peerId : t.addr.getComponents().find((c) => c.name === 'p2p')?.value
  if (peerId !== undefined) return libp2p.getConnections().some((c) => c.remotePeer.toString() === peerId.toString())
  const addr = t.kind === 'addr' ? t.addr.toString() : ''
  return libp2p.getConnections().some((c) => c.remoteAddr.toString() === addr)
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
  const dht = (libp2p.services as { dht?: Pick<KadDHT, 'findPeer'> }).dht
  if (dht === undefined) throw new MeshError('no_route', 'this node runs no DHT')
  const started = performance.now()
  const at = (): number => Math.round(performance.now() - started)
  const path: DhtHop[] = []
  const hop = (h: DhtHop): void => {
    if (path.length < MAX_PATH) path.push(h)
  }
  try {
    // kad-dht's own event stream, not peerRouting.findPeer: the events are the path the lookup took
    for await (const evt of dht.findPeer(t.peerId, { signal: AbortSignal.timeout(15_000), useCache: false })) {
      if (evt.name === 'PEER_RESPONSE') hop({ peerId: evt.from.toString(), atMs: at(), closer: evt.closer.length })
      else if (evt.name === 'QUERY_ERROR') {
        hop({ peerId: evt.from.toString(), atMs: at(), error: firstLine(errMessage(evt.error)) })
      } else if (evt.name === 'FINAL_PEER' && evt.peer.multiaddrs.length > 0) {
        // what peerRouting.findPeer would do: keep the addresses so a dial by peer id finds them
        await libp2p.peerStore.merge(evt.peer.id, { multiaddrs: evt.peer.multiaddrs })
        return {
          peerId: evt.peer.id.toString(),
          addrs: evt.peer.multiaddrs.map(ma => ma.toString()),
          durationMs: at(),
          foundBy: evt.from.toString(),
          path
        }
      }
    }
  } catch (err) {
    throw new MeshError(
      'no_route',
      `the DHT found no address for ${peerIdText} (${path.length} peer(s) asked): ${errMessage(err)}`,
      { cause: err }
    )
  }
  throw new MeshError(
    'no_route',
    `the DHT found no address for ${peerIdText}: ${path.length} peer(s) asked, none knew it`
  )
}

function firstLine (s: string): string {
  return s.split('\n')[0]?.slice(0, 200) ?? ''
}

function errMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
