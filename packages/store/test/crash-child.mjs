// Appends locally authored entries forever, several in flight at once (so
// group commits happen), and prints each seq only after append() resolved.
import { signerFromSeed } from '@kiez/feed'
import { FeedStore } from '@kiez/store'

const [path, seedHex] = process.argv.slice(2)
const signer = signerFromSeed(Buffer.from(seedHex, 'hex'))
const store = await FeedStore.open({ path })
process.stdout.write(`open ${JSON.stringify(store.recovery)}\n`)
let n = 0
async function writer () {
  for (;;) {
    const e = await store.append(signer, { type: 'post', text: `crash test ${n++}` })
    process.stdout.write(`ack ${e.seq}\n`)
  }
}
await Promise.all([writer(), writer(), writer(), writer()])
