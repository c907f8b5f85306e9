#!/usr/bin/env node
import { main } from './main.js'

// `kiez feed --json | head -1`: a reader that goes away is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

const code = await main(process.argv.slice(2), {
  out: (s) => {
    process.stdout.write(s)
  },
  err: (s) => {
    process.stderr.write(s)
  },
  env: process.env,
  now: Date.now
})
// Exit explicitly: a stopped daemon may still hold timers (libp2p, level) that would keep us alive.
process.exitCode = code
if (process.argv[2] === 'daemon') process.exit(code)
