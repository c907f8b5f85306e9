// The web feed's DNS-SD announcement, resolved by a stock browser stack (python3-zeroconf)
// in another network namespace. Needs root and python3-zeroconf; skipped otherwise.
//
//   kzgw1 (kiez daemon, 198.18.77.1) ── veth ── kzgw2 (zeroconf browser, 198.18.77.2)
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv, DaemonProcess, killAll, NODE } from '../../packages/cli/src/testing/daemons.js'

const run = promisify(execFile)
const ip = async (...args: string[]): Promise<void> => {
  await run('ip', args)
}
const isRoot = process.getuid?.() === 0
const hasZeroconf = existsSync('/usr/lib/python3/dist-packages/zeroconf')
const BROWSE = fileURLToPath(new URL('../lab/dns-sd-browse.py', import.meta.url))
const NS = ['kzgw1', 'kzgw2'] as const

describe.skipIf(!isRoot || !hasZeroconf)('the web feed on DNS-SD (_http._tcp.local)', { timeout: 90_000 }, () => {
  let dir: string
  const children: Array<ReturnType<typeof spawn>> = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-gw-mdns-'))
    for (const ns of NS) {
      await ip('netns', 'del', ns).catch(() => {})
      await ip('netns', 'add', ns)
      await ip('-n', ns, 'link', 'set', 'lo', 'up')
    }
    await ip('link', 'add', 'kzgw1-e', 'netns', 'kzgw1', 'type', 'veth', 'peer', 'name', 'kzgw2-e', 'netns', 'kzgw2')
    for (
      const [ns, dev, addr] of [['kzgw1', 'kzgw1-e', '198.18.77.1/24'], ['kzgw2', 'kzgw2-e', '198.18.77.2/24']] as const
    ) {
      await ip('-n', ns, 'addr', 'add', addr, 'dev', dev)
      await ip('-n', ns, 'link', 'set', dev, 'up')
      await ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev)
    }
  }, 30_000)

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL')
    killAll()
    for (const ns of NS) await ip('netns', 'del', ns).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }, 30_000)

  it('a stock browser finds "Kiez on <hostname>" with the port and path=/, and the address it resolves answers', async () => {
    const d = await DaemonProcess.startCommand(
      [
        'ip',
        'netns',
        'exec',
        'kzgw1',
        NODE,
        BIN,
        'daemon',
        '--data-dir',
        join(dir, 'box'),
        '--listen',
        '/ip4/198.18.77.1/tcp/0',
        '--http',
        '0.0.0.0:7300'
      ],
      join(dir, 'box'),
      cleanEnv()
    )
    await d.waitFor((l) => l.msg === 'http gateway listening')

    const browser = spawn('ip', [
      'netns',
      'exec',
      'kzgw2',
      '/usr/bin/python3',
      BROWSE,
      '_http._tcp.local.',
      '40',
      '--status'
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(browser)
    let stderr = ''
    browser.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
    })
    const found = await new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no _http._tcp service resolved; browser stderr: ${stderr.slice(-2000)}`))
      }, 60_000)
      createInterface({ input: browser.stdout }).on('line', (line: string) => {
        const l = JSON.parse(line)
        if (l.event === 'service' && String(l.name).startsWith('Kiez on ')) {
          clearTimeout(timer)
          resolve(l)
        }
      })
    })
    const host = hostname().toLowerCase().replace(/[^a-z0-9-]/g, '-')
    expect(found.name).toBe(`Kiez on ${hostname()}._http._tcp.local.`)
    expect(found.server).toBe(`${host}.local.`)
    expect(found.port).toBe(7300)
    expect(found.properties).toEqual({ path: '/' })
    expect(found.addresses).toEqual(['198.18.77.1'])
    expect(found.status).toMatchObject({ peerId: d.peerId, mesh: 'kiez' })
    browser.kill('SIGTERM')
  })
})
