// Test-only helper: network namespaces joined by veth links, and box processes in them.
// Names start with "kzd"; addresses come from 198.19.250.0/24 .. 198.19.254.0/24.
import { execFile, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import type { ChildProcess } from 'node:child_process'

const run = promisify(execFile)

export const isRoot = process.getuid?.() === 0

export async function ip (...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args)
  return stdout
}

export interface Link {
  /** interface name inside namespace a / b */
  aIf: string
  bIf: string
  aIp: string
  bIp: string
  subnet: string
}

/** A JSON-lines child process, e.g. `node box.mjs` inside a namespace. */
export class Proc {
  readonly lines: any[] = []
  readonly stderr: string[] = []
  private readonly waiters = new Set<() => void>()
  exited = false

  constructor (readonly name: string, readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', line => {
      try {
        this.lines.push(JSON.parse(line))
      } catch {
        this.stderr.push(line)
      }
      for (const w of this.waiters) w()
    })
    createInterface({ input: child.stderr! }).on('line', line => {
      if (this.stderr.length < 200) this.stderr.push(line)
    })
    child.on('exit', () => {
      this.exited = true
      for (const w of this.waiters) w()
    })
  }

  /** Resolves with the first line matching `pred`, rejects after `timeoutMs` with the process's output for context. */
  async waitFor (pred: (l: any) => boolean, timeoutMs = 30_000, what = 'line'): Promise<any> {
    const found = this.lines.find(pred)
    if (found != null) return found
    return await new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.lines.find(pred)
        if (hit != null) {
          done()
          resolve(hit)
        } else if (this.exited) {
          done()
          reject(this.failure(`exited while waiting for ${what}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(this.failure(`timed out waiting for ${what}`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
    })
  }

  /** Number of lines matching `pred` so far. */
  count (pred: (l: any) => boolean): number {
    return this.lines.filter(pred).length
  }

  send (line: string): void {
    this.child.stdin?.write(line + '\n')
  }

  /** Ask a box for its info() and wait for the answer. */
  async info (timeoutMs = 10_000): Promise<any> {
    const before = this.lines.length
    this.send('info')
    const idx = (l: any): boolean => l.event === 'info' && this.lines.indexOf(l) >= before
    return await this.waitFor(idx, timeoutMs, 'info')
  }

  async stop (): Promise<void> {
    if (this.exited) return
    const exited = new Promise<void>(resolve =>
      this.child.once('exit', () => {
        resolve()
      })
    )
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => {
      this.child.kill('SIGKILL')
    }, 5000)
    await exited
    clearTimeout(timer)
  }

  private failure (msg: string): Error {
    return new Error(
      `${this.name}: ${msg}\nstdout tail: ${JSON.stringify(this.lines.slice(-5))}\nstderr tail: ${
        this.stderr.slice(-10).join('\n')
      }`
    )
  }
}

export class Lab {
  private readonly namespaces: string[] = []
  private readonly procs: Proc[] = []
  private readonly routed = new Set<string>()

  /** Create namespace `name` (removing a stale one from an aborted run first), with lo up. */
  async addNs (name: string): Promise<string> {
    if (!name.startsWith('kzd')) throw new Error('lab namespaces must start with kzd')
    await ip('netns', 'del', name).catch(() => {})
    await ip('netns', 'add', name)
    this.namespaces.push(name)
    await ip('-n', name, 'link', 'set', 'lo', 'up')
    return name
  }

  /** A veth segment between a (x.1) and b (x.2) on 198.19.<octet>.0/24. */
  async link (a: string, b: string, octet: number): Promise<Link> {
    if (octet < 250 || octet > 254) throw new Error('lab subnets are 198.19.250.0/24 .. 198.19.254.0/24')
    const aIf = `${a}-${b.slice(3)}`.slice(0, 15)
    const bIf = `${b}-${a.slice(3)}`.slice(0, 15)
    const aIp = `198.19.${octet}.1`
    const bIp = `198.19.${octet}.2`
    await ip('link', 'add', aIf, 'netns', a, 'type', 'veth', 'peer', 'name', bIf, 'netns', b)
    await ip('-n', a, 'addr', 'add', `${aIp}/24`, 'dev', aIf)
    await ip('-n', b, 'addr', 'add', `${bIp}/24`, 'dev', bIf)
    await ip('-n', a, 'link', 'set', aIf, 'up')
    await ip('-n', b, 'link', 'set', bIf, 'up')
    // stock mDNS stacks send via the multicast route; one per namespace is all a kernel takes
    for (const [ns, dev] of [[a, aIf], [b, bIf]] as const) {
      if (this.routed.has(ns)) continue
      this.routed.add(ns)
      await ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev)
    }
    return { aIf, bIf, aIp, bIp, subnet: `198.19.${octet}.0/24` }
  }

  async setLink (ns: string, dev: string, up: boolean): Promise<void> {
    await ip('-n', ns, 'link', 'set', dev, up ? 'up' : 'down')
  }

  /** Run `cmd args` inside namespace `ns`; killed at teardown. */
  spawn (ns: string, name: string, cmd: string, args: string[]): Proc {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    const p = new Proc(name, child)
    this.procs.push(p)
    return p
  }

  /** Stop every process, then delete every namespace (which deletes their veths). Never throws. */
  async teardown (): Promise<void> {
    await Promise.all(this.procs.map(async p => {
      await p.stop().catch(() => {})
    }))
    for (const ns of this.namespaces.reverse()) await ip('netns', 'del', ns).catch(() => {})
    this.namespaces.length = 0
  }
}

/** Does `ip` (dotted quad) lie in a /24 written as "a.b.c.0/24"? Enough for lab assertions. */
export function in24 (addr: string, subnet: string): boolean {
  return addr.startsWith(subnet.replace(/0\/24$/, ''))
}

/** The IPv4 of "/ip4/x/tcp/p..." */
export function ip4Of (ma: string): string | undefined {
  return /^\/ip4\/([^/]+)/.exec(ma)?.[1]
}
