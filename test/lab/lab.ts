/**
 * The mesh lab: real hosts as Linux network namespaces joined by veth pairs
 * (2-box links) or bridges living in their own "switch" namespace (segments).
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BoxProcess } from './box-process.ts'
import type { LogLine, LogMatcher } from './box-process.ts'
import { LabError } from './errors.ts'
import { destroyNamespacesSync, ipBatch, labSkipReason, listNamespaces, nsArgv, run } from './netns.ts'
import type { RunResult } from './netns.ts'
import { boxAddress, computeRoutes, linkIfName, linksOf, validateSpec } from './topology.ts'
import type { LabSpec, LinkMode } from './topology.ts'

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const NODE_BIN = join(REPO_ROOT, 'node_modules/.bin/node')
export const KIEZ_BIN = join(REPO_ROOT, 'packages/cli/dist/bin.js')
/** the same CLI as the packaging runs it: one esbuild bundle (packages/cli/scripts/bundle.js) */
export const KIEZ_BUNDLE = join(REPO_ROOT, 'packages/cli/bundle/bin.mjs')

export interface LabInit extends LabSpec {
  /** segment (default): no IP forwarding, a box reaches only its neighbours. routed: forwarding + shortest-path routes. */
  mode?: LinkMode
  /** Namespace name prefix; default `kz<pid>l<n>` (unique per lab, and cleanupStale can tell whether its owner lives). */
  prefix?: string
  /** Directory for per-box data dirs; default a fresh temp dir, removed on close. */
  dir?: string
  /** argv for lab.start() when the call gives none; default the Kiez daemon. */
  command?: (box: number, lab: Lab) => string[]
  /** Environment added to every box process. */
  env?: Record<string, string>
  /** Log lines kept per box (default 2000). */
  tailLines?: number
  /** SIGTERM grace before SIGKILL in restart/close (default 3000 ms). */
  stopGraceMs?: number
  /**
   * Tear down (SIGKILL + delete) on SIGINT/SIGTERM of this process; default
   * true. A caller that wants a graceful stop sets false and calls close()
   * itself; teardown on process exit stays in any case.
   */
  handleSignals?: boolean
}

export interface StartOptions {
  /** Full argv to run instead of the lab's command (args are appended). */
  command?: string[]
  args?: string[]
  env?: Record<string, string>
  /** Called for every output line (e.g. to echo box logs in the demo). */
  onLine?: (line: LogLine) => void
}

export interface ExecOptions {
  env?: Record<string, string>
  input?: string
  timeoutMs?: number
}

let labCounter = 0

/** Build the namespaces, links, addresses and routes; the returned Lab owns them until close(). */
export async function createLab (init: LabInit): Promise<Lab> {
  validateSpec(init)
  const reason = labSkipReason()
  if (reason !== undefined) throw new LabError('unavailable', reason)
  const lab = new Lab(init)
  try {
    await lab.build()
  } catch (e) {
    await lab.close()
    throw e
  }
  return lab
}

export class Lab {
  readonly spec: LabSpec
  readonly mode: LinkMode
  readonly prefix: string
  readonly dir: string

  private readonly init: LabInit
  private readonly ownsDir: boolean
  private readonly procs = new Map<number, BoxProcess>()
  private readonly lastStart = new Map<number, StartOptions>()
  /** `${box}/${link}` for attachments that are cut. */
  private readonly down = new Set<string>()
  private readonly made: string[] = []
  private closing: Promise<void> | undefined
  private readonly onExit = (): void => {
    this.closeSync()
  }
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.closeSync()
    // Keep the default "die on signal" unless someone else handles it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }

  constructor (init: LabInit) {
    this.init = init
    this.spec = { boxes: init.boxes, links: init.links.map((l) => [...l]), names: init.names }
    this.mode = init.mode ?? 'segment'
    if (this.mode !== 'segment' && this.mode !== 'routed') {
      throw new LabError('bad_spec', `unknown mode ${String(this.mode)}`)
    }
    this.prefix = init.prefix ?? `kz${process.pid}l${labCounter++}`
    // It ends up inside `ip -batch` lines and file names.
    if (!/^[A-Za-z0-9_.]{1,40}$/.test(this.prefix)) {
      throw new LabError('bad_spec', `prefix must be 1-40 of [A-Za-z0-9_.], got ${JSON.stringify(this.prefix)}`)
    }
    if (init.dir !== undefined) {
      mkdirSync(init.dir, { recursive: true })
      this.dir = init.dir
      this.ownsDir = false
    } else {
      this.dir = mkdtempSync(join(tmpdir(), `kiez-lab-${this.prefix}-`))
      this.ownsDir = true
    }
    process.on('exit', this.onExit)
    if (init.handleSignals !== false) {
      process.once('SIGINT', this.onSignal)
      process.once('SIGTERM', this.onSignal)
    }
  }

  // --- names -------------------------------------------------------------

  get boxes (): number {
    return this.spec.boxes
  }

  /** Namespace of box i. */
  ns (box: number): string {
    this.checkBox(box)
    return `${this.prefix}-b${box}`
  }

  /** Namespace holding the bridge of a segment link (links of > 2 boxes only). */
  switchNs (link: number): string {
    return `${this.prefix}-s${link}`
  }

  /** Data dir handed to the default daemon command. */
  dataDir (box: number): string {
    this.checkBox(box)
    return join(this.dir, `box${box}`)
  }

  /** Box i's address on each of its links, in link order. */
  addresses (box: number): string[] {
    return linksOf(this.spec, this.checkBox(box)).map((l) => boxAddress(box, l))
  }

  /** Box i's address on one link. */
  address (box: number, link: number): string {
    if (!this.link(link).includes(this.checkBox(box))) {
      throw new LabError('bad_link', `box ${box} is not on link ${link}`)
    }
    return boxAddress(box, link)
  }

  /** Interface names inside box i (besides lo). */
  interfaces (box: number): string[] {
    return linksOf(this.spec, this.checkBox(box)).map(linkIfName)
  }

  /** Plain description of every box, for the demo and for failure messages. */
  describe (): Array<
    { box: number, name?: string, ns: string, addresses: string[], interfaces: string[], dataDir: string }
  > {
    return Array.from({ length: this.boxes }, (_, box) => ({
      box,
      ...(this.spec.names?.[box] !== undefined ? { name: this.spec.names[box] } : {}),
      ns: this.ns(box),
      addresses: this.addresses(box),
      interfaces: this.interfaces(box),
      dataDir: this.dataDir(box)
    }))
  }

  // --- processes ------------------------------------------------------------

  /** Spawn a long-running process in box i (default: the Kiez daemon with this box's data dir). */
  start (box: number, opts: StartOptions = {}): BoxProcess {
    this.checkOpen()
    const prev = this.procs.get(this.checkBox(box))
    if (prev?.alive === true) throw new LabError('already_running', `box ${box} already runs pid ${prev.pid}`)
    mkdirSync(this.dataDir(box), { recursive: true, mode: 0o700 }) // the daemon warns about group/world-accessible dirs
    const base = opts.command ?? (this.init.command ?? defaultCommand)(box, this)
    const proc = new BoxProcess({
      argv: nsArgv(this.ns(box), [...base, ...(opts.args ?? [])]),
      // no per-author ingest budget, and a storage budget (so a per-author share, 1/32 of it) that a
      // small /tmp cannot shrink: lab suites move thousands of one author's entries over several hops
      // (a suite about the budgets sets KIEZ_INGEST_PER_HOUR and --max-store-mb itself). No automatic
      // vouches either: suites pin the seqs of a box's own feed (a suite about vouching sets KIEZ_VOUCH=1)
      env: {
        ...process.env,
        KIEZ_INGEST_PER_HOUR: '0',
        KIEZ_MAX_STORE_MB: '65536',
        KIEZ_VOUCH: '0',
        ...this.init.env,
        ...opts.env
      },
      label: `box ${box} (${this.ns(box)})`,
      tailLines: this.init.tailLines ?? 2000,
      maxLineBytes: 64 * 1024,
      onLine: opts.onLine
    })
    this.procs.set(box, proc)
    this.lastStart.set(box, opts)
    return proc
  }

  process (box: number): BoxProcess | undefined {
    return this.procs.get(this.checkBox(box))
  }

  /** The current (or last) process's log tail. */
  logs (box: number): LogLine[] {
    return [...(this.procs.get(this.checkBox(box))?.tail ?? [])]
  }

  /** First line of box i's current process matching the predicate (lines already logged count). */
  waitForLog (box: number, matcher: LogMatcher, timeoutMs = 10_000): Promise<LogLine> {
    const proc = this.procs.get(this.checkBox(box))
    if (proc === undefined) return Promise.reject(new LabError('not_running', `nothing was started in box ${box}`))
    return proc.waitFor(matcher, timeoutMs)
  }

  /** Signal box i's process; resolves once it has exited. */
  async kill (box: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.procs.get(this.checkBox(box))
    if (proc === undefined || !proc.alive) return
    proc.kill(signal)
    await proc.exited
  }

  /** Stop box i's process (if running) and start it again with the same options and data dir. */
  async restart (box: number, opts?: StartOptions): Promise<BoxProcess> {
    await this.procs.get(this.checkBox(box))?.stop(this.init.stopGraceMs ?? 3000)
    return this.start(box, opts ?? this.lastStart.get(box) ?? {})
  }

  /** Run a one-off command in box i's namespace; never throws on a non-zero exit. */
  exec (box: number, argv: readonly string[], opts: ExecOptions = {}): Promise<RunResult> {
    this.checkOpen()
    return run(nsArgv(this.ns(box), argv), {
      env: { ...process.env, ...this.init.env, ...opts.env },
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 30_000
    })
  }

  /** `kiez <args> --data-dir <box dir>` in box i, e.g. lab.kiez(2, ['status', '--json']). */
  kiez (box: number, args: readonly string[], opts?: ExecOptions): Promise<RunResult> {
    return this.exec(box, [NODE_BIN, KIEZ_BIN, ...args, '--data-dir', this.dataDir(box)], opts)
  }

  /**
   * Can box i reach addr? 'icmp' = one `ping`; 'tcp' = connect to a closed
   * port, where an RST (ECONNREFUSED) proves the packet got there; 'auto'
   * (default) uses ping and falls back to tcp where ping is not installed.
   */
  async ping (box: number, addr: string, timeoutMs = 1500, method: 'auto' | 'icmp' | 'tcp' = 'auto'): Promise<boolean> {
    if (method !== 'tcp') {
      const secs = String(Math.max(1, Math.ceil(timeoutMs / 1000)))
      const r = await this.exec(box, ['ping', '-n', '-q', '-c', '1', '-W', secs, addr], { timeoutMs: timeoutMs + 2000 })
      if (r.code === 0) return true
      if (method === 'icmp' || !/No such file|ENOENT|not found/i.test(r.stderr)) return false
    }
    const probe = `const s=require('net').connect({host:${JSON.stringify(addr)},port:9});` +
      `s.setTimeout(${timeoutMs},()=>process.exit(1));s.on('connect',()=>process.exit(0));` +
      's.on(\'error\',e=>process.exit(e.code===\'ECONNREFUSED\'?0:1))'
    return (await this.exec(box, [NODE_BIN, '-e', probe], { timeoutMs: timeoutMs + 2000 })).code === 0
  }

  // --- links -------------------------------------------------------------

  /** Partition: set the link's interfaces down on both sides (only box `onlyBox`'s attachment if given). */
  async cut (link: number, onlyBox?: number): Promise<void> {
    await this.setLink(link, false, onlyBox)
  }

  /** Undo cut(); static and multicast routes the kernel dropped with the interface come back. */
  async heal (link: number, onlyBox?: number): Promise<void> {
    await this.setLink(link, true, onlyBox)
  }

  isUp (box: number, link: number): boolean {
    return !this.down.has(`${box}/${link}`)
  }

  // --- lifecycle ---------------------------------------------------------

  /** Stop every process, delete every namespace (and so every veth and bridge). Idempotent. */
  close (): Promise<void> {
    this.closing ??= (async () => {
      const grace = this.init.stopGraceMs ?? 3000
      await Promise.all([...this.procs.values()].map(async (p) => {
        await p.stop(grace)
      }))
      this.closeSync()
    })()
    return this.closing
  }

  /** The synchronous part of close(): also what runs on process exit / signals. */
  private closeSync (): void {
    process.off('exit', this.onExit)
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
    this.closing ??= Promise.resolve()
    for (const p of this.procs.values()) p.kill('SIGKILL')
    destroyNamespacesSync(this.made.splice(0))
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true })
  }

  /** Build namespaces, sysctls, links, addresses, routes. Called once by createLab. */
  async build (): Promise<void> {
    const { links } = this.spec
    const boxNs = Array.from({ length: this.boxes }, (_, b) => this.ns(b))
    const switchNs = links.flatMap((l, i) => (l.length > 2 ? [this.switchNs(i)] : []))
    // Never adopt (and later delete) namespaces someone else made.
    const taken = new Set(listNamespaces())
    const clash = [...boxNs, ...switchNs].filter((n) => taken.has(n))
    if (clash.length > 0) {
      throw new LabError(
        'in_use',
        `namespaces already exist: ${clash.join(' ')} (another lab with prefix ${this.prefix}?)`
      )
    }
    // Recorded before creation so a half-built lab is still torn down.
    this.made.push(...boxNs, ...switchNs)
    await ipBatch([...boxNs, ...switchNs].map((n) => `netns add ${n}`))

    // sysctls before interfaces exist, so the "default" values apply to them.
    const forward = this.mode === 'routed' ? 1 : 0
    await Promise.all([...boxNs.map((n) => this.sysctl(n, forward)), ...switchNs.map((n) => this.sysctl(n, 0))])

    // Create each veth with both ends already in their namespaces: no names in the host's namespace, no collisions.
    const veths: string[] = []
    links.forEach((members, l) => {
      const [a, b] = members
      if (members.length === 2 && a !== undefined && b !== undefined) {
        veths.push(
          `link add ${linkIfName(l)} netns ${this.ns(a)} type veth peer name ${linkIfName(l)} netns ${this.ns(b)}`
        )
      } else {
        for (const m of members) {
          veths.push(
            `link add ${linkIfName(l)} netns ${this.ns(m)} type veth peer name p${m} netns ${this.switchNs(l)}`
          )
        }
      }
    })
    await ipBatch(veths)

    await Promise.all(links.map(async (members, l) => {
      if (members.length <= 2) return
      // No STP and no IGMP snooping: the segment floods multicast like a dumb switch, which mDNS wants.
      await ipBatch([
        'link set lo up',
        'link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0',
        'link set br0 up',
        ...members.flatMap((m) => [`link set p${m} master br0`, `link set p${m} up`])
      ], { ns: this.switchNs(l) })
    }))

    await Promise.all(boxNs.map(async (n, box) => {
      await ipBatch([
        'link set lo up',
        ...linksOf(this.spec, box).flatMap((l) => [
          `addr add ${boxAddress(box, l)}/24 dev ${linkIfName(l)}`,
          `link set ${linkIfName(l)} up`
        ])
      ], { ns: n })
    }))
    await this.applyRoutes(false)
  }

  // --- internals -----------------------------------------------------------

  private async sysctl (ns: string, forward: 0 | 1): Promise<void> {
    // rp_filter off: shortest paths need not be symmetric. IPv6 off: no DAD/RS/MLD noise, the lab is IPv4.
    // TTL 255: a routed line of > 64 boxes must still get its replies home.
    const settings = [
      ['net/ipv4/ip_forward', forward],
      ['net/ipv4/ip_default_ttl', forward === 1 ? 255 : 64],
      ['net/ipv4/conf/all/rp_filter', 0],
      ['net/ipv4/conf/default/rp_filter', 0],
      ['net/ipv4/conf/all/send_redirects', 0],
      ['net/ipv4/conf/default/send_redirects', 0],
      ['net/ipv6/conf/all/disable_ipv6', 1],
      ['net/ipv6/conf/default/disable_ipv6', 1]
    ] as const
    const script = settings.map(([k, v]) => `echo ${v} > /proc/sys/${k}`).join(' && ')
    const r = await run(nsArgv(ns, ['sh', '-c', script]), { timeoutMs: 10_000 })
    if (r.code !== 0) throw new LabError('ip_failed', `sysctl in ${ns} failed: ${r.stderr.trim()}`)
  }

  /** (Re)install each box's multicast route and, in routed mode, its shortest-path routes over live links. */
  private async applyRoutes (force: boolean): Promise<void> {
    const routes = this.mode === 'routed'
      ? computeRoutes(this.spec, (b, l) => this.isUp(b, l))
      : undefined
    await Promise.all(Array.from({ length: this.boxes }, async (_, box) => {
      const first = linksOf(this.spec, box).find((l) => this.isUp(box, l))
      const lines = ['route flush proto static']
      // mDNS needs a multicast route; take the first live link so a cut does not silence the box.
      if (first !== undefined) lines.push(`route replace 224.0.0.0/4 dev ${linkIfName(first)} proto static`)
      for (const r of routes?.[box] ?? []) lines.push(`route replace ${r.dest} via ${r.via} dev ${r.dev} proto static`)
      await ipBatch(lines, { ns: this.ns(box), force })
    }))
  }

  private async setLink (link: number, up: boolean, onlyBox?: number): Promise<void> {
    this.checkOpen()
    const members = this.link(link)
    if (onlyBox !== undefined && !members.includes(onlyBox)) {
      throw new LabError('bad_link', `box ${onlyBox} is not on link ${link}`)
    }
    const affected = onlyBox !== undefined ? [onlyBox] : members
    const state = up ? 'up' : 'down'
    await Promise.all(affected.map(async (b) => {
      await ipBatch([`link set ${linkIfName(link)} ${state}`], { ns: this.ns(b) })
      // The switch-side port too, so the bridge sees the port leave (and a cut box's peer has no carrier).
      if (members.length > 2) await ipBatch([`link set p${b} ${state}`], { ns: this.switchNs(link) })
    }))
    for (const b of affected) {
      if (up) this.down.delete(`${b}/${link}`)
      else this.down.add(`${b}/${link}`)
    }
    await this.applyRoutes(true)
  }

  private link (link: number): number[] {
    const members = this.spec.links[link]
    if (members === undefined) throw new LabError('bad_link', `no link ${link} (lab has ${this.spec.links.length})`)
    return members
  }

  private checkBox (box: number): number {
    if (!Number.isInteger(box) || box < 0 || box >= this.boxes) {
      throw new LabError('bad_box', `no box ${box} (lab has ${this.boxes})`)
    }
    return box
  }

  private checkOpen (): void {
    if (this.closing !== undefined) throw new LabError('closed', 'the lab is closed')
  }
}

function defaultCommand (box: number, lab: Lab): string[] {
  return [NODE_BIN, KIEZ_BIN, 'daemon', '--data-dir', lab.dataDir(box)]
}
