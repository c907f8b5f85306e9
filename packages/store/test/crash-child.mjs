// Appends locally authored entries forever, several in flight at once (so
// group commits happen), and prints each seq only after append() resolved.
// Every third post of a writer is deleted again right away, so kills also land
// between a delete's batch (header, payload, tombstone) and its compaction.
import { signerFromSeed } from '@kiez/feed'
import { FeedStore } from '@kiez/store'

const [path, seedHex] = process.argv.slice(2)
const signer = signerFromSeed(Buffer.from(seedHex, 'hex'))
const store = await FeedStore.open({ path })
process.stdout.write(`open ${JSON.stringify(store.recovery)}\n`)
let n = 0
async function writer () {
  for (let i = 0;; i++) {
    const e = await store.append(signer, { type: 'post', text: `crash test ${n++}` })
    process.stdout.write(`ack ${e.seq}\n`)
    if (i % 3 === 2) {
      const d = await store.append(signer, { type: 'delete', target: e.hash })
      process.stdout.write(`ack ${d.seq}\n`)
    }
  }
}
await Promise.all([writer(), writer(), writer(), writer()])
