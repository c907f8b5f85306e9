#!/usr/bin/env node
import { main } from './main.js'

const code = await main(process.argv.slice(2), {
  out: (s) => { process.stdout.write(s) },
  err: (s) => { process.stderr.write(s) },
  env: process.env,
  now: Date.now
})
// Exit explicitly: a stopped daemon may still hold timers (libp2p, level) that would keep us alive.
process.exitCode = code
if (process.argv[2] === 'daemon') process.exit(code)
