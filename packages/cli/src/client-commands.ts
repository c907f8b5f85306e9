import { ControlClient, ControlClientError, controlSocketPath, resolveDataDir, type EntryJson, type FeedJson, type PeersJson, type StatusJson } from '@kiez/daemon/control'
import { CliError, EXIT } from './errors.js'
import { ago, duration, keyValues, safeText, shortId, table, truncate } from './format.js'

export interface Io {
  out(text: string): void
  err(text: string): void
  env: NodeJS.ProcessEnv
  now(): number
}

export interface ClientOptions { dataDir?: string, json?: boolean }

/** Finds the daemon's socket the same way the daemon chose it (flag, KIEZ_DATA_DIR, XDG, ~/.local/share). */
export function clientFor (opts: ClientOptions, io: Io): { client: ControlClient, dataDir: string } {
  const dataDir = resolveDataDir(opts.dataDir, io.env)
  return { client: new ControlClient({ socketPath: controlSocketPath(dataDir) }), dataDir }
}

/** Turns a control-call failure into the one line and exit status the user sees. */
export function explain (err: unknown, dataDir: string): CliError {
  if (err instanceof ControlClientError) {
    if (err.code === 'daemon_unreachable') {
      return new CliError(err.code, `no daemon is running for data dir ${dataDir}: start one with \`kiez daemon --data-dir ${dataDir}\` (${err.message})`, EXIT.unreachable)
    }
    return new CliError(err.code, `the daemon refused: ${err.message} (${err.code})`, EXIT.failure)
  }
  return new CliError('internal', err instanceof Error ? err.message : String(err), EXIT.failure)
}

async function call<T> (opts: ClientOptions, io: Io, fn: (c: ControlClient) => Promise<T>): Promise<T> {
  const { client, dataDir } = clientFor(opts, io)
  try {
    return await fn(client)
  } catch (err) {
    throw explain(err, dataDir)
  }
}

function json (io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n')
}

export async function statusCommand (opts: ClientOptions, io: Io): Promise<void> {
  const s: StatusJson = await call(opts, io, async (c) => await c.status())
  if (opts.json === true) { json(io, s); return }
  io.out(keyValues([
    ['peer id', s.peerId],
    ['mesh', s.mesh],
    ['version', s.version],
    ['uptime', duration(s.uptimeMs)],
    ['peers', `${s.counts.peers} connected`],
    ['feed', `${s.counts.entries} entries by ${s.counts.authors} authors`],
    ['listening', s.listenAddrs],
    ['http', `${s.http.address}${s.http.serving ? '' : ' (not served yet)'}`],
    ['data dir', s.dataDir]
  ]) + '\n')
}

export async function peersCommand (opts: ClientOptions, io: Io): Promise<void> {
  const p: PeersJson = await call(opts, io, async (c) => await c.peers())
  if (opts.json === true) { json(io, p); return }
  if (p.peers.length === 0) { io.out('no peers known yet: neighbours appear once mDNS, the DHT or a --bootstrap address finds them\n'); return }
  const rows = p.peers.map((x) => [
    x.peerId,
    x.connected ? 'connected' : 'known',
    x.direction ?? '-',
    x.source ?? '-',
    x.latencyMs !== undefined ? `${x.latencyMs < 10 ? x.latencyMs.toFixed(1) : Math.round(x.latencyMs)}ms` : '-',
    x.connected ? 'now' : x.lastSeenMs !== undefined ? ago(x.lastSeenMs) : '-',
    x.addrs[0] ?? '-'
  ])
  io.out(table(['peer id', 'state', 'direction', 'found by', 'latency', 'last seen', 'address'], rows) + '\n')
}

export async function postCommand (text: string, opts: ClientOptions & { replyTo?: string }, io: Io): Promise<void> {
  const e: EntryJson = await call(opts, io, async (c) => await c.post(opts.replyTo !== undefined ? { text, replyTo: opts.replyTo } : { text }))
  if (opts.json === true) { json(io, e); return }
  io.out(`posted ${e.id} (seq ${e.seq})\n`)
}

export async function feedCommand (opts: ClientOptions & { limit?: number, before?: string }, io: Io): Promise<void> {
  const query: { limit?: number, before?: string } = {}
  if (opts.limit !== undefined) query.limit = opts.limit
  if (opts.before !== undefined) query.before = opts.before
  const f: FeedJson = await call(opts, io, async (c) => await c.feed(query))
  if (opts.json === true) { json(io, f); return }
  if (f.entries.length === 0) { io.out('the feed is empty: write the first post with `kiez post TEXT`\n'); return }
  const rows = f.entries.map((e) => [
    new Date(e.timestamp).toISOString().replace('T', ' ').slice(0, 19),
    shortId(e.author),
    String(e.seq),
    truncate(safeText(e.text ?? (e.name !== undefined ? `(profile) ${e.name}` : '')), 72)
  ])
  io.out(table(['time (utc)', 'author', 'seq', 'text'], rows) + '\n')
  if (f.next !== undefined) io.out(`older: kiez feed --before ${f.next}\n`)
}
