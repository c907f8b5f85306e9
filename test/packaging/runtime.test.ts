/**
 * Issue 5, packaging, run for real without root: a `kiez daemon` started
 * with exactly the command line the OpenWrt init script builds from a UCI
 * config, and the Docker HEALTHCHECK script judging it while it runs and
 * after it stopped.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { StatusJson } from '@kiez/daemon/control'
import { runStartService } from './openwrt.ts'
import { REPO } from './packaging.ts'

const NODE_BIN = join(REPO, 'node_modules/.bin/node')
// the bundle, as the packaging runs it (packages/cli/scripts/bundle.js); it must find the web page's files
const KIEZ_JS = join(REPO, 'packages/cli/bundle/bin.mjs')
const HEALTHCHECK = join(REPO, 'docker/healthcheck.mjs')

async function freePort (): Promise<number> {
  const srv = createNetServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((resolve) =>
    srv.close(() => {
      resolve()
    })
  )
  return port
}

/** Async: the decoy server below lives in this process and must keep answering. */
async function healthcheck (env: Record<string, string>): Promise<{ code: number | null, stderr: string }> {
  const child = spawn(NODE_BIN, [HEALTHCHECK], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 20_000
  })
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8')
  })
  const code = await new Promise<number | null>((resolve) =>
    child.once('close', (c) => {
      resolve(c)
    })
  )
  return { code, stderr }
}

/** GET `path` (/api/v1/status by default) with a chosen Host header (fetch will not send one). */
async function statusCodeFor (port: number, host: string, path = '/api/v1/status'): Promise<number | undefined> {
  return await new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume()
      resolve(res.statusCode)
    })
      .on('error', reject).end()
  })
}

/** Resolves when the child prints a line containing `text`; rejects when it exits first. */
async function waitForLine (child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  let seen = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no "${text}" within ${timeoutMs} ms; output:\n${seen.slice(-2000)}`))
    }, timeoutMs)
    const onData = (b: Buffer): void => {
      seen += b.toString('utf8')
      if (seen.includes(text)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited ${String(code)} before "${text}"; output:\n${seen.slice(-2000)}`))
    })
  })
}

describe('packaging at run time', () => {
  it(
    'the OpenWrt UCI mapping starts a working daemon, and the Docker healthcheck says healthy while it runs and unhealthy after',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kiez-pkg-'))
      let child: ChildProcess | undefined
      let decoy: Server | undefined
      try {
        const dataDir = join(dir, 'data')
        mkdirSync(dataDir, { mode: 0o700 })
        const psk = join(dir, 'hof3.key')
        const made = spawnSync(NODE_BIN, [KIEZ_JS, 'psk', psk], { encoding: 'utf8' })
        expect(made.status, made.stderr).toBe(0)
        const httpPort = await freePort()
        const http = `127.0.0.1:${httpPort}`
        const user = userInfo().username

        const init = runStartService({
          user,
          data_dir: dataDir,
          http,
          http_allow_host: ['kiez.lan'],
          max_heap_mb: '128',
          listen: ['/ip4/127.0.0.1/tcp/0'],
          mdns: '0',
          mesh: 'hof3',
          psk,
          log_level: 'info'
        }, { nodeBin: NODE_BIN, kiezJs: KIEZ_JS, user })
        expect(init.stderr).toBe('')
        const inst = init.instances[0]!
        const env = Object.fromEntries(
          (inst.params.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])
        )
        const [cmd, ...args] = inst.command
        child = spawn(cmd!, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
        await waitForLine(child, '"msg":"daemon started"', 30_000)

        // The UCI settings took effect (through the flags, not defaults).
        const st = spawnSync(NODE_BIN, [KIEZ_JS, 'status', '--json', '--data-dir', dataDir], {
          encoding: 'utf8',
          timeout: 20_000
        })
        expect(st.status, st.stderr).toBe(0)
        const status = JSON.parse(st.stdout) as StatusJson
        expect(status.mesh).toBe('hof3')
        expect(status.http.address).toBe(http)
        expect(status.listenAddrs.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)
        expect(status.listenAddrs.some((a) => a.startsWith('/ip4/0.0.0.0/'))).toBe(false)

        // The web gateway serves on the UCI address and answers to the UCI allowed name only.
        expect(status.http.serving).toBe(true)
        expect(await statusCodeFor(httpPort, 'kiez.lan')).toBe(200)
        expect(await statusCodeFor(httpPort, 'elsewhere.example')).toBe(421)
        // The bundle finds the web page's files (it resolves them relative to its own location).
        expect(await statusCodeFor(httpPort, 'kiez.lan', '/')).toBe(200)

        // Healthy: the gateway answers, or (a build without it) the control socket says it does not serve.
        const ok = await healthcheck({ KIEZ_DATA_DIR: dataDir, KIEZ_HTTP: http })
        expect(ok.stderr).toBe('')
        expect(ok.code).toBe(0)

        // Something that answers HTTP with an error on the checked port is unhealthy.
        const decoyPort = await freePort()
        decoy = createServer((_req, res) => {
          res.writeHead(503).end()
        })
        await new Promise<void>((resolve) => decoy!.listen(decoyPort, '127.0.0.1', resolve))
        const bad = await healthcheck({ KIEZ_DATA_DIR: dataDir, KIEZ_HTTP: `127.0.0.1:${decoyPort}` })
        expect(bad.code).toBe(1)
        expect(bad.stderr).toMatch(/503/)

        // SIGTERM: a clean stop, and then the healthcheck fails (nothing answers anywhere).
        const exited = new Promise<number | null>((resolve) =>
          child!.once('exit', (code) => {
            resolve(code)
          })
        )
        child.kill('SIGTERM')
        expect(await exited).toBe(0)
        child = undefined
        const gone = await healthcheck({ KIEZ_DATA_DIR: dataDir, KIEZ_HTTP: http })
        expect(gone.code).toBe(1)
        expect(gone.stderr).toMatch(/unhealthy/)

        // http 'off' (--no-http): nothing listens on the port, the control socket says so: healthy.
        const off = runStartService({
          user,
          data_dir: dataDir,
          http: 'off',
          listen: ['/ip4/127.0.0.1/tcp/0'],
          mdns: '0',
          mesh: 'hof3',
          psk
        }, { nodeBin: NODE_BIN, kiezJs: KIEZ_JS, user })
        const [offCmd, ...offArgs] = off.instances[0]!.command
        expect(offArgs).toContain('--no-http')
        child = spawn(offCmd!, offArgs, {
          env: { PATH: process.env.PATH ?? '', ...env },
          stdio: ['ignore', 'pipe', 'pipe']
        })
        await waitForLine(child, '"msg":"daemon started"', 30_000)
        const noHttp = await healthcheck({ KIEZ_DATA_DIR: dataDir, KIEZ_HTTP: http })
        expect(noHttp.stderr).toBe('')
        expect(noHttp.code).toBe(0)
      } finally {
        child?.kill('SIGKILL')
        decoy?.close()
        rmSync(dir, { recursive: true, force: true })
      }
    },
    60_000
  )
})
