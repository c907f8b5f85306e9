/**
 * Thin wrappers around iproute2. Everything the lab does to the system goes
 * through here, so the commands are easy to read and to repeat by hand.
 */
import { spawn, spawnSync } from 'node:child_process'
import { LabError } from './errors.ts'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  input?: string
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Bound on captured stdout/stderr each; the rest is dropped. */
  maxOutputBytes?: number
}

/** Run a command to completion; never throws on a non-zero exit (code -1 = could not start / killed by timeout). */
export function run (argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const max = opts.maxOutputBytes ?? 16 * 1024 * 1024
  return new Promise((resolve) => {
    const [cmd, ...args] = argv
    if (cmd === undefined) {
      resolve({ code: -1, stdout: '', stderr: 'empty argv' })
      return
    }
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let outLen = 0
    let errLen = 0
    child.stdout.on('data', (b: Buffer) => {
      if (outLen < max) {
        out.push(b)
        outLen += b.length
      }
    })
    child.stderr.on('data', (b: Buffer) => {
      if (errLen < max) {
        err.push(b)
        errLen += b.length
      }
    })
    let timedOut = false
    const timer = opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, opts.timeoutMs)
    const done = (code: number, extra = ''): void => {
      if (timer !== undefined) clearTimeout(timer)
      resolve({
        code,
        stdout: Buffer.concat(out).subarray(0, max).toString('utf8'),
        stderr: Buffer.concat(err).subarray(0, max).toString('utf8') + extra
      })
    }
    child.on('error', (e) => {
      done(-1, String(e))
    })
    child.on('close', (code) => {
      done(timedOut ? -1 : (code ?? -1), timedOut ? `timed out after ${opts.timeoutMs} ms` : '')
    })
    child.stdin.on('error', () => {}) // the child may exit without reading its input
    child.stdin.end(opts.input ?? '')
  })
}

/** Run `ip [-n ns] -batch -` with one command per line; throws LabError('ip_failed') unless `force`. */
export async function ipBatch (
  lines: readonly string[],
  opts: { ns?: string, force?: boolean } = {}
): Promise<RunResult> {
  if (lines.length === 0) return { code: 0, stdout: '', stderr: '' }
  const argv = ['ip']
  if (opts.ns !== undefined) argv.push('-n', opts.ns)
  if (opts.force === true) argv.push('-force')
  argv.push('-batch', '-')
  const res = await run(argv, { input: lines.join('\n') + '\n', timeoutMs: 30_000 })
  if (res.code !== 0 && opts.force !== true) {
    throw new LabError(
      'ip_failed',
      `${argv.join(' ')} failed (${res.code}): ${res.stderr.trim()}\n  commands: ${lines.join(' | ')}`
    )
  }
  return res
}

/** Run argv inside a namespace. */
export function nsArgv (ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv]
}

/** Why the lab cannot run here, or undefined when it can. Synchronous so `describe.skipIf` can use it. */
export function labSkipReason (): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'the mesh lab needs root (network namespaces)'
  }
  const v = spawnSync('ip', ['-V'], { encoding: 'utf8' })
  if (v.error !== undefined || v.status !== 0) return 'no `ip` binary (apt-get install -y iproute2)'
  const probe = `kzprobe${process.pid}`
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' })
  if (add.status !== 0) return `ip netns add is not permitted here: ${(add.stderr ?? '').trim()}`
  spawnSync('ip', ['netns', 'del', probe])
  return undefined
}

export function labAvailable (): boolean {
  return labSkipReason() === undefined
}

/** Names from `ip netns list` (lines look like "name (id: 3)"). */
export function listNamespaces (): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  if (r.status !== 0) return []
  return r.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n !== '')
}

/**
 * Kill every process inside the namespaces, then delete them. Synchronous on
 * purpose: it also runs from process 'exit', where async work never finishes.
 */
export function destroyNamespacesSync (names: readonly string[]): void {
  if (names.length === 0) return
  for (const ns of names) {
    const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
    if (r.status !== 0) continue
    for (const pid of r.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {}
    }
  }
  spawnSync('ip', ['-force', '-batch', '-'], { input: names.map((n) => `netns del ${n}`).join('\n') + '\n' })
}

/** Lab namespace names: `kz<pid>l<n>-b<box>` / `kz<pid>l<n>-s<link>`; the pid tells whether the owner still lives. */
const LAB_NS = /^kz(\d+)l\d+-[bs]\d+$/

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Remove leftovers of crashed runs. With a prefix: every namespace whose name
 * starts with it. Without: lab namespaces whose owning process is gone (a
 * running lab of another test file is left alone). Returns what was removed.
 */
export function cleanupStale (prefix?: string): string[] {
  if (prefix === '') throw new LabError('bad_spec', 'an empty prefix would match every namespace')
  const victims = listNamespaces().filter((ns) => {
    if (prefix !== undefined) return ns.startsWith(prefix)
    const m = LAB_NS.exec(ns)
    return m !== null && !alive(Number(m[1]))
  })
  destroyNamespacesSync(victims)
  return victims
}
