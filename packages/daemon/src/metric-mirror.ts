import { Counter, Gauge, type Registry } from 'prom-client'

/**
 * Prometheus series read at scrape time from a part's own status, so a part
 * keeps one set of numbers (its --json status) and /metrics mirrors them.
 */
export class MetricMirror {
  constructor (private readonly registry: Registry) {}

  /** A gauge set to `read()` at each scrape. */
  gauge (name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect () {
        this.set(read())
      }
    })
  }

  /**
   * A counter that follows a cumulative count by its delta (the count may
   * live elsewhere, as the store's meta record, and only grows).
   */
  counter (name: string, help: string, read: () => number): void {
    let seen = 0
    const c: Counter = new Counter({
      name,
      help,
      registers: [this.registry],
      collect () {
        const n = read()
        if (n > seen) c.inc(n - seen)
        seen = n
      }
    })
  }
}
