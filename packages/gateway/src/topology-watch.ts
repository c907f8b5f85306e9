import type { TopologyView } from './types.js'

export interface TopologyWatchInit {
  /**
   * The mesh map; `fresh`: a neighbour came or went, a map older than `settleMs` will not do.
   *
   * @default none (required)
   */
  draw: (fresh: boolean) => Promise<TopologyView>
  /**
   * Called with the map when its shape (boxes and links) differs from the last one published.
   *
   * @default none (required)
   */
  publish: (map: TopologyView) => void
  /**
   * Someone holds an event stream: nobody listening, no crawl.
   *
   * @default none (required)
   */
  listening: () => boolean
  /**
   * How often (milliseconds) the map is looked at while someone listens (a box three hops off can come or go
   * unseen by us).
   *
   * @default none (required; the gateway passes its `topologyEventMs`, 10000)
   */
  everyMs: number
  /**
   * After a peer event, wait this long (milliseconds) for the burst to end.
   *
   * @default none (required; the gateway uses 2000)
   */
  settleMs: number
}

/** What the picture shows: boxes and links, not latencies (they change on every ping and would flood the stream). */
export function mapShape (map: TopologyView): string {
  const boxes = map.boxes.map((b) => `${b.peerId}/${b.hops}/${b.reported ? 1 : 0}`).sort()
  const links = map.links.map((l) => `${[l.a, l.b].sort().join('-')}/${l.oneSided ? 1 : 0}`).sort()
  return `${boxes.join(',')}|${links.join(',')}|${map.truncated ? 1 : 0}`
}

/**
 * Publishes the map as a `topology` event whenever its shape changes, while a
 * page listens: a box joining or leaving anywhere on the map shows up without
 * the page polling. Never two crawls at once; a failed crawl waits for the next tick.
 */
export class TopologyWatch {
  private readonly init: TopologyWatchInit
  private last: string | undefined
  private timer: NodeJS.Timeout | undefined
  private settle: NodeJS.Timeout | undefined
  private busy = false

  constructor (init: TopologyWatchInit) {
    this.init = init
  }

  start (): void {
    this.timer ??= setInterval(() => {
      void this.check(false)
    }, this.init.everyMs).unref()
  }

  /** A neighbour connected or left: look again once the burst has settled. */
  poke (): void {
    clearTimeout(this.settle)
    this.settle = setTimeout(() => {
      void this.check(true)
    }, this.init.settleMs).unref()
  }

  stop (): void {
    clearInterval(this.timer)
    clearTimeout(this.settle)
    this.timer = undefined
  }

  private async check (fresh: boolean): Promise<void> {
    if (this.busy || this.timer === undefined || !this.init.listening()) return
    this.busy = true
    try {
      const map = await this.init.draw(fresh)
      const shape = mapShape(map)
      if (shape !== this.last && this.timer !== undefined) {
        this.last = shape
        this.init.publish(map)
      }
    } catch {
      // the GET route reports crawl errors; the stream just waits for the next map
    } finally {
      this.busy = false
    }
  }
}
