/**
 * Runs at most `concurrency` keyed tasks at once, holds at most `maxQueued`
 * waiting ones and never the same key twice: discovery floods (a burst of mDNS
 * answers, a DHT walk) must not turn into a burst of dials.
 */
export class KeyedLimiter {
  private active = 0
  private readonly queued = new Map<string, () => Promise<void>>()
  private readonly running = new Set<string>()

  constructor (private readonly concurrency: number, private readonly maxQueued: number) {}

  has (key: string): boolean {
    return this.running.has(key) || this.queued.has(key)
  }

  get size (): number {
    return this.active + this.queued.size
  }

  /** false when the key is already pending or the queue is full (the caller drops the work) */
  add (key: string, task: () => Promise<void>): boolean {
    if (this.has(key) || this.queued.size >= this.maxQueued) return false
    this.queued.set(key, task)
    this.pump()
    return true
  }

  clear (): void {
    this.queued.clear()
  }

  private pump (): void {
    while (this.active < this.concurrency && this.queued.size > 0) {
      const [key, task] = this.queued.entries().next().value as [string, () => Promise<void>]
      this.queued.delete(key)
      this.active++
      this.running.add(key)
      void task().catch(() => {}).finally(() => {
        this.active--
        this.running.delete(key)
        this.pump()
      })
    }
  }
}
