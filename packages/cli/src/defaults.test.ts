import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StatusJson } from '@kiez/daemon/control'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv, DaemonProcess, kiez, killAll, NODE } from './testing/daemons.js'

// `kiez daemon` with no flags listens on all interfaces and sends mDNS: only
// run it inside a fresh network namespace (needs root), so nothing leaves this box.
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
    const d = await DaemonProcess.startCommand(['ip', 'netns', 'exec', ns, NODE, BIN, 'daemon'], join(home, '.local/share/kiez'), env)
    expect(d.listenAddrs.some((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/7301\/p2p\//.test(a))).toBe(true)
    const r = await kiez(['status', '--json'], env)
    expect(r.code).toBe(0)
    const s = JSON.parse(r.stdout) as StatusJson
    expect(s).toMatchObject({ peerId: d.peerId, mesh: 'kiez', dataDir: join(home, '.local/share/kiez'), http: { address: '0.0.0.0:7300' } })
    expect((await stat(s.dataDir)).mode & 0o777).toBe(0o700)
    d.kill('SIGTERM')
    expect(await d.exited).toEqual({ code: 0, signal: null })
  })
})
