import {
  ControlClient,
  ControlClientError,
  controlSocketPath,
  resolveDataDir,
  type DhtFindJson,
  type DhtTableJson,
  type EntryJson,
  type FeedJson,
  type BrowserSessionsJson,
  type PairJson,
  type PingJson,
  type PingRequest,
  type PostRequest,
  type ProfileRequest,
  type RevokeJson,
  type StatusJson,
  type SyncJson,
  type TopologyJson,
  type WhyJson,
  type DoctorFactsJson
} from '@kiez/daemon/control'
import { qrText } from './qr.js'
import { pingReport, syncReport } from './sync-report.js'
import { topologyDot, topologyText, type TopologyFormat } from './topology.js'
import { healthChecks, judge, localFacts, type Check, type DoctorJson } from './doctor.js'
import { CliError, EXIT } from './errors.js'
import { ago, duration, keyValues, safeText, shortId, table, truncate } from './format.js'
import { lifeLine } from './life.js'
import { checkImages, uploadImages, type ImageOptions } from './images.js'

export interface Io {
  out(text: string): void
  err(text: string): void
  env: NodeJS.ProcessEnv
  now(): number
  /** all of stdin as text, refused past `maxBytes` (`kiez member import`); absent: nothing to read */
  readStdin?(maxBytes: number): Promise<string>
  /** a yes/no question to the person at the terminal; absent when there is no terminal to ask */
  confirm?(question: string): Promise<boolean>
}

export interface ClientOptions {
  dataDir?: string
  json?: boolean
}

/** Finds the daemon's socket the same way the daemon chose it (flag, KIEZ_DATA_DIR, XDG, ~/.local/share). */
export function clientFor (opts: ClientOptions, io: Io): { client: ControlClient, dataDir: string } {
  const dataDir = resolveDataDir(opts.dataDir, io.env)
  return { client: new ControlClient({ socketPath: controlSocketPath(dataDir) }), dataDir }
}

/** Turns a control-call failure into the one line and exit status the user sees. */
export function explain (err: unknown, dataDir: string): CliError {
  if (err instanceof ControlClientError) {
    if (err.code === 'daemon_unreachable') {
      return new CliError(
        err.code,
        `no daemon is running for data dir ${dataDir}: start one with \`kiez daemon --data-dir ${dataDir}\` (${err.message})`,
        EXIT.unreachable
      )
    }
    return new CliError(err.code, `the daemon refused: ${err.message} (${err.code})`, EXIT.failure)
  }
  return new CliError('internal', err instanceof Error ? err.message : String(err), EXIT.failure)
}

export async function call<T> (opts: ClientOptions, io: Io, fn: (c: ControlClient) => Promise<T>): Promise<T> {
  const { client, dataDir } = clientFor(opts, io)
  try {
    return await fn(client)
  } catch (err) {
    throw explain(err, dataDir)
  }
}

export function json (io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n')
}

function refusals (store: StatusJson['store']): string {
  const codes = Object.entries(store.rejected).filter(([, n]) => n > 0).map(([code, n]) => `${code} ${n}`)
  const total = codes.length === 0 ? 'none' : codes.join(', ')
  return store.forks > 0 ? `${total}; ${store.forks} forked authors` : total
}

/** "12.3 of 64.0 MiB; 120 payloads evicted, 0 entries forgotten" */
function storageLine (st: NonNullable<StatusJson['storage']>): string {
  const mib = (n: number): string => (n / 1024 / 1024).toFixed(1)
  const full = st.full ? ' (full: far entries deferred)' : ''
  return `${mib(st.usedBytes)} of ${
    mib(st.maxBytes)
  } MiB${full}; ${st.payloadsEvicted} payloads evicted, ${st.headersTruncated} entries forgotten, ${st.deferred} deferred`
}

/** "3 (2.1 of 32.0 MiB); fetched 1, served 4, refused 0" */
function blobsLine (b: NonNullable<StatusJson['blobs']>): string {
  const mib = (n: number): string => (n / 1024 / 1024).toFixed(1)
  return `${b.count} (${mib(b.bytes)} of ${
    mib(b.maxBytes)
  } MiB); fetched ${b.fetched}, served ${b.served}, refused ${b.refused}`
}

export async function statusCommand (opts: ClientOptions, io: Io): Promise<void> {
  // the health lines need the doctor's facts; a daemon without /doctor still gets its status shown
  const [s, facts] = await call(
    opts,
    io,
    async (c) => await Promise.all([c.status(), c.doctor().catch(() => undefined)])
  )
  const health: Array<Pick<Check, 'name' | 'status' | 'detail'>> = facts === undefined
    ? []
    : healthChecks(facts).map((c) => ({ name: c.name, status: c.status, detail: c.detail }))
  if (opts.json === true) {
    json(io, { ...s, health })
    return
  }
  io.out(
    keyValues([
      ['peer id', s.peerId],
      ['mesh', s.mesh],
      ['version', s.version],
      ['uptime', duration(s.uptimeMs)],
      ['peers', `${s.counts.peers} connected`],
      ['feed', `${s.counts.entries} entries by ${s.counts.authors} authors`],
      ['refused', refusals(s.store)],
      ...(s.storage !== undefined ? [['storage', storageLine(s.storage)] as [string, string]] : []),
      ...(s.blobs !== undefined ? [['images', blobsLine(s.blobs)] as [string, string]] : []),
      ['listening', s.listenAddrs],
      [
        'http',
        s.http.url !== undefined
          ? `${s.http.url} (on ${s.http.address})`
          : s.http.serving
          ? s.http.address
          : `${s.http.address} (not served)`
      ],
      ['data dir', s.dataDir],
      [
        'health',
        health.length === 0 ? (facts === undefined ? 'unknown' : 'ok') : health.map((h) => `${h.status}: ${h.detail}`)
      ]
    ]) + '\n'
  )
}

export async function peersCommand (opts: ClientOptions & { verbose?: boolean }, io: Io): Promise<void> {
  const [p, sync] = await call(
    opts,
    io,
    async (c) => await Promise.all([c.peers(), opts.verbose === true ? c.sync() : Promise.resolve(undefined)])
  )
  const syncOf = new Map((sync?.peers ?? []).map((x) => [x.peerId, x]))
  if (opts.json === true) {
    if (opts.verbose !== true) {
      json(io, p)
      return
    }
    json(io, {
      peers: p.peers.map((x) => {
        const s = syncOf.get(x.peerId)
        return s === undefined
          ? x
          : {
            ...x,
            sync: {
              weLack: s.weLack,
              theyLack: s.theyLack,
              syncing: s.syncing,
              ...(s.headsAgeMs !== undefined ? { headsAgeMs: s.headsAgeMs } : {})
            }
          }
      })
    })
    return
  }
  if (p.peers.length === 0) {
    io.out('no peers known yet: neighbours appear once mDNS, the DHT or a --bootstrap address finds them\n')
    return
  }
  const rows = p.peers.map((x) => {
    const row = [
      x.peerId,
      x.connected ? 'connected' : 'known',
      x.direction ?? '-',
      x.source ?? '-',
      x.latencyMs !== undefined ? `${x.latencyMs < 10 ? x.latencyMs.toFixed(1) : Math.round(x.latencyMs)}ms` : '-',
      x.connected ? 'now' : x.lastSeenMs !== undefined ? ago(x.lastSeenMs) : '-'
    ]
    if (opts.verbose === true) {
      const s = syncOf.get(x.peerId)
      row.push(
        safeText(x.agentVersion ?? '-'),
        s === undefined ? '-' : String(s.weLack),
        s === undefined ? '-' : String(s.theyLack)
      )
    }
    row.push(x.remoteAddr ?? x.addrs[0] ?? '-')
    return row
  })
  const header = [
    'peer id',
    'state',
    'direction',
    'found by',
    'latency',
    'last seen',
    ...(opts.verbose === true ? ['agent', 'we lack', 'they lack'] : []),
    'address'
  ]
  io.out(table(header, rows) + '\n')
}

/** `--as NAME` of every writing command: the member who signs (absent: the one member, or the box). */
export type AsOptions = { as?: string }

export async function postCommand (
  text: string,
  opts: ClientOptions & AsOptions & ImageOptions & { replyTo?: string },
  io: Io
): Promise<void> {
  // with images the text may be empty ("" on the command line)
  const req: PostRequest = (opts.image ?? []).length > 0 && text === '' ? {} : { text }
  if (opts.replyTo !== undefined) req.replyTo = opts.replyTo
  if (opts.as !== undefined) req.as = opts.as
  const images = (opts.image ?? []).length > 0 || (opts.thumb ?? []).length > 0 ? await checkImages(opts) : undefined
  const e: EntryJson = await call(opts, io, async (c) => {
    if (images !== undefined) req.images = await uploadImages(images, c)
    return await c.post(req)
  })
  if (opts.json === true) {
    json(io, e)
    return
  }
  io.out(`posted ${e.id} (seq ${e.seq})\n`)
}

/** Refusals of `kiez delete` / `kiez edit` whose message says it all: shown without "the daemon refused". */
const AMEND_REFUSALS = new Set([
  'bad_entry_id',
  'entry_not_found',
  'not_author',
  'not_deletable',
  'not_editable',
  'deleted'
])

async function amend (
  verb: 'delete' | 'edit',
  id: string,
  opts: ClientOptions,
  io: Io,
  fn: (c: ControlClient) => Promise<EntryJson>
): Promise<EntryJson> {
  const { client, dataDir } = clientFor(opts, io)
  try {
    return await fn(client)
  } catch (err) {
    if (err instanceof ControlClientError && AMEND_REFUSALS.has(err.code)) {
      throw new CliError(err.code, `cannot ${verb} ${safeText(id)}: ${err.message}`, EXIT.failure)
    }
    throw explain(err, dataDir)
  }
}

/** `kiez delete ID`: signs a delete of one of this box's own entries; its text is gone from every box that applies it. */
export async function deleteCommand (id: string, opts: ClientOptions & AsOptions, io: Io): Promise<void> {
  const e = await amend('delete', id, opts, io, async (c) => await c.deleteEntry(id, opts.as))
  if (opts.json === true) {
    json(io, e)
    return
  }
  io.out(`deleted ${e.target ?? id} (delete entry ${e.id}, seq ${e.seq})\n`)
}

/** `kiez edit ID TEXT`: signs new text for one of this box's own posts or replies. */
export async function editCommand (id: string, text: string, opts: ClientOptions & AsOptions, io: Io): Promise<void> {
  const e = await amend('edit', id, opts, io, async (c) => await c.editEntry(id, text, opts.as))
  if (opts.json === true) {
    json(io, e)
    return
  }
  io.out(`edited ${e.target ?? id} (edit entry ${e.id}, seq ${e.seq})\n`)
}

/** `kiez profile NAME`: the box's display name (its household's name too), or with --as a member's name and about. */
export async function profileCommand (
  name: string,
  opts: ClientOptions & AsOptions & { about?: string, box?: boolean },
  io: Io
): Promise<void> {
  const req: ProfileRequest = { name }
  if (opts.about !== undefined) req.about = opts.about
  if (opts.as !== undefined) req.as = opts.as
  if (opts.box === true) req.box = true
  const e: EntryJson = await call(opts, io, async (c) => await c.profile(req))
  if (opts.json === true) {
    json(io, e)
    return
  }
  io.out(`published the profile "${safeText(e.name ?? name)}" of ${e.author} (${e.id}, seq ${e.seq})
`)
}

/** What a feed line shows of an entry: its text, with what became of it. */
function shownText (e: EntryJson): string {
  let text = safeText(e.text ?? (e.name !== undefined ? `(profile) ${e.name}` : ''))
  if (e.payloadMissing === true) text = '(text not held here)'
  if (e.edited === true) text = `(edited) ${text}`
  if (e.hidden !== undefined) text = `[hidden by ${shortId(e.hidden.by)}'s list: ${safeText(e.hidden.reason)}] ${text}`
  const line = lifeLine(e, text)
  const who = whoLabel(e)
  return who === undefined ? line : `${who}: ${line}`
}

/**
 * Who wrote it, as neighbours know them (PROTOCOL.md §2, "Claims"): "Anna · Hof 3" for a member, the
 * household's name for a box's own entries, "(unclaimed)" for an author no household claims.
 */
export function whoLabel (e: Pick<EntryJson, 'author' | 'authorName' | 'household' | 'unclaimed'>): string | undefined {
  const h = e.household
  if (h !== undefined) {
    const own = h.id === e.author
    const name = own ? safeText(h.name) : `${safeText(e.authorName ?? shortId(e.author))} · ${safeText(h.name)}`
    return h.oneSided === true ? `${name} (one-sided)` : name
  }
  if (e.unclaimed === true) return e.authorName !== undefined ? `${safeText(e.authorName)} (unclaimed)` : '(unclaimed)'
  return e.authorName !== undefined ? safeText(e.authorName) : undefined
}

function entryLine (e: EntryJson): string {
  const text = shownText(e)
  return `${new Date(e.timestamp).toISOString().replace('T', ' ').slice(0, 19)}  ${shortId(e.author).padEnd(15)}  ${
    String(e.seq).padEnd(5)
  }  ${text}`
}

/**
 * `kiez feed --follow`: the latest page oldest first, then every new entry as
 * it is stored, until Ctrl-C. Subscribes BEFORE reading the page, so nothing
 * stored in between is missed; ids seen in the page are not printed twice.
 * With --json, one entry object per line (a stream has no single document).
 */
async function followFeed (opts: ClientOptions & { limit?: number, kind?: string }, io: Io): Promise<void> {
  const { client, dataDir } = clientFor(opts, io)
  const print = (e: EntryJson): void => {
    // --kind: the kinds of post name themselves in `kind`; a plain post or reply has none
    if (opts.kind !== undefined && (e.kind ?? e.type) !== opts.kind) return
    io.out(opts.json === true ? JSON.stringify(e) + '\n' : entryLine(e) + '\n')
  }
  let pending: EntryJson[] | undefined = []
  let opened!: () => void
  const open = new Promise<void>((resolve) => {
    opened = resolve
  })
  const stream = client.follow((e) => {
    if (pending !== undefined) pending.push(e)
    else print(e)
  }, { onOpen: () => opened() })
  try {
    await Promise.race([open, stream])
    const page = await client.feed({
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      ...(opts.kind !== undefined ? { kind: opts.kind } : {})
    })
    const seen = new Set(page.entries.map((e) => e.id))
    if (opts.json !== true) io.out(`following the feed of ${dataDir} (Ctrl-C to stop)\n`)
    for (const e of [...page.entries].reverse()) print(e)
    for (const e of pending) if (!seen.has(e.id)) print(e)
    pending = undefined
    await stream
  } catch (err) {
    throw explain(err, dataDir)
  }
  throw new CliError(
    'daemon_stopped',
    `the daemon for data dir ${dataDir} stopped; no longer following its feed`,
    EXIT.unreachable
  )
}

export async function feedCommand (
  opts: ClientOptions & { limit?: number, before?: string, follow?: boolean, kind?: string },
  io: Io
): Promise<void> {
  if (opts.follow === true) {
    await followFeed(opts, io)
    return
  }
  const query: { limit?: number, before?: string, kind?: string } = {}
  if (opts.kind !== undefined) query.kind = opts.kind
  if (opts.limit !== undefined) query.limit = opts.limit
  if (opts.before !== undefined) query.before = opts.before
  const f: FeedJson = await call(opts, io, async (c) => await c.feed(query))
  if (opts.json === true) {
    json(io, f)
    return
  }
  if (f.entries.length === 0) {
    io.out('the feed is empty: write the first post with `kiez post TEXT`\n')
    return
  }
  const rows = f.entries.map((e) => [
    new Date(e.timestamp).toISOString().replace('T', ' ').slice(0, 19),
    shortId(e.author),
    String(e.seq),
    truncate(shownText(e), 72)
  ])
  io.out(table(['time (utc)', 'author', 'seq', 'text'], rows) + '\n')
  if (f.next !== undefined) io.out(`older: kiez feed --before ${f.next}\n`)
}

/** `kiez search`: what the feed shows, matching every word (the last also as a prefix), newest first. */
export async function searchCommand (
  words: string[],
  opts: ClientOptions & { limit?: number, kind?: string },
  io: Io
): Promise<void> {
  const q = words.join(' ')
  const query: { q: string, limit?: number, kind?: string } = { q }
  if (opts.kind !== undefined) query.kind = opts.kind
  if (opts.limit !== undefined) query.limit = opts.limit
  const f: FeedJson = await call(opts, io, async (c) => await c.search(query))
  if (opts.json === true) {
    json(io, f)
    return
  }
  if (f.entries.length === 0) {
    io.out(`nothing found for "${safeText(q)}"\n`)
    return
  }
  const rows = f.entries.map((e) => [
    new Date(e.timestamp).toISOString().replace('T', ' ').slice(0, 19),
    e.id,
    truncate(shownText(e), 60)
  ])
  io.out(table(['time (utc)', 'entry', 'text'], rows) + '\n')
}

/**
 * `kiez ping`: a line per round trip like ping(8). When no ping is answered
 * (or no route is found) the daemon refuses the call: one line naming that
 * answer, exit 1.
 */
export async function pingCommand (
  target: string,
  opts: ClientOptions & { count?: number, timeout?: number },
  io: Io
): Promise<void> {
  const req: PingRequest = { target }
  if (opts.count !== undefined) req.count = opts.count
  if (opts.timeout !== undefined) req.timeoutMs = opts.timeout * 1000
  const { client, dataDir } = clientFor(opts, io)
  let p: PingJson
  try {
    p = await client.ping(req)
  } catch (err) {
    if (err instanceof ControlClientError && (err.code === 'no_reply' || err.code === 'no_route')) {
      throw new CliError(
        err.code,
        `ping ${safeText(target)}: ${err.code === 'no_reply' ? 'no reply' : 'no route'}: ${err.message}`,
        EXIT.failure
      )
    }
    throw explain(err, dataDir)
  }
  if (opts.json === true) {
    json(io, p)
    return
  }
  io.out(pingReport(target, p) + '\n')
}

export async function dhtFindCommand (peerId: string, opts: ClientOptions, io: Io): Promise<void> {
  const f: DhtFindJson = await call(opts, io, async (c) => await c.dhtFind(peerId))
  if (opts.json === true) {
    json(io, f)
    return
  }
  const asked = f.path.map((h) =>
    `${h.atMs} ms  ${h.peerId}  ${
      h.error !== undefined ? `error: ${safeText(h.error)}` : `named ${h.closer ?? 0} closer`
    }${h.peerId === f.foundBy ? '  ← knew it' : ''}`
  )
  io.out(
    keyValues([
      ['peer id', f.peerId],
      ['found in', `${f.durationMs} ms`],
      ['named by', f.foundBy],
      ['addresses', f.addrs],
      ['path', asked.length > 0 ? asked : ['(no peer asked: this box knew the address)']]
    ]) + '\n'
  )
}

export async function dhtTableCommand (opts: ClientOptions, io: Io): Promise<void> {
  const t: DhtTableJson = await call(opts, io, async (c) => await c.dhtTable())
  if (opts.json === true) {
    json(io, t)
    return
  }
  if (t.peers.length === 0) {
    io.out('the DHT routing table is empty: no DHT neighbours yet\n')
    return
  }
  io.out(
    table(
      ['peer id', 'shared bits', 'connected'],
      t.peers.map((p) => [p.peerId, String(p.commonPrefixLength), p.connected ? 'yes' : 'no'])
    ) + '\n'
  )
}

export async function syncCommand (author: string | undefined, opts: ClientOptions, io: Io): Promise<void> {
  const s: SyncJson = await call(opts, io, async (c) => await c.sync(author !== undefined ? { author } : {}))
  if (opts.json === true) {
    json(io, s)
    return
  }
  io.out(syncReport(s) + '\n')
}

/**
 * `kiez pair`: a one-time code for the web page, and the same as a QR code
 * (the page's URL with `#pair=CODE`, so a phone camera opens the page ready to pair).
 */
export async function pairCommand (
  opts: ClientOptions & { revokeAll?: boolean, member?: string, list?: boolean, revoke?: string },
  io: Io
): Promise<void> {
  if (opts.list === true) {
    const r: BrowserSessionsJson = await call(opts, io, async (c) => await c.browserSessions())
    if (opts.json === true) {
      json(io, r)
      return
    }
    if (r.sessions.length === 0) {
      io.out('no paired browsers: `kiez pair --member NAME` pairs one\n')
      return
    }
    const now = Date.now()
    io.out(
      table(
        ['id', 'member', 'paired', 'last seen'],
        r.sessions.map((s) => [
          s.id,
          safeText(
            s.member === undefined
              ? (s.members.length > 0 ? s.members.join(', ') : '(the box)')
              : [s.member, ...s.members.filter((m) => m !== s.member)].join(', ')
          ),
          ago(now - s.createdAt),
          ago(now - s.lastSeenAt)
        ])
      ) + '\n'
    )
    return
  }
  if (opts.revoke !== undefined) {
    const id = opts.revoke
    const r: RevokeJson = await call(opts, io, async (c) => await c.revokeSession(id))
    if (opts.json === true) {
      json(io, r)
      return
    }
    io.out(`logged out browser ${safeText(id)}: it must pair again\n`)
    return
  }
  if (opts.revokeAll === true) {
    const r: RevokeJson = await call(opts, io, async (c) => await c.revokeSessions())
    if (opts.json === true) {
      json(io, r)
      return
    }
    io.out(`revoked ${r.revoked} browser session${r.revoked === 1 ? '' : 's'}: every browser must pair again\n`)
    return
  }
  const p: PairJson = await call(
    opts,
    io,
    async (c) => await c.pair(opts.member !== undefined ? { member: opts.member } : {})
  )
  if (opts.json === true) {
    json(io, p)
    return
  }
  const minutes = Math.round(p.expiresInMs / 60_000)
  const link = p.url !== undefined ? `${p.url}#pair=${p.code}` : undefined
  const shown = `${p.code.slice(0, 4)}-${p.code.slice(4)}`
  io.out(
    `pairing code: ${shown}${
      p.member !== undefined ? ` (the browser posts as ${safeText(p.member)})` : ''
    }\n(valid ${minutes} minutes, once; enter it on the web page${p.url !== undefined ? ` at ${p.url}` : ''})\n\n`
  )
  io.out(await qrText(link ?? p.code) + '\n')
}

export async function topologyCommand (opts: ClientOptions & { format?: TopologyFormat }, io: Io): Promise<void> {
  const t: TopologyJson = await call(opts, io, async (c) => await c.topology())
  const format = opts.json === true ? 'json' : opts.format ?? 'text'
  if (format === 'json') {
    json(io, t)
    return
  }
  io.out((format === 'dot' ? topologyDot(t) : topologyText(t)) + '\n')
}

export async function whyCommand (
  id: string,
  opts: ClientOptions & { author?: string, seq?: number },
  io: Io
): Promise<void> {
  const hint: { author?: string, seq?: number } = {}
  if (opts.author !== undefined) hint.author = opts.author
  if (opts.seq !== undefined) hint.seq = opts.seq
  const w: WhyJson = await call(opts, io, async (c) => await c.why(id, hint))
  if (opts.json === true) {
    json(io, w)
    return
  }
  const pairs: Array<[string, string | string[]]> = [['entry', w.id], ['verdict', w.verdict.replace('_', ' ')], [
    'why',
    safeText(w.reason)
  ]]
  if (w.author !== undefined) pairs.push(['author', w.author])
  if (w.seq !== undefined) pairs.push(['seq', String(w.seq)])
  if (w.ourSeq !== undefined && w.verdict !== 'here') pairs.push(['we hold up to', `seq ${w.ourSeq}`])
  if (w.forkedAt !== undefined) pairs.push(['forked at', `seq ${w.forkedAt}`])
  if (w.entry !== undefined) pairs.push(['text', truncate(safeText(w.entry.text ?? w.entry.name ?? ''), 72)])
  io.out(keyValues(pairs) + '\n')
  if (w.rejections !== undefined && w.rejections.length > 0) {
    io.out(
      '\n' +
        table(['from peer', 'code', 'via', 'when'], w.rejections.map((r) => [r.peerId, r.code, r.via, ago(r.agoMs)])) +
        '\n'
    )
  }
  if (w.holders !== undefined && w.holders.length > 0) {
    io.out('\n' + table(['neighbour', 'has up to seq'], w.holders.map((h) => [h.peerId, String(h.theirSeq)])) + '\n')
  }
}

/**
 * `kiez doctor`: every check a line with ok/warn/fail and what to do. Runs
 * its local checks even when no daemon answers (then exit 69, report printed);
 * exit 1 when any check fails.
 */
export async function doctorCommand (opts: ClientOptions, io: Io): Promise<void> {
  const { client, dataDir } = clientFor(opts, io)
  let facts: DoctorFactsJson | undefined
  try {
    facts = await client.doctor()
  } catch (err) {
    const e = explain(err, dataDir)
    if (e.exitCode !== EXIT.unreachable) throw e
  }
  const checks = judge(await localFacts(dataDir, facts === undefined), facts, dataDir)
  const report: DoctorJson = { ok: !checks.some((c) => c.status === 'fail'), daemon: facts !== undefined, checks }
  if (opts.json === true) json(io, report)
  else {
    io.out(
      table(
        ['check', 'status', 'detail', 'what to do'],
        checks.map((c) => [c.name, c.status.toUpperCase(), c.detail, c.fix ?? ''])
      ) + '\n'
    )
  }
  if (facts === undefined) {
    throw new CliError(
      'daemon_unreachable',
      `no daemon is running for data dir ${dataDir}: start one with \`kiez daemon --data-dir ${dataDir}\``,
      EXIT.unreachable,
      true
    )
  }
  if (!report.ok) {
    throw new CliError(
      'checks_failed',
      `${checks.filter((c) => c.status === 'fail').length} check(s) failed`,
      EXIT.failure,
      true
    )
  }
}
