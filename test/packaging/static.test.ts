/**
 * Issue 5, packaging: what can be checked without a Docker engine, systemd
 * as PID 1 or an OpenWrt router. The compose file is parsed by a real YAML
 * parser, the Dockerfile and unit by small readers, the init script runs
 * with stubbed UCI/procd helpers; `systemd-analyze verify` and shellcheck
 * run when installed.
 */
import { spawnSync } from 'node:child_process'
import {
  accessSync,
  constants,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '@kiez/daemon'
import { streets, topology } from '../lab/index.ts'
import { runStartService } from './openwrt.ts'
import {
  DOCKERFILE,
  OPENWRT_INIT,
  REPO,
  UNIT_FILE,
  composeToLabSpec,
  execForm,
  inBenchmarkRange,
  loadCompose,
  loadDockerfile,
  parsePort,
  parseUnit,
  parseYamlFile,
  serviceEnv,
  serviceNetworks,
  streetsConnected,
  yamlSkipReason
} from './packaging.ts'

/** what `npm run build` links as `kiez` in a checkout */
const KIEZ_JS = join(REPO, 'packages/cli/dist/bin.js')
/** what the packaging runs: the esbuild bundle (packages/cli/scripts/bundle.js) */
const KIEZ_BUNDLE = join(REPO, 'packages/cli/bundle/bin.mjs')
const NODE_BIN = join(REPO, 'node_modules/.bin/node')
const has = (cmd: string, args: string[] = ['--version']): boolean =>
  spawnSync(cmd, args, { stdio: 'ignore' }).status === 0

describe('packaging helpers', () => {
  it('tell the benchmark range from its neighbours', () => {
    expect(inBenchmarkRange('198.18.1.0/24')).toBe(true)
    expect(inBenchmarkRange('198.19.255.0/24')).toBe(true)
    expect(inBenchmarkRange('198.18.0.0/15')).toBe(true)
    expect(inBenchmarkRange('198.16.0.0/14')).toBe(false)
    expect(inBenchmarkRange('198.20.0.0/24')).toBe(false)
    expect(inBenchmarkRange('10.0.0.0/24')).toBe(false)
    expect(inBenchmarkRange('192.168.1.0/24')).toBe(false)
  })

  it('tell joined streets from split ones', () => {
    expect(streetsConnected({ links: [[0, 1], [1, 2], [2, 3]] })).toBe(true)
    expect(streetsConnected({ links: [[0, 1], [2, 3], [3, 4]] })).toBe(false)
    expect(streetsConnected({ links: [[0, 1], [1, 2], [5, 6]] })).toBe(false)
  })
})

const yamlSkip = yamlSkipReason()

describe.skipIf(yamlSkip !== undefined)(
  `docker/compose.yaml${yamlSkip !== undefined ? ` (skipped: ${yamlSkip})` : ''}`,
  () => {
    const compose = yamlSkip === undefined ? loadCompose() : { services: {} }
    const spec = composeToLabSpec(compose)
    const names = Object.keys(compose.services)

    it('has three street networks, each a bridge with one subnet in 198.18.0.0/15, no two the same', () => {
      const nets = compose.networks ?? {}
      expect(Object.keys(nets)).toHaveLength(3)
      const subnets = Object.entries(nets).map(([name, n]) => {
        expect(n?.driver ?? 'bridge', name).toBe('bridge')
        const cfg = n?.ipam?.config ?? []
        expect(cfg, name).toHaveLength(1)
        const subnet = cfg[0]?.subnet ?? ''
        expect(inBenchmarkRange(subnet), `${name} subnet ${subnet}`).toBe(true)
        return subnet
      })
      expect(new Set(subnets).size).toBe(3)
    })

    it('puts every box on a street, two or three houses per street, and two corner boxes on exactly two streets each', () => {
      expect(names.length).toBeGreaterThanOrEqual(6)
      for (const n of names) {
        const nets = serviceNetworks(compose.services[n]!)
        expect(nets.length, `${n} networks`).toBeGreaterThanOrEqual(1)
        for (const net of nets) expect(spec.streets, `${n} joins unknown network ${net}`).toContain(net)
      }
      const corners = names.filter((n) => serviceNetworks(compose.services[n]!).length > 1)
      expect(corners).toHaveLength(2)
      for (const c of corners) expect(serviceNetworks(compose.services[c]!), c).toHaveLength(2)
      // Houses: boxes on one street only.
      for (const [l, members] of spec.links.entries()) {
        const houses = members.filter((b) => !corners.includes(names[b]!))
        expect(houses.length, `street ${spec.streets[l]}`).toBeGreaterThanOrEqual(2)
        expect(houses.length, `street ${spec.streets[l]}`).toBeLessThanOrEqual(3)
      }
    })

    it('is the lab\'s streets(2) preset, box for box (so `test/lab/cli.ts up --topology streets --boxes 8` is this neighbourhood)', () => {
      const preset = streets(2)
      expect({ boxes: spec.boxes, links: spec.links, names: spec.names }).toEqual(preset)
      expect(topology('streets', 8)).toEqual(preset)
    })

    it('joins every street to every other through corner boxes', () => {
      expect(streetsConnected(spec)).toBe(true)
      // The first and the last street share no box: posts must be relayed.
      expect(spec.links[0]!.filter((b) => spec.links[2]!.includes(b))).toEqual([])
    })

    it('gives each box its own volume at /data, a distinct host port for its web feed and the healthcheck', () => {
      const volumes = new Set<string>()
      const ports = new Set<number>()
      const declared = Object.keys(compose.volumes ?? {})
      for (const n of names) {
        const s = compose.services[n]!
        const data = (s.volumes ?? []).filter((v) => v.endsWith(':/data'))
        expect(data, `${n} volume`).toHaveLength(1)
        const vol = data[0]!.split(':')[0]!
        expect(declared, `${n}: volume ${vol} is declared`).toContain(vol)
        volumes.add(vol)
        const http = (s.ports ?? []).map(parsePort).filter((p) => p.container === 7300)
        expect(http, `${n} publishes 7300`).toHaveLength(1)
        expect(http[0]!.hostIp, `${n} binds the host port to loopback`).toBe('127.0.0.1')
        ports.add(http[0]!.host)
        // libp2p and mDNS stay on the street networks.
        expect((s.ports ?? []).map(parsePort).filter((p) => p.container !== 7300), n).toEqual([])
        expect(s.healthcheck?.test, `${n} healthcheck`).toEqual(['CMD', 'node', '/app/docker/healthcheck.mjs'])
        expect(s.restart, n).toBe('unless-stopped')
      }
      expect(volumes.size).toBe(names.length)
      expect(ports.size).toBe(names.length)
    })

    it('builds every box from docker/Dockerfile with the repo root as context and runs the image default (daemon)', () => {
      for (const n of names) {
        const s = compose.services[n]!
        expect(typeof s.build === 'object' ? s.build : undefined, n).toEqual({
          context: '..',
          dockerfile: 'docker/Dockerfile'
        })
        expect(s.command, `${n} must not override CMD ["daemon"] (the lab test mirrors the image default)`)
          .toBeUndefined()
      }
      const stages = loadDockerfile()
      expect(execForm(stages.at(-1)!.instructions.find((i) => i.keyword === 'CMD')!.args)).toEqual(['daemon'])
      // The HEALTHCHECK in the image and in compose are the same command.
      const hc = stages.at(-1)!.instructions.find((i) => i.keyword === 'HEALTHCHECK')!
      expect(['CMD', ...execForm(hc.args)]).toEqual(compose.services[names[0]!]!.healthcheck?.test)
    })

    it('sets only environment the daemon accepts', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kiez-compose-env-'))
      try {
        for (const n of names) {
          const env = serviceEnv(compose.services[n]!)
          for (const k of Object.keys(env)) expect(k, n).toMatch(/^(KIEZ_|NODE_)/)
          await expect(loadConfig({ env: { ...env, KIEZ_DATA_DIR: dir } }), n).resolves.toMatchObject({ dataDir: dir })
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it('the YAML reader refuses a broken file (so the checks above are on the real parse)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'kiez-yaml-'))
      try {
        writeFileSync(join(dir, 'bad.yaml'), 'services:\n  a: [unclosed\n')
        expect(() => parseYamlFile(join(dir, 'bad.yaml'))).toThrow(/does not parse/)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }
)

describe('docker/Dockerfile', () => {
  const stages = loadDockerfile()
  const runtime = stages.at(-1)!
  const ins = (k: string): string[] => runtime.instructions.filter((i) => i.keyword === k).map((i) => i.args)

  it('is multi-stage with a slim Node 24 runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    expect(stages[0]!.from).toMatch(/^node:(\$\{NODE_VERSION\}|24)/)
    expect(runtime.from).toMatch(/^node:(\$\{NODE_VERSION\}|24)-(bookworm-)?slim$/)
    expect(readFileSync(DOCKERFILE, 'utf8')).toMatch(/^ARG NODE_VERSION=24$/m)
  })

  it('runs as the non-root user kiez with /data as its volume and data dir', () => {
    const users = ins('USER')
    expect(users.length).toBeGreaterThanOrEqual(1)
    expect(users.at(-1)).toBe('kiez')
    expect(ins('VOLUME')).toContain('/data')
    expect(ins('ENV').join(' ')).toMatch(/KIEZ_DATA_DIR=\/data\b/)
    // a glibc image: two malloc arenas, as the systemd unit (docs/OPERATIONS.md, "Memory")
    expect(ins('ENV').join(' ')).toMatch(/\bMALLOC_ARENA_MAX=2\b/)
    // The user exists and owns /data (a fresh named volume copies that ownership).
    expect(ins('RUN').join('\n')).toMatch(/useradd[^\n]*\bkiez\b/)
    expect(ins('RUN').join('\n')).toMatch(/chown kiez:kiez \/data/)
  })

  it('exposes 7300 and 7301, has a HEALTHCHECK, and starts `kiez daemon`', () => {
    expect(ins('EXPOSE').join(' ').split(/\s+/)).toEqual(expect.arrayContaining(['7300', '7301']))
    const hc = ins('HEALTHCHECK')
    expect(hc).toHaveLength(1)
    expect(execForm(hc[0]!)).toEqual(['node', '/app/docker/healthcheck.mjs'])
    expect(ins('COPY').join('\n')).toContain('docker/healthcheck.mjs /app/docker/healthcheck.mjs')
    expect(execForm(ins('ENTRYPOINT')[0]!)).toEqual(['node', '/app/packages/cli/bundle/bin.mjs'])
    expect(execForm(ins('CMD')[0]!)).toEqual(['daemon'])
  })

  it('ships production dependencies only: the runtime copies a stage that ran npm ci --omit=dev', () => {
    const copies = ins('COPY').map((a) => /--from=(\S+)/.exec(a)?.[1]).filter((x) => x !== undefined)
    expect(copies.length).toBeGreaterThan(0)
    for (const from of copies) {
      const stage = stages.find((s) => s.name === from)
      expect(stage, `stage ${from}`).toBeDefined()
      expect(stage!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n'), `stage ${from}`)
        .toMatch(/npm ci --omit=dev/)
    }
    const build = stages[0]!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n')
    expect(build).toMatch(/npm ci\b/)
    expect(build).toMatch(/npm run build/)
  })

  it('ships each package as package.json + dist (+ the CLI\'s bundle), which is what every package declares in "files"', () => {
    for (const dir of readdirSync(join(REPO, 'packages'))) {
      const pkg = JSON.parse(readFileSync(join(REPO, 'packages', dir, 'package.json'), 'utf8')) as { files?: string[] }
      const want = dir === 'cli' ? ['dist', 'bundle'] : ['dist']
      expect(pkg.files, `packages/${dir}/package.json "files" (the Dockerfile copies dist/ and bundle/ only)`)
        .toEqual(want)
    }
  })

  it('npm run build links the kiez command, so `npx kiez` works in a fresh clone (npm install ran before dist existed)', () => {
    expect(realpathSync(join(REPO, 'node_modules/.bin/kiez'))).toBe(realpathSync(KIEZ_JS))
  })

  it('has an ignore file that keeps local builds, modules and keys out of the context', () => {
    const ignore = readFileSync(join(REPO, 'docker/Dockerfile.dockerignore'), 'utf8').split('\n')
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '**/*.key']))
    expect(ignore).not.toContain('docker')
  })
})

describe('packaging/systemd/kiez.service', () => {
  const unit = parseUnit(readFileSync(UNIT_FILE, 'utf8'))
  const svc = unit.get('Service') ?? new Map<string, string[]>()
  const one = (k: string): string | undefined => svc.get(k)?.at(-1)

  it('runs kiez daemon unprivileged with its state in /var/lib/kiez', () => {
    expect(one('ExecStart')).toBe('/usr/bin/kiez daemon')
    // a broken config is reported once, before the restart loop
    expect(one('ExecStartPre')).toBe('/usr/bin/kiez daemon --check-config')
    expect(one('DynamicUser') === 'yes' || one('User') === 'kiez').toBe(true)
    expect(one('StateDirectory')).toBe('kiez')
    expect(one('StateDirectoryMode')).toBe('0700')
    expect(svc.get('Environment')).toContain('KIEZ_DATA_DIR=/var/lib/kiez')
    expect(svc.get('Environment')).toContain('MALLOC_ARENA_MAX=2')
    expect(one('Restart')).toBe('on-failure')
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target'])
  })

  it('has the hardening settings', () => {
    const want: Record<string, string> = {
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      NoNewPrivileges: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6 AF_NETLINK',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      MemoryDenyWriteExecute: 'no',
      SystemCallArchitectures: 'native',
      CapabilityBoundingSet: '',
      AmbientCapabilities: ''
    }
    for (const [k, v] of Object.entries(want)) expect(one(k), k).toBe(v)
  })

  it.skipIf(!has('systemd-analyze'))(
    'passes systemd-analyze verify (ExecStart pointed at this checkout\'s kiez)',
    () => {
      expect(() => {
        accessSync(KIEZ_BUNDLE, constants.X_OK)
      }, `${KIEZ_BUNDLE} must be built and executable (npm run build)`).not.toThrow()
      const dir = mkdtempSync(join(tmpdir(), 'kiez-unit-'))
      try {
        const file = join(dir, 'kiez.service')
        writeFileSync(
          file,
          readFileSync(UNIT_FILE, 'utf8').replaceAll('=/usr/bin/kiez daemon', `=${KIEZ_BUNDLE} daemon`)
        )
        const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' })
        expect(r.stderr.trim(), 'systemd-analyze verify output').toBe('')
        expect(r.status).toBe(0)
        const sec = spawnSync('systemd-analyze', ['security', '--offline=true', file], { encoding: 'utf8' })
        const score = /Overall exposure level for kiez\.service: ([\d.]+)/.exec(sec.stdout)
        if (score !== null) {
          console.info(`systemd-analyze security: exposure ${score[1]} (0 = locked down, 10 = exposed)`)
          expect(Number(score[1])).toBeLessThan(2.5)
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  )
})

describe('packaging/openwrt', () => {
  const user = userInfo().username

  it('the init script is valid sh (and shellcheck-clean when shellcheck is installed)', () => {
    const n = spawnSync('sh', ['-n', OPENWRT_INIT], { encoding: 'utf8' })
    expect(n.stderr).toBe('')
    expect(n.status).toBe(0)
    expect(readFileSync(OPENWRT_INIT, 'utf8')).toMatch(/^#!\/bin\/sh \/etc\/rc\.common\n/)
    if (has('shellcheck')) {
      const sc = spawnSync('shellcheck', [OPENWRT_INIT], { encoding: 'utf8' })
      expect(sc.stdout, 'shellcheck').toBe('')
      expect(sc.status).toBe(0)
    } else {
      console.info('shellcheck not installed: only sh -n ran (apt-get install -y shellcheck)')
    }
  })

  it('the default UCI config leaves the daemon defaults in charge: only the data dir is a flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiez-owrt-'))
    try {
      // What kiez.config sets (its empty options count as unset).
      const run = runStartService({
        enabled: '1',
        user,
        data_dir: dir,
        http: '',
        mdns: '1',
        mesh: '',
        psk: '',
        log_level: '',
        nofile: '4096',
        max_heap_mb: ''
      }, { nodeBin: NODE_BIN, kiezJs: KIEZ_JS, user })
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.instances).toHaveLength(1)
      const inst = run.instances[0]!
      expect(inst.command).toEqual([NODE_BIN, KIEZ_JS, 'daemon', '--data-dir', dir])
      expect(inst.params.user).toEqual([user])
      expect(inst.params.respawn).toEqual(['3600', '5', '5'])
      expect(inst.params.env).toContain(`KIEZ_DATA_DIR=${dir}`)
      // no heap cap unless asked; the small young generation always
      expect(inst.params.env).toContain('NODE_OPTIONS=--max-semi-space-size=2')
      expect(inst.params.file).toEqual(['/etc/config/kiez'])
      expect(inst.params.limits).toEqual(['nofile=4096 4096'])
      // The data dir was made private to the box.
      expect(spawnSync('stat', ['-c', '%a', dir], { encoding: 'utf8' }).stdout.trim()).toBe('700')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('maps every UCI option to its flag, lists repeated, mdns 0 to --no-mdns, and the psk file is watched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiez-owrt-'))
    try {
      const boot = ['/ip4/198.18.0.2/tcp/7301/p2p/12D3KooWA', '/ip4/198.18.0.3/tcp/7301/p2p/12D3KooWB']
      const run = runStartService({
        user,
        data_dir: dir,
        http: '198.18.0.1:7300',
        http_allow_host: ['kiez.lan', 'hof3.lan'],
        listen: ['/ip4/198.18.0.1/tcp/7301', '/ip4/127.0.0.1/tcp/7301'],
        bootstrap: boot,
        mdns: '0',
        mesh: 'hof3',
        psk: '/etc/kiez/hof3.key',
        log_level: 'debug',
        max_heap_mb: '96'
      }, { nodeBin: NODE_BIN, kiezJs: KIEZ_JS, user })
      expect(run.stderr).toBe('')
      const inst = run.instances[0]!
      expect(inst.command).toEqual([
        NODE_BIN,
        KIEZ_JS,
        'daemon',
        '--data-dir',
        dir,
        '--http',
        '198.18.0.1:7300',
        '--http-allow-host',
        'kiez.lan',
        '--http-allow-host',
        'hof3.lan',
        '--listen',
        '/ip4/198.18.0.1/tcp/7301',
        '--listen',
        '/ip4/127.0.0.1/tcp/7301',
        '--bootstrap',
        boot[0],
        '--bootstrap',
        boot[1],
        '--no-mdns',
        '--mesh',
        'hof3',
        '--psk',
        '/etc/kiez/hof3.key',
        '--log-level',
        'debug'
      ])
      expect(inst.params.file).toEqual(['/etc/config/kiez', '/etc/kiez/hof3.key'])
      expect(inst.params.env).toContain('NODE_OPTIONS=--max-old-space-size=96 --max-semi-space-size=2')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('http off becomes --no-http', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiez-owrt-'))
    try {
      const run = runStartService({ user, data_dir: dir, http: 'off' }, { nodeBin: NODE_BIN, kiezJs: KIEZ_JS, user })
      expect(run.instances[0]?.command).toEqual([NODE_BIN, KIEZ_JS, 'daemon', '--data-dir', dir, '--no-http'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('starts nothing when disabled, and refuses a user that does not exist', () => {
    const paths = { nodeBin: NODE_BIN, kiezJs: KIEZ_JS, user }
    const off = runStartService({ enabled: '0' }, paths)
    expect(off.instances).toEqual([])
    expect(off.stderr).toMatch(/disabled/)
    const nobody = runStartService({ user: 'no-such-kiez-user', data_dir: '/nonexistent' }, paths)
    expect(nobody.instances).toEqual([])
    expect(nobody.code).not.toBe(0)
    expect(nobody.stderr).toMatch(/user no-such-kiez-user does not exist/)
  })

  it('the shipped kiez.config is read as the defaults test assumes', () => {
    const cfg = readFileSync(join(REPO, 'packaging/openwrt/kiez.config'), 'utf8')
    const options = [...cfg.matchAll(/^\s*option (\w+) '([^']*)'/gm)].map((m) => [m[1], m[2]])
    expect(Object.fromEntries(options)).toEqual({
      enabled: '1',
      user: 'kiez',
      data_dir: '/srv/kiez',
      http: '',
      mdns: '1',
      mesh: '',
      psk: '',
      log_level: '',
      nofile: '4096',
      max_heap_mb: '',
      semi_space_mb: '2'
    })
    expect(cfg).toMatch(/^config kiez 'main'$/m)
  })
})
