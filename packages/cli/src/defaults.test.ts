import { execFileSync, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StatusJson } from '@kiez/daemon/control'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { BIN, cleanEnv, DaemonProcess, kiez, killAll, NODE } from './testing/daemons.js'

// `kiez daemon` with no flags listens on all interfaces and sends mDNS: only
// run it inside a fresh network namespace (needs root), so nothing leaves this box.
vi.setConfig({ testTimeout: 60_000 })

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0

describe.skipIf(!canNetns)('kiez daemon with no flags (in its own network namespace)', () => {
  const ns = `kiez-cli-${process.pid}`
  let home: string
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kiez-home-'))
    execFileSync('ip', ['netns', 'add', ns])
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
    // mDNS needs a multicast route; in an empty namespace only lo can carry it
    execFileSync('ip', ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lo'])
  })
  afterAll(async () => {
    killAll()
    spawnSync('ip', ['netns', 'del', ns])
    await rm(home, { recursive: true, force: true })
  })

  it('starts a box with the documented defaults and stops on SIGTERM', async () => {
    const env = cleanEnv({ HOME: home })
    // `ip netns exec` execs node in place, so the daemon's pid is the child's and signals reach it
    const d = await DaemonProcess.startCommand(
      ['ip', 'netns', 'exec', ns, NODE, BIN, 'daemon'],
      join(home, '.local/share/kiez'),
      env
    )
    expect(d.listenAddrs.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/7301/p2p/'))).toBe(true)
    const r = await kiez(['status', '--json'], env)
    expect(r.code).toBe(0)
    const s = JSON.parse(r.stdout) as StatusJson
    expect(s).toMatchObject({
      peerId: d.peerId,
      mesh: 'kiez',
      dataDir: join(home, '.local/share/kiez'),
      http: { address: '0.0.0.0:7300' }
    })
    expect((await stat(s.dataDir)).mode & 0o777).toBe(0o700)
    d.kill('SIGTERM')
    expect(await d.exited).toEqual({ code: 0, signal: null })
  })
})

// Root ignores file modes, so "unwritable" needs a read-only mount: a bind
// mount in a private mount namespace (unshare -m) that vanishes with the process.
const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0

describe.skipIf(!canUnshare)('kiez daemon on a read-only data dir', () => {
  let ro: string
  beforeAll(async () => {
    ro = await mkdtemp(join(tmpdir(), 'kiez-ro-'))
    await mkdir(join(ro, 'kiez'))
  })
  afterAll(async () => {
    await rm(ro, { recursive: true, force: true })
  })

  it('exits 1 with one line, for an existing dir and for one it would have to create', () => {
    for (const dir of [join(ro, 'kiez'), join(ro, 'new', 'kiez')]) {
      const script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
      const r = spawnSync('unshare', [
        '-m',
        'sh',
        '-c',
        script,
        'sh',
        ro,
        NODE,
        BIN,
        'daemon',
        '--data-dir',
        dir,
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--no-mdns'
      ], { env: cleanEnv(), encoding: 'utf8', timeout: 20_000 })
      expect(r.status, r.stderr).toBe(1)
      expect(r.stderr.trim().split('\n')).toEqual([
        `kiez daemon: data dir ${dir} is not usable: ${
          dir.endsWith('new/kiez') ? 'cannot create it' : 'cannot write to it'
        } (EROFS)`
      ])
    }
  })
})
