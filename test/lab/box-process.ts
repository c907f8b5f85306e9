/**
 * One long-running process inside a box: stdout/stderr split into lines
 * (JSON parsed when it is JSON), a bounded tail, and waiting for a line.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { LabError } from './errors.ts'

export interface LogLine {
  stream: 'stdout' | 'stderr'
  text: string
  /** The parsed line when it is a JSON document (daemon log lines are). */
  json?: unknown
  atMs: number
}

export type LogMatcher = string | RegExp | ((line: LogLine) => boolean)

export interface BoxProcessInit {
  argv: string[]
  env: NodeJS.ProcessEnv
  label: string
  /** Lines kept per process (oldest dropped). */
  tailLines: number
  /** Longer lines are cut so one runaway line cannot eat the memory. */
  maxLineBytes: number
  onLine?: (line: LogLine) => void
}

function matches (m: LogMatcher, line: LogLine): boolean {
  if (typeof m === 'string') return line.text.includes(m)
  if (m instanceof RegExp) return m.test(line.text)
  return m(line)
}

interface Waiter {
  matcher: LogMatcher
  resolve: (line: LogLine) => void
  reject: (err: Error) => void
}

export class BoxProcess {
  readonly pid: number
  readonly argv: string[]
  readonly tail: LogLine[] = []
  exitCode: number | null = null
  signal: NodeJS.Signals | null = null
  readonly exited: Promise<void>

  private readonly child: ChildProcess
  private readonly init: BoxProcessInit
  private readonly waiters = new Set<Waiter>()
  private running = true

  constructor (init: BoxProcessInit) {
    this.init = init
    this.argv = init.argv
    const [cmd, ...args] = init.argv
    // Own process group: Ctrl-C in the demo reaches only the lab, which then
    // stops boxes in order; kill(-pid) also reaches children of a shell.
    this.child = spawn(cmd ?? 'false', args, { env: init.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    this.pid = this.child.pid ?? -1
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.push('stderr', `spawn failed: ${String(e)}`)
        this.finish()
        resolve()
      })
      // 'close' waits for stdout/stderr to end, which never happens while a
      // grandchild that escaped our process group holds the pipe; so after
      // 'exit' give the streams a moment, then stop reading.
      this.child.on('exit', (code, signal) => {
        this.exitCode = code
        this.signal = signal
        setTimeout(() => {
          this.child.stdout?.destroy()
          this.child.stderr?.destroy()
          this.finish()
          resolve()
        }, 300).unref()
      })
      this.child.on('close', () => {
        this.finish()
        resolve()
      })
    })
    this.split(this.child.stdout!, 'stdout')
    this.split(this.child.stderr!, 'stderr')
  }

  get alive (): boolean {
    return this.running
  }

  /** Resolves with the first line (already in the tail or still to come) that matches. */
  waitFor (matcher: LogMatcher, timeoutMs: number): Promise<LogLine> {
    let hit: LogLine | undefined
    try {
      hit = this.tail.find((l) => matches(matcher, l))
    } catch (e) {
      return Promise.reject(e)
    }
    if (hit !== undefined) return Promise.resolve(hit)
    if (!this.running) return Promise.reject(this.exitError())
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(
          new LabError(
            'timeout',
            `${this.init.label}: no matching log line within ${timeoutMs} ms; last lines:\n${this.lastLines()}`
          )
        )
      }, timeoutMs)
      const waiter: Waiter = {
        matcher,
        resolve: (l) => {
          clearTimeout(timer)
          resolve(l)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        }
      }
      this.waiters.add(waiter)
    })
  }

  /** Signal the whole process group. */
  kill (signal: NodeJS.Signals): void {
    if (!this.running || this.pid < 0) return
    try {
      process.kill(-this.pid, signal)
    } catch {
      try {
        process.kill(this.pid, signal)
      } catch {}
    }
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop (graceMs: number): Promise<void> {
    if (!this.running) return
    this.kill('SIGTERM')
    const timer = setTimeout(() => {
      this.kill('SIGKILL')
    }, graceMs)
    await this.exited
    clearTimeout(timer)
  }

  private split (stream: NodeJS.ReadableStream, name: LogLine['stream']): void {
    let pending = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      pending += chunk
      let nl: number
      while ((nl = pending.indexOf('\n')) >= 0) {
        this.push(name, pending.slice(0, nl))
        pending = pending.slice(nl + 1)
      }
      if (pending.length > this.init.maxLineBytes) {
        this.push(name, pending.slice(0, this.init.maxLineBytes))
        pending = ''
      }
    })
    stream.on('end', () => {
      if (pending !== '') this.push(name, pending)
    })
  }

  private push (stream: LogLine['stream'], raw: string): void {
    const text = raw.length > this.init.maxLineBytes ? raw.slice(0, this.init.maxLineBytes) : raw.replace(/\r$/, '')
    const line: LogLine = { stream, text, atMs: Date.now() }
    if (text.startsWith('{')) {
      try {
        line.json = JSON.parse(text)
      } catch {}
    }
    this.tail.push(line)
    try {
      this.init.onLine?.(line)
    } catch {} // a broken observer must not stop the capture
    if (this.tail.length > this.init.tailLines) this.tail.splice(0, this.tail.length - this.init.tailLines)
    for (const w of this.waiters) {
      let ok = false
      try {
        ok = matches(w.matcher, line)
      } catch (e) {
        this.waiters.delete(w)
        w.reject(e as Error)
        continue
      }
      if (ok) {
        this.waiters.delete(w)
        w.resolve(line)
      }
    }
  }

  private finish (): void {
    if (!this.running) return
    this.running = false
    // Let the stream 'end' handlers flush the last lines before failing waiters.
    setImmediate(() => {
      for (const w of this.waiters) w.reject(this.exitError())
      this.waiters.clear()
    })
  }

  private exitError (): LabError {
    const how = this.signal !== null ? `signal ${this.signal}` : `code ${String(this.exitCode)}`
    return new LabError(
      'exited',
      `${this.init.label} exited (${how}) before a matching log line; last lines:\n${this.lastLines()}`
    )
  }

  private lastLines (n = 10): string {
    return this.tail.slice(-n).map((l) => `  [${l.stream}] ${l.text}`).join('\n')
  }
}
