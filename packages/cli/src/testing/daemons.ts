import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Test-only: real `kiez` processes from the built dist (run `npx tsc -b packages/cli` first). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
export const NODE = join(ROOT, 'node_modules/.bin/node')
export const BIN = join(ROOT, 'packages/cli/dist/bin.js')

/** The parent's env minus anything KIEZ_ that would leak into the children. */
export function cleanEnv (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KIEZ_') && k !== 'XDG_DATA_HOME')
  )
  return { ...env, ...extra }
}

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

export async function kiez (args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  return await new Promise((resolve) => {
    execFile(NODE, [BIN, ...args], { env, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null
        ? 0
        : typeof (err as { code?: unknown }).code === 'number'
        ? (err as { code: number }).code
        : null
      resolve({ code, stdout, stderr })
    })
  })
}

const running = new Set<ChildProcess>()

/** SIGKILLs every daemon a test left running (afterEach/afterAll), by pid. */
export function killAll (): void {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  running.clear()
}

export interface LogLine {
  msg?: string
  level?: number
  [k: string]: unknown
}

export class DaemonProcess {
  readonly lines: LogLine[] = []
  stderr = ''
  peerId = ''
  listenAddrs: string[] = []
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>

  private constructor (readonly proc: ChildProcess, readonly dataDir: string) {
    running.add(proc)
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        running.delete(proc)
        resolve({ code, signal })
      })
    )
    let buf = ''
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        try {
          this.lines.push(JSON.parse(line) as LogLine)
        } catch {
          this.lines.push({ msg: `NOT JSON: ${line}` })
        }
      }
    })
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk
    })
  }

  /** Spawns `kiez daemon` on loopback without mDNS and waits for its "daemon started" line. */
  static async start (
    dataDir: string,
    extra: string[] = [],
    opts: { env?: NodeJS.ProcessEnv, defaults?: boolean } = {}
  ): Promise<DaemonProcess> {
    const base = opts.defaults === false
      ? []
      : ['--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--http', '127.0.0.1:0']
    return await DaemonProcess.startCommand([NODE, BIN, 'daemon', ...base, ...extra], dataDir, opts.env ?? cleanEnv())
  }

  /** Spawns any command line that ends up running `kiez daemon` (say under `ip netns exec`). */
  static async startCommand (argv: string[], dataDir: string, env: NodeJS.ProcessEnv): Promise<DaemonProcess> {
    const proc = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const d = new DaemonProcess(proc, dataDir)
    const started = await Promise.race([
      d.waitFor((l) => l.msg === 'daemon started', 20_000),
      d.exited.then(({ code }) => {
        throw new Error(`daemon exited ${String(code)} before starting: ${d.stderr.trim()}`)
      })
    ])
    d.peerId = String(started.peerId)
    d.listenAddrs = started.listenAddrs as string[]
    return d
  }

  async waitFor (pred: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.lines.find(pred)
      if (hit !== undefined) return hit
      if (Date.now() > deadline) {
        throw new Error(`no matching log line within ${timeoutMs} ms; stderr: ${this.stderr.trim()}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  kill (signal: NodeJS.Signals): void {
    this.proc.kill(signal)
  }
}
