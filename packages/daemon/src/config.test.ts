import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, loadConfig } from './config.js'
import { DaemonError } from './errors.js'
import { defaultDataDir } from './paths.js'

const PEER = '/ip4/198.18.0.2/tcp/7301/p2p/12D3KooWSb2Kkj6qDZh4JAQMmsL6mQrX7Pst8q2fYPSsJCzHnETZ'

describe('loadConfig', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-config-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('uses the defaults when nothing is set', async () => {
    const c = await loadConfig({ flags: { dataDir: dir }, env: {} })
    expect(c).toEqual({ ...DEFAULT_CONFIG, dataDir: dir })
    expect(c.listen).toEqual(['/ip4/0.0.0.0/tcp/7301'])
    expect(c.mdns).toBe(true)
    expect(c.mesh).toBe('kiez')
  })

  it('layers defaults < file < env < flags, lists replaced not merged', async () => {
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        mesh: 'file-mesh',
        mdns: false,
        listen: ['/ip4/198.18.0.1/tcp/1'],
        bootstrap: [PEER],
        http: '198.18.0.1:8000'
      })
    )
    const c = await loadConfig({
      flags: { dataDir: dir, listen: ['/ip4/198.18.0.1/tcp/3'] },
      env: { KIEZ_MESH: 'env-mesh', KIEZ_LISTEN: '/ip4/198.18.0.1/tcp/2', KIEZ_MDNS: 'true' }
    })
    expect(c.mesh).toBe('env-mesh') // env over file
    expect(c.mdns).toBe(true) // env over file
    expect(c.listen).toEqual(['/ip4/198.18.0.1/tcp/3']) // flag over env over file
    expect(c.bootstrap).toEqual([PEER]) // only the file set it
    expect(c.http).toBe('198.18.0.1:8000')
  })

  it('reads --config and KIEZ_CONFIG instead of <dataDir>/config.json', async () => {
    const other = join(dir, 'other.json')
    await writeFile(other, JSON.stringify({ mesh: 'other' }))
    expect((await loadConfig({ flags: { dataDir: dir, config: other }, env: {} })).mesh).toBe('other')
    expect((await loadConfig({ flags: { dataDir: dir }, env: { KIEZ_CONFIG: other } })).mesh).toBe('other')
  })

  it('finds the data dir from KIEZ_DATA_DIR, then XDG_DATA_HOME, then HOME', () => {
    expect(defaultDataDir({ KIEZ_DATA_DIR: '/srv/kiez', XDG_DATA_HOME: '/x', HOME: '/h' })).toBe('/srv/kiez')
    expect(defaultDataDir({ XDG_DATA_HOME: '/x', HOME: '/h' })).toBe('/x/kiez')
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative', HOME: '/h' })).toBe('/h/.local/share/kiez')
    expect(defaultDataDir({ HOME: '/h' })).toBe('/h/.local/share/kiez')
  })

  it('reports every problem of every source in one invalid_config error', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ mdns: 'yes please', colour: 'blue' }))
    const err = await loadConfig({
      flags: { dataDir: dir, listen: ['not-an-addr'], mesh: 'Bad Mesh!' },
      env: { KIEZ_HTTP: 'nohostport', KIEZ_BOOTSTRAP: '/ip4/198.18.0.2/tcp/7301' }
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DaemonError)
    const e = err as DaemonError
    expect(e.code).toBe('invalid_config')
    expect(e.message).not.toContain('\n')
    for (
      const part of [
        '"mdns"',
        'unknown setting "colour"',
        '--listen "not-an-addr"',
        '--mesh "Bad Mesh!"',
        'KIEZ_HTTP "nohostport"',
        'KIEZ_BOOTSTRAP',
        '/p2p/'
      ]
    ) {
      expect(e.message).toContain(part)
    }
  })

  it('refuses a config file that is not JSON, and a named file that does not exist', async () => {
    await writeFile(join(dir, 'config.json'), '{ mesh: kiez')
    await expect(loadConfig({ flags: { dataDir: dir }, env: {} })).rejects.toThrow(/not valid JSON/)
    await expect(loadConfig({ flags: { dataDir: dir, config: join(dir, 'missing.json') }, env: {} })).rejects.toThrow(
      /cannot read the config file \(ENOENT\)/
    )
  })

  it('rejects a bad KIEZ_MDNS value instead of guessing', async () => {
    await expect(loadConfig({ flags: { dataDir: dir }, env: { KIEZ_MDNS: 'maybe' } })).rejects.toThrow(
      /KIEZ_MDNS "maybe": must be boolean/
    )
    expect((await loadConfig({ flags: { dataDir: dir }, env: { KIEZ_MDNS: 'off' } })).mdns).toBe(false)
  })

  it('reads the storage settings, merged key by key; --max-store-mb and KIEZ_MAX_STORE_MB set storage.maxMb', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ storage: { maxMb: 512, ingestPerHour: 0 } }))
    expect((await loadConfig({ flags: { dataDir: dir }, env: {} })).storage).toEqual({ maxMb: 512, ingestPerHour: 0 })
    const c = await loadConfig({ flags: { dataDir: dir, maxStoreMb: 64 }, env: { KIEZ_MAX_STORE_MB: '128' } })
    expect(c.storage).toEqual({ maxMb: 64, ingestPerHour: 0 })
    expect(c).not.toHaveProperty('maxStoreMb')
    expect((await loadConfig({ flags: { dataDir: dir }, env: { KIEZ_MAX_STORE_MB: '128' } })).storage?.maxMb).toBe(128)
    expect((await loadConfig({ flags: { dataDir: dir }, env: { KIEZ_INGEST_PER_HOUR: '7' } })).storage).toEqual({
      maxMb: 512,
      ingestPerHour: 7
    })
  })

  it('names a bad storage setting and where it came from', async () => {
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ storage: { maxMb: 0, ingestPerHour: -1, authorShare: 2, ingestBurst: 1.5, colour: 'blue' } })
    )
    const err = await loadConfig({
      flags: { dataDir: dir },
      env: { KIEZ_MAX_STORE_MB: 'lots', KIEZ_INGEST_PER_HOUR: 'many' }
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DaemonError)
    const message = (err as DaemonError).message
    for (
      const part of [
        '"storage.maxMb" (0): must be >= 1',
        '"storage.ingestPerHour" (-1): must be >= 0',
        '"storage.authorShare" (2): must be <= 1',
        '"storage.ingestBurst" (1.5): must be integer',
        'unknown setting "storage.colour" (known: maxMb, ingestPerHour, ingestBurst, authorShare, blobShare)',
        'KIEZ_MAX_STORE_MB "lots": must be integer',
        'KIEZ_INGEST_PER_HOUR "many": must be integer'
      ]
    ) {
      expect(message).toContain(part)
    }
  })
})
