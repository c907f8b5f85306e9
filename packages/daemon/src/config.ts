import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { DaemonError } from './errors.js'
import { DATA_DIR_FILES, resolveDataDir } from './paths.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

/** Everything a box needs to start, after merging defaults < file < env < flags. */
export interface KiezConfig {
  /**
   * The box's data dir: identity key, feed store, peer store, control socket, optional config.json
   * (`--data-dir`, `KIEZ_DATA_DIR`; no config file key).
   *
   * @default $XDG_DATA_HOME/kiez, else ~/.local/share/kiez
   */
  dataDir: string
  /**
   * HOST:PORT of the LAN HTTP gateway; false = no gateway (`--http`, `--no-http`, `KIEZ_HTTP`, key `http`).
   *
   * @default '0.0.0.0:7300'
   */
  http: string | false
  /**
   * Names the gateway answers to besides loopback, interface addresses and the hostname (DNS-rebinding guard;
   * `--http-allow-host`, `KIEZ_HTTP_ALLOWED_HOSTS`, key `httpAllowedHosts`).
   *
   * @default [] (none)
   */
  httpAllowedHosts: string[]
  /**
   * Multiaddrs the mesh node listens on (`--listen`, `KIEZ_LISTEN`, key `listen`).
   *
   * @default ['/ip4/0.0.0.0/tcp/7301']
   */
  listen: string[]
  /**
   * Static peers, each ending in `/p2p/<peer id>` (`--bootstrap`, `KIEZ_BOOTSTRAP`, key `bootstrap`).
   *
   * @default [] (none)
   */
  bootstrap: string[]
  /**
   * Find neighbours by mDNS (`--no-mdns`, `KIEZ_MDNS`, key `mdns`).
   *
   * @default true
   */
  mdns: boolean
  /**
   * Mesh name: boxes only join gossip topics and sync with boxes of the same mesh (`--mesh`, `KIEZ_MESH`, key `mesh`).
   *
   * @default 'kiez'
   */
  mesh: string
  /**
   * Path of a libp2p private-network key file (`--psk`, `KIEZ_PSK`, key `psk`).
   *
   * @default none (an open mesh)
   */
  psk?: string
  /**
   * Log level of the JSON log lines (`--log-level`, `KIEZ_LOG_LEVEL`, key `logLevel`).
   *
   * @default 'info'
   */
  logLevel: LogLevel
  /**
   * --fresh-feed-ok: disarm the self-fork guard at this start (the operator
   * says no box holds this key's feed). A flag only, never a file or env
   * setting: left in place it would silently disable the guard for good.
   *
   * @default false
   */
  freshFeedOk?: boolean
  /**
   * Storage budgets (key `storage`; `--max-store-mb`, `KIEZ_MAX_STORE_MB` set `maxMb`; docs/LIMITS.md "Storage").
   *
   * @default {} (each setting's own default)
   */
  storage?: StorageConfig
  /**
   * Households and neighbours (key `people`; `KIEZ_VOUCH` sets `vouch`).
   *
   * @default {} (each setting's own default)
   */
  people?: PeopleConfig
}

/** What the box says about people and neighbours (issue 14). */
export interface PeopleConfig {
  /**
   * Publish a signed vouch for each box that mDNS finds on the box's own link
   * (daily, bounded: docs/LIMITS.md "Vouches"); false = never vouch.
   *
   * @default true
   */
  vouch?: boolean
}

/** What the box keeps of what the network brings (@kiez/quota). */
export interface StorageConfig {
  /**
   * The most the feed store may take on disk, in MiB.
   *
   * @default a quarter of the free space at first start, between 64 and 4096 (kept in the store)
   */
  maxMb?: number
  /**
   * Fresh entries one far author may add per hour; 0 = no per-author ingest budget.
   *
   * @default 120
   */
  ingestPerHour?: number
  /**
   * Entries one far author may add at once.
   *
   * @default 30
   */
  ingestBurst?: number
  /**
   * The most of the store one far author may hold (a fraction).
   *
   * @default 1/32 (0.03125)
   */
  authorShare?: number
  /**
   * The images' (blobs') share of the budget (a fraction); the feed store gets the rest.
   *
   * @default 0.5
   */
  blobShare?: number
}

/** The settable part of the config (all optional): what a file, env or flags may carry. */
export type ConfigInput = Partial<Omit<KiezConfig, 'dataDir' | 'freshFeedOk'>>

export const DEFAULT_CONFIG: Omit<KiezConfig, 'dataDir'> = {
  http: '0.0.0.0:7300',
  httpAllowedHosts: [],
  listen: ['/ip4/0.0.0.0/tcp/7301'],
  bootstrap: [],
  mdns: true,
  mesh: 'kiez',
  logLevel: 'info'
}

const PROPERTIES = {
  http: { anyOf: [{ type: 'string', format: 'host-port' }, { const: false }] },
  httpAllowedHosts: {
    type: 'array',
    items: { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.:-]{1,253})$' },
    maxItems: 64
  },
  listen: { type: 'array', items: { type: 'string', format: 'multiaddr' }, maxItems: 32 },
  bootstrap: { type: 'array', items: { type: 'string', format: 'peer-multiaddr' }, maxItems: 256 },
  mdns: { type: 'boolean' },
  // same rule as @kiez/mesh: the name becomes part of protocol ids and mDNS service tags
  mesh: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
  psk: { type: 'string', minLength: 1 },
  logLevel: { enum: LOG_LEVELS },
  storage: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxMb: { type: 'integer', minimum: 1, maximum: 16_777_216 },
      ingestPerHour: { type: 'integer', minimum: 0, maximum: 1_000_000 },
      ingestBurst: { type: 'integer', minimum: 1, maximum: 1_000_000 },
      authorShare: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      blobShare: { type: 'number', minimum: 0, exclusiveMaximum: 1 }
    }
  },
  people: {
    type: 'object',
    additionalProperties: false,
    properties: {
      vouch: { type: 'boolean' }
    }
  }
} as const

const INPUT_SCHEMA = { type: 'object', properties: PROPERTIES, additionalProperties: false }

function isMultiaddr (s: string): boolean {
  try {
    multiaddr(s)
    return s.startsWith('/')
  } catch {
    return false
  }
}

/** A dialable peer: the address must end in /p2p/<peer id>, or we could not tell who answered. */
function isPeerMultiaddr (s: string): boolean {
  if (!isMultiaddr(s)) return false
  return multiaddr(s).getComponents().some((c) => c.name === 'p2p')
}

/** HOST:PORT with an IPv4 address, a hostname or a [bracketed] IPv6 address. */
function isHostPort (s: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s)
  return m !== null && Number(m[2]) <= 65535
}

function compileValidator (): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true })
  ajv.addFormat('multiaddr', isMultiaddr)
  ajv.addFormat('host-port', isHostPort)
  ajv.addFormat('peer-multiaddr', isPeerMultiaddr)
  return ajv.compile(INPUT_SCHEMA)
}

/** One source of settings, for error messages: `flag`, `env` or the config file's path. */
export type ConfigSourceKind = 'flag' | 'env' | 'file'

const ENV_NAMES: Record<keyof typeof PROPERTIES, string> = {
  http: 'KIEZ_HTTP',
  httpAllowedHosts: 'KIEZ_HTTP_ALLOWED_HOSTS',
  listen: 'KIEZ_LISTEN',
  bootstrap: 'KIEZ_BOOTSTRAP',
  mdns: 'KIEZ_MDNS',
  mesh: 'KIEZ_MESH',
  psk: 'KIEZ_PSK',
  logLevel: 'KIEZ_LOG_LEVEL',
  storage: 'KIEZ_MAX_STORE_MB',
  people: 'KIEZ_VOUCH'
}

/** The storage settings an environment variable can set (the rest only the config file). */
const STORAGE_ENV_NAMES: Record<string, string> = {
  maxMb: 'KIEZ_MAX_STORE_MB',
  ingestPerHour: 'KIEZ_INGEST_PER_HOUR'
}

const FLAG_NAMES: Record<keyof typeof PROPERTIES, string> = {
  http: '--http',
  httpAllowedHosts: '--http-allow-host',
  listen: '--listen',
  bootstrap: '--bootstrap',
  mdns: '--no-mdns',
  mesh: '--mesh',
  psk: '--psk',
  logLevel: '--log-level',
  storage: '--max-store-mb',
  people: 'people'
}

function describeErrors (errors: ErrorObject[], source: ConfigSourceKind, file: string | undefined): string[] {
  // `http` is HOST:PORT or false: its format error says it all, the anyOf/const noise does not
  return errors.filter((e) => !(e.instancePath === '/http' && (e.keyword === 'anyOf' || e.keyword === 'const'))).map(
    (e) => {
      const key = e.instancePath.split('/')[1] as keyof typeof PROPERTIES | undefined
      if (e.keyword === 'additionalProperties') {
        const extra = String((e.params as { additionalProperty: string }).additionalProperty)
        const known = key === 'storage' || key === 'people'
          ? Object.keys(PROPERTIES[key].properties)
          : Object.keys(PROPERTIES)
        const name = key === 'storage' || key === 'people' ? `${key}.${extra}` : extra
        return `${file ?? 'config file'}: unknown setting "${name}" (known: ${known.join(', ')})`
      }
      const where = key === undefined
        ? (file ?? source)
        : source === 'flag'
        ? FLAG_NAMES[key]
        : source === 'env'
        ? (key === 'storage' ? STORAGE_ENV_NAMES[e.instancePath.split('/')[2] ?? ''] : undefined) ?? ENV_NAMES[key]
        : `${file ?? 'config file'} "${e.instancePath.slice(1).replaceAll('/', '.')}"`
      let what = e.message ?? 'is invalid'
      if (e.keyword === 'format' && e.params.format === 'multiaddr') {
        what = 'must be a multiaddr such as /ip4/198.18.0.1/tcp/7301'
      } else if (e.keyword === 'format' && e.params.format === 'peer-multiaddr') {
        what = 'must be a multiaddr ending in /p2p/<peer id>, such as /ip4/198.18.0.2/tcp/7301/p2p/12D3KooW…'
      } else if (e.keyword === 'format' && e.params.format === 'host-port') {
        what = 'must be HOST:PORT, such as 0.0.0.0:7300'
      } else if (e.keyword === 'pattern' && key === 'mesh') {
        what = 'must be 1-32 lowercase letters, digits or "-", starting with a letter or digit'
      } else if (e.keyword === 'enum') what = `must be one of ${LOG_LEVELS.join(', ')}`
      const value = valueAt(e.data)
      return `${where}${value}: ${what}`
    }
  )
}

function valueAt (data: unknown): string {
  if (typeof data === 'string') return ` "${data.length > 80 ? data.slice(0, 80) + '…' : data}"`
  if (typeof data === 'number' || typeof data === 'boolean') return ` (${String(data)})`
  return ''
}

function parseBool (s: string): boolean | string {
  const v = s.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  return s // left as a string so the schema names the mistake
}

function parseList (s: string): string[] {
  return s.split(/[\s,]+/).filter((x) => x !== '')
}

/** Settings from KIEZ_* environment variables (lists are comma or space separated). */
export function configFromEnv (env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const get = (k: string): string | undefined => (env[k] !== undefined && env[k] !== '' ? env[k] : undefined)
  const http = get('KIEZ_HTTP')
  if (http !== undefined) out.http = ['off', 'false', 'no', '0'].includes(http.trim().toLowerCase()) ? false : http
  const hosts = get('KIEZ_HTTP_ALLOWED_HOSTS')
  if (hosts !== undefined) out.httpAllowedHosts = parseList(hosts)
  const listen = get('KIEZ_LISTEN')
  if (listen !== undefined) out.listen = parseList(listen)
  const bootstrap = get('KIEZ_BOOTSTRAP')
  if (bootstrap !== undefined) out.bootstrap = parseList(bootstrap)
  const mdns = get('KIEZ_MDNS')
  if (mdns !== undefined) out.mdns = parseBool(mdns)
  const mesh = get('KIEZ_MESH')
  if (mesh !== undefined) out.mesh = mesh
  const psk = get('KIEZ_PSK')
  if (psk !== undefined) out.psk = psk
  const level = get('KIEZ_LOG_LEVEL')
  if (level !== undefined) out.logLevel = level
  // left as strings when not numbers, so the schema names the mistake
  const storage: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(STORAGE_ENV_NAMES)) {
    const v = get(name)
    if (v !== undefined) storage[key] = /^\d+$/.test(v.trim()) ? Number(v) : v
  }
  if (Object.keys(storage).length > 0) out.storage = storage
  const vouch = get('KIEZ_VOUCH')
  if (vouch !== undefined) out.people = { vouch: parseBool(vouch) }
  return out
}

export interface LoadConfigInit {
  /**
   * Settings given as command-line flags; only the ones the user actually typed. `config` names the config file.
   *
   * @default {} (no flags)
   */
  flags?: ConfigInput & { dataDir?: string, config?: string, freshFeedOk?: boolean, maxStoreMb?: number }
  /**
   * Environment to read KIEZ_* settings (and KIEZ_CONFIG, KIEZ_DATA_DIR, XDG_DATA_HOME, HOME) from.
   *
   * @default process.env
   */
  env?: NodeJS.ProcessEnv
}

/**
 * Builds the running config: defaults < file < env < flags. Lists from a
 * higher source replace (not extend) lower ones, so a flag can clear a file's
 * bootstrap list. Every problem of every source is reported in one error.
 */
export async function loadConfig (init: LoadConfigInit = {}): Promise<KiezConfig> {
  const env = init.env ?? process.env
  const flags = { ...init.flags }
  const dataDir = resolveDataDir(flags.dataDir, env)
  const explicitFile = flags.config ?? (env.KIEZ_CONFIG !== '' ? env.KIEZ_CONFIG : undefined)
  const freshFeedOk = flags.freshFeedOk === true
  delete flags.dataDir
  delete flags.config
  delete flags.freshFeedOk
  if (flags.maxStoreMb !== undefined) flags.storage = { ...flags.storage, maxMb: flags.maxStoreMb }
  delete flags.maxStoreMb
  const problems: string[] = []

  let fromFile: Record<string, unknown> = {}
  const file = explicitFile ?? join(dataDir, DATA_DIR_FILES.config)
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // The default file is optional; one the user named must exist. ENOTDIR: the data dir
    // itself is broken, which prepareDataDir reports as such (a failure, not a usage error).
    if (explicitFile !== undefined || (code !== 'ENOENT' && code !== 'ENOTDIR')) {
      problems.push(`${file}: cannot read the config file (${code ?? (err as Error).message})`)
    }
  }
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        problems.push(`${file}: must hold a JSON object`)
      } else fromFile = parsed as Record<string, unknown>
    } catch (err) {
      problems.push(`${file}: not valid JSON (${(err as Error).message})`)
    }
  }

  const fromEnv = configFromEnv(env)
  const validate = compileValidator()
  const check = (value: Record<string, unknown>, source: ConfigSourceKind): void => {
    if (!validate(value) && validate.errors != null) {
      problems.push(...describeErrors(validate.errors, source, source === 'file' ? file : undefined))
    }
  }
  check(fromFile, 'file')
  check(fromEnv, 'env')
  check(flags as Record<string, unknown>, 'flag')
  if (problems.length > 0) {
    throw new DaemonError('invalid_config', `invalid configuration: ${problems.join('; ')}`)
  }
  const defined = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
  const config = {
    ...DEFAULT_CONFIG,
    ...defined(fromFile),
    ...defined(fromEnv),
    ...defined(flags),
    dataDir
  } as KiezConfig
  // storage is one object of separate settings: merged key by key, so --max-store-mb keeps the file's ingestPerHour
  const storage = [fromFile, fromEnv, flags as Record<string, unknown>].map((o) => o.storage).filter((o) =>
    o !== undefined
  ) as StorageConfig[]
  if (storage.length > 0) config.storage = Object.assign({}, ...storage) as StorageConfig
  const people = [fromFile, fromEnv].map((o) => o.people).filter((o) => o !== undefined) as PeopleConfig[]
  if (people.length > 0) config.people = Object.assign({}, ...people) as PeopleConfig
  if (freshFeedOk) config.freshFeedOk = true
  return config
}

/** Splits HOST:PORT (the schema has checked it). */
export function parseHostPort (s: string): { host: string, port: number } {
  const i = s.lastIndexOf(':')
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) }
}
