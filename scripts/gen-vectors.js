// Writes test/vectors/feed-entries.json, household-entries.json and life-entries.json message-envelopes.json and blob-protocol.json from the generators in @kiez/feed, @kiez/messages and @kiez/blob-exchange (run: npm run vectors).
import { writeFileSync } from 'node:fs'
import { buildVectors } from '../packages/feed/dist/vectors.js'
import { buildHouseholdVectors } from '../packages/feed/dist/vectors-household.js'
import { buildImageVectors } from '../packages/feed/dist/vectors-images.js'
import { buildLifeVectors } from '../packages/feed/dist/vectors-life.js'
import { messageVectors } from '../packages/messages/dist/vectors.js'
import { buildBlobVectors } from '../packages/blob-exchange/dist/vectors.js'

/** @param {string} name @param {unknown} vectors */
function write (name, vectors) {
  const out = new URL(`../test/vectors/${name}`, import.meta.url)
  writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n')
  console.log(`wrote ${out.pathname}`)
}

write('feed-entries.json', buildVectors())
write('household-entries.json', buildHouseholdVectors())
write('life-entries.json', buildLifeVectors())
write('image-entries.json', buildImageVectors())
write('message-envelopes.json', messageVectors())
write('blob-protocol.json', buildBlobVectors())
