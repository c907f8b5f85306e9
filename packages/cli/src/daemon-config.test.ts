import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, kiez } from './testing/daemons.js'

describe('kiez daemon --print-config / --check-config', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-config-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prints the merged settings (file < env < flags) as JSON and starts nothing', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ mesh: 'from-file', bootstrap: [], logLevel: 'warn' }))
    const r = await kiez(
      ['daemon', '--data-dir', dir, '--print-config', '--no-mdns'],
      cleanEnv({ KIEZ_MESH: 'from-env', KIEZ_HTTP: 'off' })
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      dataDir: dir,
      mesh: 'from-env',
      http: false,
      mdns: false,
      logLevel: 'warn',
      listen: ['/ip4/0.0.0.0/tcp/7301'],
      bootstrap: [],
      httpAllowedHosts: []
    })
    // a check must not create the box: no key, no store, no socket
    expect(['identity.key', 'feed', 'control.sock'].filter((f) => existsSync(join(dir, f)))).toEqual([])
  })

  it('--check-config: 0 with a summary line, or 2 with every problem in one line (and one JSON error document)', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ mesh: 'hof3' }))
    const ok = await kiez(['daemon', '--data-dir', dir, '--check-config'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^configuration ok: .*mesh hof3/)
    const okJson = await kiez(['daemon', '--data-dir', dir, '--check-config', '--json'])
    expect(JSON.parse(okJson.stdout)).toMatchObject({ ok: true, config: { mesh: 'hof3', dataDir: dir } })

    await writeFile(join(dir, 'config.json'), JSON.stringify({ mesh: 3 }))
    const bad = await kiez(['daemon', '--data-dir', dir, '--check-config', '--json', '--listen', 'nonsense'])
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'invalid_config' } })
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toMatch(/config\.json "mesh" \(3\): must be string; --listen "nonsense": must be a multiaddr/)
  })

  it('--check-config reads the --psk file: a missing key is a failure (1) that names the file', async () => {
    await writeFile(join(dir, 'config.json'), '{}')
    const r = await kiez(['daemon', '--data-dir', dir, '--check-config', '--psk', join(dir, 'nope.key')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/cannot read the private network key .*nope\.key \(ENOENT\)/)
    expect((await kiez(['daemon', '--print-config', '--check-config'])).code).toBe(2)
  })

  it('--max-store-mb sets storage.maxMb over the file, keeping its other storage settings', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ storage: { maxMb: 512, ingestPerHour: 0 } }))
    const r = await kiez(['daemon', '--data-dir', dir, '--print-config', '--max-store-mb', '64'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ storage: { maxMb: 64, ingestPerHour: 0 } })
    const bad = await kiez(['daemon', '--data-dir', dir, '--print-config', '--max-store-mb', 'lots'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--max-store-mb/)
  })
})
