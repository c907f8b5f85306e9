#!/usr/bin/env node
import { enableCompileCache } from 'node:module'

// V8's code cache on disk (Node ≥ 22.1): a restart skips compiling the ~2 000 modules of
// libp2p and friends again (docs/DECISIONS.md, "Start-up"). Enabled before main.js is
// imported, so it covers every module below. KIEZ_COMPILE_CACHE=0 turns it off;
// NODE_COMPILE_CACHE names the directory (default: one under the OS temp dir).
if (process.env.KIEZ_COMPILE_CACHE !== '0') enableCompileCache?.()
const { main } = await import('./main.js')

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
