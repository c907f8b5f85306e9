import type { ConnectionGater, MultiaddrConnection } from '@libp2p/interface'

export interface InboundGateInit {
  /**
   * Upgrades (Noise/PSK/yamux) one remote host may have in flight at once.
   *
   * @default none (required; the node uses LIMITS.inbound.maxPendingPerHost, 4)
   */
  maxPendingPerHost: number
  /**
   * A slot is freed at the latest this many milliseconds after it was taken (the upgrade timeout plus slack).
   *
   * @default none (required; the node uses the inbound upgrade timeout + 1000, 6000)
   */
  releaseAfterMs: number
}

/**
 * Caps half-open inbound upgrades per remote host. libp2p caps them only
 * globally (`maxIncomingPendingConnections`) and rate-limits new connections
 * per host; one host opening 30 connections a second that never finish the
 * handshake therefore keeps every pending slot full and locks honest
 * neighbours out (found by the adversarial suite). With this gate a single
 * host holds at most `maxPendingPerHost` of the slots.
 */
export class InboundGate {
  private readonly pending = new Map<string, number>()
  readonly gater: ConnectionGater
  /** connections refused because their host had too many upgrades in flight */
  refused = 0

  constructor (private readonly init: InboundGateInit) {
    this.gater = {
      denyInboundConnection: (maConn) => this.deny(maConn),
      denyInboundUpgradedConnection: (_peer, maConn) => {
        this.release(maConn)
        return false
      }
    }
  }

  /** hosts with upgrades in flight (for diagnostics and tests) */
  info (): Record<string, number> {
    return Object.fromEntries(this.pending)
  }

  private deny (maConn: MultiaddrConnection): boolean {
    const host = hostOf(maConn)
    if (host === undefined) return false
    const n = this.pending.get(host) ?? 0
    if (n >= this.init.maxPendingPerHost) {
      this.refused++
      return true
    }
    this.pending.set(host, n + 1)
    slots.set(maConn, host)
    const release = (): void => {
      this.release(maConn)
    }
    maConn.addEventListener('close', release, { once: true })
    setTimeout(release, this.init.releaseAfterMs).unref?.()
    return false
  }

  private release (maConn: MultiaddrConnection): void {
    const host = slots.get(maConn)
    if (host === undefined) return
    slots.delete(maConn)
    const n = (this.pending.get(host) ?? 1) - 1
    if (n <= 0) this.pending.delete(host)
    else this.pending.set(host, n)
  }
}

// which host's slot a connection holds; weak, so a connection we never hear of again is not kept alive
const slots = new WeakMap<MultiaddrConnection, string>()

function hostOf (maConn: MultiaddrConnection): string | undefined {
  return maConn.remoteAddr.getComponents().find((c) => c.name === 'ip4' || c.name === 'ip6')?.value
}
