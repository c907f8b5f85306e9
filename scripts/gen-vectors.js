// Writes test/vectors/feed-entries.json from the generator in @kiez/feed (run: npm run vectors).
import { writeFileSync } from 'node:fs'
import { buildVectors } from '../packages/feed/dist/vectors.js'

const out = new URL('../test/vectors/feed-entries.json', import.meta.url)
writeFileSync(out, JSON.stringify(buildVectors(), null, 2) + '\n')
console.log(`wrote ${out.pathname}`)
