import { Counter, Gauge, type Registry } from 'prom-client'
import type { GatewayBackend } from './types.js'

/**
 * Kiez's own series, in the daemon's one Registry (libp2p's series land in
 * the same one through @libp2p/prometheus-metrics). Values that the store or
 * the node already count are read at scrape time, not double-counted here.
 */
export class GatewayMetrics {
  readonly http: Counter<'route' | 'method' | 'status'>
  readonly stored: Counter<'origin'>

  constructor (readonly registry: Registry, backend: GatewayBackend) {
    const registers = [registry]
    this.http = new Counter({
      name: 'kiez_http_requests_total',
      help: 'HTTP gateway requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      registers
    })
    this.stored = new Counter({
      name: 'kiez_entries_stored_total',
      help: 'entries stored since start, by how they arrived (local post or from the mesh)',
      labelNames: ['origin'],
      registers
    })
    // the store's refusal counters are cumulative since start: mirror them as counters by their delta
    const seen = new Map<string, number>()
    const rejected = new Counter({
      name: 'kiez_entries_rejected_total',
      help: 'entries refused by the store, by validation code',
      labelNames: ['reason'],
      registers,
      collect () {
        for (const [reason, n] of Object.entries(backend.feed.stats().rejected)) {
          const delta = n - (seen.get(reason) ?? 0)
          if (delta > 0) {
            rejected.inc({ reason }, delta)
            seen.set(reason, n)
          }
        }
      }
    })
    new Gauge({
      name: 'kiez_feed_entries',
      help: 'entries held, over all authors',
      registers,
      collect () {
        this.set(backend.feed.stats().entries)
      }
    })
    new Gauge({
      name: 'kiez_feed_authors',
      help: 'authors whose entries we hold',
      registers,
      collect () {
        this.set(backend.feed.stats().authors)
      }
    })
    new Gauge({
      name: 'kiez_peers',
      help: 'peers known to the mesh node, by how each was first found and whether it is connected',
      labelNames: ['source', 'connected'],
      registers,
      async collect () {
        this.reset()
        for (const p of await backend.peers().catch(() => [])) {
          this.inc({ source: p.source ?? 'unknown', connected: String(p.connected) })
        }
      }
    })
    new Gauge({
      name: 'kiez_sync_lag_entries',
      help: 'entries neighbours have that we lack, summed over neighbours',
      registers,
      async collect () {
        let sum = 0
        for (const p of await backend.sync().catch(() => [])) sum += p.weLack
        this.set(sum)
      }
    })
    new Gauge({
      name: 'kiez_sync_behind_entries',
      help: 'entries we have that neighbours lack, summed over neighbours',
      registers,
      async collect () {
        let sum = 0
        for (const p of await backend.sync().catch(() => [])) sum += p.theyLack
        this.set(sum)
      }
    })
  }
}
