import { request } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DaemonProcess, kiez, killAll } from './testing/daemons.js'

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiez-pair-'))
})
afterAll(async () => {
  killAll()
  await rm(tmp, { recursive: true, force: true })
})
vi.setConfig({ testTimeout: 90_000 })

async function http (
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<{ status: number, headers: Record<string, unknown>, json: any }> {
  const u = new URL(url)
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  return await new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      method,
      headers: {
        origin: u.origin,
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers
      }
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          json: JSON.parse(Buffer.concat(chunks).toString() || 'null')
        })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

describe('kiez daemon --http and kiez pair', () => {
  it('logs the bound gateway URL; kiez pair prints a code and a QR code that pair a browser once', async () => {
    const dir = join(tmp, 'box')
    const d = await DaemonProcess.start(dir) // --http 127.0.0.1:0
    const line = await d.waitFor((l) => l.msg === 'http gateway listening')
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const base = String(line.url)

    const status = JSON.parse((await kiez(['status', '--json', '--data-dir', dir])).stdout)
    expect(status.http).toEqual({ address: '127.0.0.1:0', serving: true, url: base })

    const human = await kiez(['pair', '--data-dir', dir])
    expect(human.code, human.stderr).toBe(0)
    const shown = /pairing code: ([A-Z0-9]{4})-([A-Z0-9]{4})/.exec(human.stdout)
    expect(shown).not.toBeNull()
    expect(human.stdout).toMatch(/[▀▄█]/) // the QR code, in half blocks

    const json = await kiez(['pair', '--json', '--data-dir', dir])
    const p = JSON.parse(json.stdout)
    expect(p).toMatchObject({
      code: expect.stringMatching(/^[A-Z0-9]{8}$/),
      expiresInMs: expect.any(Number),
      url: base
    })

    expect((await http(`${base}api/v1/posts`, 'POST', { text: 'not yet' })).status).toBe(401)
    const paired = await http(`${base}api/v1/pair`, 'POST', { code: `${shown![1]}-${shown![2]}` })
    expect(paired.status).toBe(201)
    const cookie = String([paired.headers['set-cookie']].flat()[0]).split(';')[0] as string
    const posted = await http(`${base}api/v1/posts`, 'POST', { text: 'from a paired browser' }, { cookie })
    expect(posted.status).toBe(201)
    const feed = JSON.parse((await kiez(['feed', '--json', '--data-dir', dir])).stdout)
    expect(feed.entries[0].text).toBe('from a paired browser')

    const revoked = await kiez(['pair', '--revoke-all', '--json', '--data-dir', dir])
    expect(JSON.parse(revoked.stdout)).toEqual({ revoked: 1 })
    expect((await http(`${base}api/v1/posts`, 'POST', { text: 'after revoke' }, { cookie })).status).toBe(401)
  })

  it('--no-http serves no gateway; kiez pair says so', async () => {
    const dir = join(tmp, 'nohttp')
    const d = await DaemonProcess.start(dir, ['--no-http'])
    expect(d.lines.some((l) => l.msg === 'http gateway listening')).toBe(false)
    const r = await kiez(['pair', '--data-dir', dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('http_disabled')
  })
})
