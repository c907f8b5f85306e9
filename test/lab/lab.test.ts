import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createLab, Lab } from './lab.ts'
import { KIEZ_BIN, NODE_BIN } from './lab.ts'
import { cleanupStale, labSkipReason, listNamespaces } from './netns.ts'
import { LabError } from './errors.ts'
import { line, star, streets } from './topology.ts'

const skip = labSkipReason()
if (skip !== undefined) console.warn(`mesh lab tests skipped: ${skip}`)

/** argv running an inline CommonJS script with the repo's Node 24. */
const script = (src: string): string[] => [NODE_BIN, '-e', src]
/** SIGKILL is asynchronous and an orphan waits for its reaper: dead = no /proc entry, or a zombie. */
async function gone (pid: string, withinMs = 3000): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end;) {
    let state: string | undefined
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
    } catch {
      return true
    }
    if (state === 'Z') return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}
const mine = (lab: Lab): string[] => listNamespaces().filter((n) => n.startsWith(lab.prefix + '-'))

describe.skipIf(skip !== undefined)('mesh lab (network namespaces)', () => {
  describe('segment line of 3', () => {
    let lab: Lab
    beforeAll(async () => {
      lab = await createLab({ ...line(3), mode: 'segment' })
    })
    afterAll(async () => {
      await lab?.close()
    })

    it('box 0 reaches its neighbour but not the box behind it, even with a route: boxes do not forward', async () => {
      expect(await lab.ping(0, lab.address(1, 0))).toBe(true)
      expect(await lab.ping(0, lab.address(2, 1), 1000)).toBe(false)
      // The TCP probe that stands in where `ping` is not installed agrees.
      expect(await lab.ping(0, lab.address(1, 0), 1000, 'tcp')).toBe(true)
      expect(await lab.ping(0, lab.address(2, 1), 1000, 'tcp')).toBe(false)
      // Routes both ways through box 1; box 1 (ip_forward=0) must still drop the packets.
      expect((await lab.exec(0, ['ip', 'route', 'add', '198.18.1.0/24', 'via', lab.address(1, 0)])).code).toBe(0)
      expect((await lab.exec(2, ['ip', 'route', 'add', '198.18.0.0/24', 'via', lab.address(1, 1)])).code).toBe(0)
      try {
        expect(await lab.ping(0, lab.address(2, 1), 1000)).toBe(false)
      } finally {
        await lab.exec(0, ['ip', 'route', 'del', '198.18.1.0/24'])
        await lab.exec(2, ['ip', 'route', 'del', '198.18.0.0/24'])
      }
    })

    it('a process in a box sees only its own namespace\'s interfaces', async () => {
      lab.start(1, { command: script('console.log(JSON.stringify({ifaces: require(\'os\').networkInterfaces()}))') })
      const line = await lab.waitForLog(1, (l) => l.json !== undefined, 5000)
      const ifaces = (line.json as { ifaces: Record<string, Array<{ family: string, address: string }>> }).ifaces
      expect(Object.keys(ifaces).sort()).toEqual(['l0', 'l1', 'lo'])
      const v4 = Object.values(ifaces).flat().filter((a) => a.family === 'IPv4' && a.address !== '127.0.0.1')
      expect(v4.map((a) => a.address).sort()).toEqual(lab.addresses(1).sort())
      expect(v4.some((a) => !a.address.startsWith('198.18.'))).toBe(false)
      await lab.process(1)?.exited
    })

    it('an mDNS datagram from box 0 reaches box 1 on the shared segment but not box 2', async () => {
      const receiver = (box: number): string[] =>
        script(`
        const s = require('dgram').createSocket({ type: 'udp4', reuseAddr: true })
        s.on('message', (m, r) => console.log(JSON.stringify({ got: m.toString(), from: r.address })))
        s.bind(5353, () => {
          for (const a of ${JSON.stringify(lab.addresses(box))}) s.addMembership('224.0.0.251', a)
          console.log(JSON.stringify({ listening: true }))
        })`)
      const send = (text: string, iface?: string): string[] =>
        script(`
        const s = require('dgram').createSocket('udp4')
        s.bind(() => {
          ${iface !== undefined ? `s.setMulticastInterface(${JSON.stringify(iface)})` : ''}
          let n = 0
          const tick = () => s.send(${JSON.stringify(text)}, 5353, '224.0.0.251', (e) => {
            if (e) { console.error(e.message); process.exit(1) }
            if (++n < 3) setTimeout(tick, 50); else s.close()
          })
          tick()
        })`)
      const isGot = (text: string) => (l: { json?: unknown }) => (l.json as { got?: string } | undefined)?.got === text
      lab.start(1, { command: receiver(1) })
      lab.start(2, { command: receiver(2) })
      await lab.waitForLog(1, (l) => l.json !== undefined, 5000)
      await lab.waitForLog(2, (l) => l.json !== undefined, 5000)

      // No interface chosen: box 0's 224.0.0.0/4 route must carry it.
      const sent = await lab.exec(0, send('hello-from-0'))
      expect(sent.stderr).toBe('')
      expect(sent.code).toBe(0)
      const got = await lab.waitForLog(1, isGot('hello-from-0'), 5000)
      expect((got.json as { from: string }).from).toBe(lab.address(0, 0))
      // Box 2 listens on every interface it has; box 1 got three copies already, so box 2 had its chance.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(lab.logs(2).some(isGot('hello-from-0'))).toBe(false)

      // Control: box 2's listener works — box 1 multicasting on link 1 reaches it.
      expect((await lab.exec(1, send('hello-from-1', lab.address(1, 1)))).code).toBe(0)
      await lab.waitForLog(2, isGot('hello-from-1'), 5000)
      await lab.kill(1)
      await lab.kill(2)
    })

    it('cut makes a neighbour unreachable, heal restores it (and the mDNS route)', async () => {
      expect(await lab.ping(1, lab.address(2, 1))).toBe(true)
      await lab.cut(1)
      expect(await lab.ping(1, lab.address(2, 1), 1000)).toBe(false)
      expect(await lab.ping(1, lab.address(0, 0))).toBe(true) // the other link is untouched
      await lab.heal(1)
      expect(await lab.ping(1, lab.address(2, 1))).toBe(true)
      const routes = await lab.exec(2, ['ip', 'route', 'show', '224.0.0.0/4'])
      expect(routes.stdout).toContain('dev l1')
    })
  })

  it('routed line of 5: box 0 reaches box 4 through three forwarding boxes; a cut partitions, heal rejoins', async () => {
    const lab = await createLab({ ...line(5), mode: 'routed' })
    try {
      const far = lab.address(4, 3)
      expect(await lab.ping(0, far)).toBe(true)
      const trace = await lab.exec(0, ['ip', 'route', 'get', far])
      expect(trace.stdout).toContain(`via ${lab.address(1, 0)}`)
      await lab.cut(2)
      expect(await lab.ping(0, far, 1000)).toBe(false)
      await lab.heal(2)
      expect(await lab.ping(0, far)).toBe(true)
    } finally {
      await lab.close()
    }
  })

  it('star: the centre has one interface per leaf, every leaf reaches it', async () => {
    const lab = await createLab({ ...star(4) })
    try {
      const links = await lab.exec(0, ['ip', '-o', 'link', 'show'])
      const names = links.stdout.split('\n').filter(Boolean).map((l) => l.split(':')[1]?.trim().split('@')[0])
      expect(names.sort((x, y) => (x ?? '').localeCompare(y ?? ''))).toEqual(['l0', 'l1', 'l2', 'lo'])
      for (let leaf = 1; leaf < 4; leaf++) expect(await lab.ping(leaf, lab.address(0, leaf - 1))).toBe(true)
    } finally {
      await lab.close()
    }
  })

  it('streets: houses share a bridge; a corner box joins two streets; detaching one house leaves the others', async () => {
    const lab = await createLab({ ...streets(2), mode: 'routed' })
    try {
      const [ahorn1, ahorn2, corner] = [0, 1, 2]
      const kastanie = lab.boxes - 1
      expect(lab.interfaces(corner)).toEqual(['l0', 'l1'])
      expect(await lab.ping(ahorn1, lab.address(ahorn2, 0))).toBe(true)
      expect(await lab.ping(ahorn1, lab.address(kastanie, 2))).toBe(true)
      await lab.cut(0, ahorn1)
      expect(await lab.ping(ahorn1, lab.address(ahorn2, 0), 1000)).toBe(false)
      expect(await lab.ping(ahorn2, lab.address(corner, 0))).toBe(true)
      await lab.heal(0, ahorn1)
      expect(await lab.ping(ahorn1, lab.address(kastanie, 2))).toBe(true)
    } finally {
      await lab.close()
    }
  })

  it('processes: default command, logs, kill, restart on the same data dir, exit fails a wait', async () => {
    const counter = (dir: string): string[] =>
      script(`
      const fs = require('fs'); fs.appendFileSync(${JSON.stringify(dir + '/runs')}, 'x')
      console.log(JSON.stringify({ runs: fs.readFileSync(${
        JSON.stringify(dir + '/runs')
      }, 'utf8').length, arg: process.argv[1] ?? null }))
      console.error('plain stderr line')
      setInterval(() => {}, 1000)`)
    const lab = await createLab({ ...line(2), command: (box, l) => counter(l.dataDir(box)) })
    try {
      lab.start(0, { args: ['extra'] })
      const first = await lab.waitForLog(0, (l) => l.json !== undefined)
      expect(first.json).toEqual({ runs: 1, arg: 'extra' })
      await lab.waitForLog(0, 'plain stderr')
      expect(() => lab.start(0)).toThrow(LabError)

      await lab.restart(0)
      expect((await lab.waitForLog(0, (l) => l.json !== undefined)).json).toEqual({ runs: 2, arg: 'extra' })
      expect(readFileSync(`${lab.dataDir(0)}/runs`, 'utf8')).toBe('xx')

      await lab.kill(0, 'SIGKILL')
      expect(lab.process(0)?.signal).toBe('SIGKILL')
      await expect(lab.waitForLog(0, 'never')).rejects.toMatchObject({ code: 'exited' })

      lab.start(1, { command: script('setTimeout(() => process.exit(3), 100)') })
      await expect(lab.waitForLog(1, 'never', 5000)).rejects.toMatchObject({ code: 'exited' })
      expect(lab.process(1)?.exitCode).toBe(3)
      await expect(lab.waitForLog(0, 'zzz-never', 10)).rejects.toMatchObject({ code: 'exited' })
    } finally {
      await lab.close()
    }
  })

  it('close() removes every namespace and data dir, kills stragglers, and is idempotent', async () => {
    const lab = await createLab({ ...streets(2) })
    const names = mine(lab)
    expect(names).toHaveLength(lab.boxes + 3) // boxes + one switch per street
    // A grandchild in its own session escapes the process group; close() must still find it by namespace.
    lab.start(0, { command: ['sh', '-c', 'setsid sleep 300 & echo started; wait'] })
    await lab.waitForLog(0, 'started')
    const pids = spawnSync('ip', ['netns', 'pids', lab.ns(0)], { encoding: 'utf8' }).stdout.trim().split(/\s+/)
    expect(pids.length).toBeGreaterThanOrEqual(2)
    // A lab that cannot be built (its names are taken) fails without touching the owner's namespaces.
    await expect(createLab({ ...line(2), prefix: lab.prefix })).rejects.toMatchObject({ code: 'in_use' })
    expect(mine(lab)).toEqual(names)
    await lab.close()
    await lab.close()
    expect(mine(lab)).toEqual([])
    expect(existsSync(lab.dir)).toBe(false)
    for (const pid of pids) expect(await gone(pid)).toBe(true)
    expect(() => lab.start(0)).toThrow(LabError)
  })

  it.skipIf(!existsSync(KIEZ_BIN))(
    'the default command runs the Kiez daemon on the box\'s data dir; lab.kiez() talks to it',
    async () => {
      const lab = await createLab({ ...line(2) })
      try {
        lab.start(0)
        await lab.waitForLog(0, (l) => l.json !== undefined, 15_000)
        let status: { code: number, stdout: string } = { code: -1, stdout: '' }
        for (const end = Date.now() + 20_000; Date.now() < end;) {
          status = await lab.kiez(0, ['status', '--json'])
          if (status.code === 0) break
          await new Promise((resolve) => setTimeout(resolve, 250))
        }
        expect(status.code).toBe(0)
        expect(status.stdout).toContain(`/ip4/${lab.address(0, 0)}/tcp/`)
        expect(status.stdout).toContain(lab.dataDir(0))
        await lab.kill(0, 'SIGTERM')
        expect(lab.process(0)?.exitCode).toBe(0)
      } finally {
        await lab.close()
      }
    }
  )

  for (
    const [how, tail] of [
      ['SIGTERM', 'process.kill(process.pid, \'SIGTERM\')'],
      ['SIGINT', 'process.kill(process.pid, \'SIGINT\')'],
      ['process.exit', 'process.exit(7)'],
      ['an uncaught exception', 'throw new Error(\'boom\')']
    ] as const
  ) {
    it(`an owner dying by ${how} without close() leaves nothing behind`, async () => {
      const owner = `
        const { createLab, line } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).pathname)})
        const lab = await createLab({ ...line(3) })
        lab.start(1, { command: ['sleep', '300'] })
        console.log(JSON.stringify({ prefix: lab.prefix, dir: lab.dir }))
        setTimeout(() => { ${tail} }, 100)
        setInterval(() => {}, 1000)`
      const r = spawnSync(NODE_BIN, ['--input-type=module', '-e', owner], { encoding: 'utf8', timeout: 20_000 })
      const info = JSON.parse(r.stdout.trim().split('\n')[0] ?? '{}') as { prefix: string, dir: string }
      expect(info.prefix).toMatch(/^kz\d+l0$/)
      expect(r.signal ?? r.status).not.toBe(0) // it really died
      expect(listNamespaces().filter((n) => n.startsWith(info.prefix + '-'))).toEqual([])
      expect(existsSync(info.dir)).toBe(false)
    })
  }

  it('cleanupStale(prefix) removes what a crashed run left; the owner\'s close() still succeeds', async () => {
    const lab = await createLab({ ...line(3) })
    lab.start(1, { command: ['sleep', '300'] })
    expect(mine(lab)).toHaveLength(3)
    const removed = cleanupStale(lab.prefix + '-')
    expect(removed.sort()).toEqual([lab.ns(0), lab.ns(1), lab.ns(2)])
    expect(mine(lab)).toEqual([])
    await lab.process(1)?.exited
    expect(lab.process(1)?.signal).toBe('SIGKILL')
    await lab.close()
    // Without a prefix only labs whose owner is gone go; ours (alive) would have stayed.
    const live = await createLab({ ...line(2) })
    const dead = spawnSync('true').pid
    const orphan = `kz${dead}l99-b0`
    expect(spawnSync('ip', ['netns', 'add', orphan]).status).toBe(0)
    try {
      expect(cleanupStale()).toContain(orphan)
      expect(listNamespaces()).not.toContain(orphan)
      expect(mine(live)).toHaveLength(2)
    } finally {
      spawnSync('ip', ['netns', 'del', orphan])
      await live.close()
    }
  })
})
