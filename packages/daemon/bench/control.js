// Benchmarks of the daemon as a user meets it: start-up, `kiez post` through the
// control socket (each acknowledged post is fsynced), CLI round trip, clean stop.
// Run after a build: node_modules/.bin/node packages/daemon/bench/control.js
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ControlClient, controlSocketPath } from '@kiez/daemon/control'

const root = resolve(fileURLToPath(import.meta.url), '../../../..')
const node = process.execPath
const bin = join(root, 'packages/cli/dist/bin.js')
const dir = mkdtempSync(join(tmpdir(), 'kiez-bench-'))
const N = Number(process.env.N ?? 500)

function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
function p99 (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]
}

const t0 = performance.now()
const proc = spawn(node, [
  bin,
  'daemon',
  '--data-dir',
  dir,
  '--listen',
  '/ip4/127.0.0.1/tcp/0',
  '--no-mdns',
  '--log-level',
  'info'
], { stdio: ['ignore', 'pipe', 'inherit'] })
await new Promise((res, rej) => {
  let buf = ''
  proc.stdout.on('data', (c) => {
    buf += c
    if (buf.includes('"daemon started"')) res()
  })
  proc.once('exit', (code) => rej(new Error(`daemon exited ${code}`)))
})
const startMs = performance.now() - t0
try {
  const client = new ControlClient({ socketPath: controlSocketPath(dir) })
  const seq = []
  for (let i = 0; i < N; i++) {
    const t = performance.now()
    await client.post({ text: `post ${i}` })
    seq.push(performance.now() - t)
  }
  const conc = 16
  const tc = performance.now()
  let k = 0
  await Promise.all(Array.from({ length: conc }, async () => {
    while (k < N) {
      k++
      await client.post({ text: `c ${k}` })
    }
  }))
  const concMs = performance.now() - tc
  const cli = []
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    execFileSync(node, [bin, 'status', '--json', '--data-dir', dir])
    cli.push(performance.now() - t)
  }
  const feedT = performance.now()
  await client.feed({ limit: 500 })
  const feedMs = performance.now() - feedT
  const ts = performance.now()
  proc.kill('SIGTERM')
  const code = await new Promise((res) => proc.once('exit', res))
  console.log(JSON.stringify(
    {
      startMs: Math.round(startMs),
      sequentialPost: {
        n: N,
        medianMs: +median(seq).toFixed(2),
        p99Ms: +p99(seq).toFixed(2),
        perSecond: Math.round(N / (seq.reduce((a, b) => a + b, 0) / 1000))
      },
      concurrentPost: { n: N, concurrency: conc, perSecond: Math.round(N / (concMs / 1000)) },
      cliStatusRoundTripMedianMs: Math.round(median(cli)),
      feedPage500Ms: +feedMs.toFixed(1),
      stopMs: Math.round(performance.now() - ts),
      stopExitCode: code
    },
    null,
    2
  ))
} finally {
  proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
