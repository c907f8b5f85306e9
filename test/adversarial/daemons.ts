/**
 * Real `kiez daemon` processes on 127.0.0.1 (no lab needed), observed through
 * their control socket and /proc (CPU ticks, RSS) — what the adversarial
 * cases measure.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ControlClient, controlSocketPath } from '@kiez/daemon/control'
import type { StatusJson, SyncJson } from '@kiez/daemon/control'
import { createLogger, createMeshNode, Daemon, DEFAULT_CONFIG, type KiezConfig, type StorageConfig } from '@kiez/daemon'
import { BoxProcess, KIEZ_BUNDLE, NODE_BIN } from '../lab/index.ts'

export interface LocalDaemonInit {
  dataDir?: string
  args?: string[]
  env?: NodeJS.ProcessEnv
}

const CLK_TCK = 100

export class LocalDaemon {
  proc!: BoxProcess
  client!: ControlClient
  peerId = ''
  /** /ip4/127.0.0.1/tcp/<port>/p2p/<id> */
  addr = ''
  /** the last start's "daemon started" line: how long each part took to come up (a slow start says where) */
  readyAtMs: Record<string, number> = {}
  readonly dataDir: string
  private readonly args: string[]
  private readonly env: NodeJS.ProcessEnv
  private readonly ownDir: boolean
  private constructor (dataDir: string, args: string[], env: NodeJS.ProcessEnv, ownDir: boolean) {
    this.dataDir = dataDir
    this.args = args
    this.env = env
    this.ownDir = ownDir
  }

  static async start (init: LocalDaemonInit = {}): Promise<LocalDaemon> {
    const dataDir = init.dataDir ?? await mkdtemp(join(tmpdir(), 'kiez-adv-'))
    const d = new LocalDaemon(dataDir, init.args ?? [], init.env ?? {}, init.dataDir === undefined)
    await d.spawn()
    return d
  }

  get pid (): number {
    return this.proc.pid
  }

  /**
   * Spawns the daemon (the bundle a box runs) and waits until its control socket answers; resolves with
   * the ms that took.
   */
  async spawn (extraArgs: string[] = []): Promise<number> {
    const t0 = performance.now()
    const listen = this.addr === '' ? '/ip4/127.0.0.1/tcp/0' : this.addr.replace(/\/p2p\/.*$/, '')
    this.proc = new BoxProcess({
      argv: [
        NODE_BIN,
        KIEZ_BUNDLE,
        'daemon',
        '--data-dir',
        this.dataDir,
        '--listen',
        listen,
        '--no-mdns',
        '--no-http',
        ...this.args,
        ...extraArgs
      ],
      // no per-author ingest budget, and a storage budget (so a per-author share) a small /tmp cannot
      // shrink: the cases replay and relay thousands of one author's entries (a case about the budgets
      // sets KIEZ_INGEST_PER_HOUR and KIEZ_MAX_STORE_MB in its env); no automatic vouches, which would
      // move the seqs of a box's own feed the cases pin
      env: { ...process.env, KIEZ_INGEST_PER_HOUR: '0', KIEZ_MAX_STORE_MB: '65536', KIEZ_VOUCH: '0', ...this.env },
      label: `daemon ${this.dataDir}`,
      tailLines: 400,
      maxLineBytes: 16 * 1024
    })
    this.client = new ControlClient({ socketPath: controlSocketPath(this.dataDir), timeoutMs: 60_000 })
    const started = await this.proc.waitFor(
      (l) => (l.json as { msg?: string } | undefined)?.msg === 'daemon started',
      60_000
    )
    this.readyAtMs = (started.json as { readyAtMs?: Record<string, number> }).readyAtMs ?? {}
    const s = await this.client.status()
    const ms = performance.now() - t0
    this.peerId = s.peerId
    this.addr = s.listenAddrs.find((a) => a.startsWith('/ip4/127.0.0.1/')) ?? s.listenAddrs[0]!
    return ms
  }

  async status (): Promise<StatusJson> {
    return await this.client.status()
  }
  async sync (): Promise<SyncJson> {
    return await this.client.sync()
  }
  async counter (name: string): Promise<number> {
    const v = (await this.sync()).counters[name]
    return typeof v === 'number' ? v : Object.values(v ?? {}).reduce((a, b) => a + b, 0)
  }

  /** user + system CPU of the daemon process so far, in ms */
  cpuMs (): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * 1000 / CLK_TCK
  }

  /** [current RSS, peak RSS] in KiB */
  rssKiB (): [number, number] {
    const s = readFileSync(`/proc/${this.pid}/status`, 'utf8')
    const get = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN)
    return [get('VmRSS'), get('VmHWM')]
  }

  async kill9 (): Promise<void> {
    this.proc.kill('SIGKILL')
    await this.proc.exited
  }

  async stop (): Promise<void> {
    await this.proc.stop(10_000)
  }

  async close (): Promise<void> {
    await this.proc?.stop(5_000).catch(() => {})
    if (this.ownDir) await rm(this.dataDir, { recursive: true, force: true })
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** One JSON line per case, as the issue asks. */
export function report (figures: Record<string, unknown>): void {
  console.log(JSON.stringify(figures))
}

export const sum = (m: unknown): number =>
  typeof m === 'number' ? m : Object.values((m ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0)

/**
 * An in-process daemon on 127.0.0.1 (no mDNS, no HTTP, no logs) with `storage` budgets, started and pushed
 * onto `into` for the suite to stop.
 */
export async function startQuietDaemon (
  dataDir: string,
  storage: StorageConfig,
  bootstrap: string[],
  into: Daemon[]
): Promise<Daemon> {
  const config: KiezConfig = {
    ...DEFAULT_CONFIG,
    dataDir,
    http: false,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    logLevel: 'silent',
    bootstrap,
    storage
  }
  const d = new Daemon({ logger: createLogger({ level: 'silent' }), createNode: createMeshNode }, { config })
  into.push(d)
  await d.start()
  return d
}
