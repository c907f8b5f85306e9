import type { Entry } from '@kiez/feed'
import { hex } from './util.js'

export interface AnnouncerInit {
  /**
   * Publishes one item; failures are the publisher's to count.
   *
   * @default none (required)
   */
  publish: (item: { kind: 'entry', entry: Entry } | { kind: 'forkProof', bytes: Uint8Array }) => Promise<void>
  /**
   * Most queued entries; on overflow an older entry of an author with a newer one queued is dropped.
   *
   * @default none (required; the replication service passes its `maxAnnounceQueue`)
   */
  maxQueue: number
}

type Item = { kind: 'entry', entry: Entry, author: string } | { kind: 'forkProof', bytes: Uint8Array }

/**
 * The announce step of the one data path: a bounded queue drained one
 * publish at a time. When it overflows, it keeps every author's newest entry
 * and drops older ones: a receiver that then sees a gap pulls it by sync, so
 * dropping an announcement delays an entry but never loses it.
 */
export class Announcer {
  private readonly queue: Item[] = []
  private readonly perAuthor = new Map<string, number>()
  private draining: Promise<void> | undefined
  private stopped = false
  dropped = 0

  constructor (private readonly init: AnnouncerInit) {}

  get size (): number {
    return this.queue.length
  }

  entry (entry: Entry): void {
    if (this.stopped) return
    const author = hex(entry.author)
    this.queue.push({ kind: 'entry', entry, author })
    this.perAuthor.set(author, (this.perAuthor.get(author) ?? 0) + 1)
    if (this.queue.length > this.init.maxQueue) this.shed()
    this.kick()
  }

  forkProof (bytes: Uint8Array): void {
    if (this.stopped) return
    // Proofs are rare and matter more than any entry: never shed them.
    this.queue.unshift({ kind: 'forkProof', bytes })
    this.kick()
  }

  private shed (): void {
    let i = this.queue.findIndex((it) => it.kind === 'entry' && (this.perAuthor.get(it.author) ?? 0) > 1)
    if (i < 0) i = this.queue.findIndex((it) => it.kind === 'entry')
    if (i < 0) return
    const [it] = this.queue.splice(i, 1)
    if (it?.kind === 'entry') this.forget(it.author)
    this.dropped++
  }

  private forget (author: string): void {
    const n = (this.perAuthor.get(author) ?? 1) - 1
    if (n <= 0) this.perAuthor.delete(author)
    else this.perAuthor.set(author, n)
  }

  private kick (): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined
    })
  }

  private async drain (): Promise<void> {
    for (let it = this.queue.shift(); it !== undefined && !this.stopped; it = this.queue.shift()) {
      if (it.kind === 'entry') {
        this.forget(it.author)
        await this.init.publish({ kind: 'entry', entry: it.entry })
      } else {
        await this.init.publish(it)
      }
    }
  }

  start (): void {
    this.stopped = false
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.queue.length = 0
    this.perAuthor.clear()
    await this.draining
  }
}
