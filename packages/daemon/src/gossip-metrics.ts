/**
 * gossipsub's own counters in the daemon's Prometheus registry. gossipsub defines ~100 series (histograms
 * included) and updates them on every RPC; a router needs few of them. The RPC counts are kept: they are
 * the only count of duplicate copies (gossipsub drops a duplicate before Kiez's validator sees it), which
 * bench:scale's sends_per_delivered_entry and an operator asking "how chatty is my mesh" need. Every
 * other series is a no-op.
 */
import { Gauge } from 'prom-client'
import type { Registry } from 'prom-client'
import type { GossipMetricsRegister } from '@kiez/mesh'

/** The gossipsub series /metrics carries (names as gossipsub registers them). */
export const KEPT_GOSSIP_SERIES: ReadonlySet<string> = new Set([
  'gossipsub_rpc_recv_message_total',
  'gossipsub_rpc_sent_message_total',
  'gossipsub_rpc_recv_ihave_total',
  'gossipsub_rpc_sent_ihave_total',
  'gossipsub_rpc_recv_iwant_total',
  'gossipsub_rpc_sent_iwant_total',
  'gossipsub_rpc_recv_bytes_total',
  'gossipsub_rpc_sent_bytes_total'
])

type Labels = Record<string, string | number>
const noop = (): void => {}
const noopGauge = { inc: noop, set: noop, addCollect: noop }
const noopHistogram = { startTimer: () => noop, observe: noop, reset: noop }
const noopAvgMinMax = { set: noop }

export function gossipMetricsRegister (registry: Registry): GossipMetricsRegister {
  const register = {
    gauge (config: { name: string, help: string, labelNames?: string[] }) {
      if (!KEPT_GOSSIP_SERIES.has(config.name)) return noopGauge
      const g = new Gauge({
        name: config.name,
        help: config.help,
        labelNames: config.labelNames ?? [],
        registers: [registry]
      })
      // gossipsub calls inc(value) without labels and inc(labels, value) with them
      return {
        inc: (a?: Labels | number, b?: number) => (typeof a === 'object' ? g.inc(a, b ?? 1) : g.inc(a ?? 1)),
        set: (a: Labels | number, b?: number) => (typeof a === 'object' ? g.set(a, b ?? 0) : g.set(a)),
        addCollect: noop // none of the kept series is computed on scrape
      }
    },
    histogram: () => noopHistogram,
    avgMinMax: () => noopAvgMinMax
  }
  return register as unknown as GossipMetricsRegister
}
