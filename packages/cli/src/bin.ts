#!/usr/bin/env node
import { enableCompileCache } from 'node:module'
import { createInterface } from 'node:readline/promises'

// V8's code cache on disk (Node ≥ 22.1): a restart skips compiling the ~2 000 modules of
// libp2p and friends again (docs/DECISIONS.md, "Start-up"). Enabled before main.js is
// imported, so it covers every module below. KIEZ_COMPILE_CACHE=0 turns it off;
// NODE_COMPILE_CACHE names the directory (default: one under the OS temp dir).
if (process.env.KIEZ_COMPILE_CACHE !== '0') enableCompileCache?.()
const { main } = await import('./main.js')
const { CliError, EXIT } = await import('./errors.js')

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
  now: Date.now,
  readStdin: async (maxBytes) => {
    if (process.stdin.isTTY) process.stderr.write('type or paste the 24 words, then Ctrl-D:\n')
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      size += chunk.byteLength
      if (size > maxBytes) {
        throw new CliError(
          'bad_phrase',
          `stdin holds more than ${maxBytes} bytes: that is no recovery phrase`,
          EXIT.usage
        )
      }
      chunks.push(chunk)
    }
    return Buffer.concat(chunks).toString('utf8')
  },
  // a question needs someone to answer it: only when both stdin and stderr are a terminal
  ...(process.stdin.isTTY && process.stderr.isTTY
    ? {
      confirm: async (question: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr })
        try {
          return /^y(es)?$/i.test((await rl.question(question)).trim())
        } finally {
          rl.close()
        }
      }
    }
    : {})
})
// Exit explicitly: a stopped daemon may still hold timers (libp2p, level) that would keep us alive.
process.exitCode = code
if (process.argv[2] === 'daemon') process.exit(code)
