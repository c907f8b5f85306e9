import { createEntry, type Entry, type KnownBody, type Signer } from '@kiez/feed'

/** The fixed clock of the tests that open a store with `now: () => NOW` (2027-01-15). */
export const NOW = 1_800_000_000_000

/**
 * An author's log built from bodies, one entry after another (payloads
 * attached, as createEntry makes them), 1 ms apart from `start` on: a store
 * on the fixed clock takes the default; one on the real clock wants
 * `Date.now() - 60_000` (one more than ten minutes ahead of the clock is refused).
 */
export class Log {
  readonly entries: Entry[] = []
  constructor (readonly signer: Signer, private t = NOW - 100_000) {}

  add (body: KnownBody): Entry {
    const prev = this.entries.at(-1)
    const e = createEntry(this.signer, {
      seq: this.entries.length + 1,
      previous: prev?.hash ?? null,
      timestamp: this.t++,
      body
    })
    this.entries.push(e)
    return e
  }
}
