/**
 * What every adversarial case starts and must not leak into the next: real
 * daemons and rogue nodes, plus whatever else a case sets up. One afterEach,
 * registered by useBoxes(), stops them all in a fixed order.
 */
import { afterEach } from 'vitest'
import { LocalDaemon, type LocalDaemonInit } from './daemons.ts'
import { createRogue, type Rogue, type RogueInit } from './rogue.ts'

export interface Boxes {
  /** A `kiez daemon` on 127.0.0.1 with these extra arguments (and a temporary data dir unless `init` names one). */
  daemon(args?: string[], init?: Omit<LocalDaemonInit, 'args'>): Promise<LocalDaemon>
  rogue(init?: RogueInit): Promise<Rogue>
  /** Runs first, before the rogues and daemons stop: ends a loop of the case that talks to them. */
  halt(fn: () => void): void
  /** Runs after the rogues and daemons stopped, the last one given first: unmounts, closes servers, removes dirs. */
  defer(fn: () => Promise<void> | void): void
}

/** Call once at the top of a test file. */
export function useBoxes (): Boxes {
  const daemons: LocalDaemon[] = []
  const rogues: Rogue[] = []
  const halts: Array<() => void> = []
  const deferred: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const h of halts.splice(0)) h()
    await Promise.all(rogues.splice(0).map(async (r) => await r.stop().catch(() => {})))
    await Promise.all(daemons.splice(0).map(async (d) => await d.close()))
    for (const c of deferred.splice(0).reverse()) await c()
  })
  return {
    async daemon (args = [], init = {}) {
      const d = await LocalDaemon.start({ ...init, args })
      daemons.push(d)
      return d
    },
    async rogue (init = {}) {
      const r = await createRogue(init)
      rogues.push(r)
      return r
    },
    halt (fn) {
      halts.push(fn)
    },
    defer (fn) {
      deferred.push(fn)
    }
  }
}
