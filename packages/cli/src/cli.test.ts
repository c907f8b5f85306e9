import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ControlClient,
  controlSocketPath,
  type EntryJson,
  type FeedJson,
  type PeersJson,
  type StatusJson,
  type SyncJson
} from '@kiez/daemon/control'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { Ajv } from 'ajv'
import { eventually } from '@kiez/testing'
import { BIN, cleanEnv, DaemonProcess, kiez, killAll, NODE, ROOT } from './testing/daemons.js'

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiez-cli-'))
})
afterEach(() => {
  killAll()
})
afterAll(async () => {
  killAll()
  await rm(tmp, { recursive: true, force: true })
})

let n = 0
const freshDir = (): string => join(tmp, `box${++n}`)
// Real daemons on a shared 2-core box: allow more than the root's 30 s per test.
vi.setConfig({ testTimeout: 90_000 })

/** A one-line message on stderr, no stack trace. */
function expectOneLine (stderr: string): void {
  expect(stderr.trim()).not.toBe('')
  expect(stderr.trim().split('\n')).toHaveLength(1)
  expect(stderr).not.toMatch(/\n\s+at /)
}

describe('kiez against a running daemon', () => {
  it('status --json has the peer id; post then feed --json shows the post', async () => {
    const dir = freshDir()
    const d = await DaemonProcess.start(dir)
    const st = await kiez(['status', '--json', '--data-dir', dir])
    expect(st.code).toBe(0)
    const status = JSON.parse(st.stdout) as StatusJson
    expect(status.peerId).toBe(d.peerId)
    expect(status.mesh).toBe('kiez')
    expect(status.counts).toEqual({ peers: 0, authors: 0, entries: 0 })
    expect(status.storage).toMatchObject({ payloadsEvicted: 0, headersTruncated: 0, deferred: 0, full: false })
    expect(status.storage?.maxBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024)
    const text = await kiez(['status', '--data-dir', dir])
    expect(text.stdout).toMatch(
      /^storage +\d+\.\d of \d+\.\d MiB; 0 payloads evicted, 0 entries forgotten, 0 deferred$/m
    )

    const posted = await kiez(['post', '--json', '--data-dir', dir, 'Hoffest am Samstag'])
    expect(posted.code).toBe(0)
    const entry = JSON.parse(posted.stdout) as EntryJson
    expect(entry).toMatchObject({ author: d.peerId, seq: 1, type: 'post', text: 'Hoffest am Samstag' })

    const feed = await kiez(['feed', '--json', '--limit', '5', '--data-dir', dir])
    expect(feed.code).toBe(0)
    expect((JSON.parse(feed.stdout) as FeedJson).entries.map((e) => [e.id, e.text])).toEqual([[
      entry.id,
      'Hoffest am Samstag'
    ]])

    // human forms: aligned and readable, the post's text in the table
    const human = await kiez(['feed', '--data-dir', dir])
    expect(human.stdout).toMatch(/^TIME \(UTC\)\s+AUTHOR\s+SEQ\s+TEXT\n/)
    expect(human.stdout).toContain('Hoffest am Samstag')
    const hs = await kiez(['status', '--data-dir', dir])
    expect(hs.stdout).toMatch(new RegExp(`^peer id\\s+${d.peerId}$`, 'm'))
    expect(hs.stdout).toMatch(/^feed\s+1 entries by 1 authors$/m)

    // a post over 8 KiB is the daemon's to refuse: exit 1, one line with the code
    const big = await kiez(['post', '--data-dir', dir, 'x'.repeat(8200)])
    expect(big.code).toBe(1)
    expectOneLine(big.stderr)
    expect(big.stderr).toContain('content_too_large')
  })

  it('delete and edit: own posts change, the feed follows; clear one-line refusals', async () => {
    const dir = freshDir()
    await DaemonProcess.start(dir)
    const schema = new Ajv({ strict: true }).compile(
      JSON.parse(await readFile(join(ROOT, 'packages/cli/schemas/entry.json'), 'utf8')) as object
    )
    const post = async (text: string): Promise<EntryJson> =>
      JSON.parse((await kiez(['post', '--json', '--data-dir', dir, text])).stdout) as EntryJson
    const feed = async (): Promise<EntryJson[]> =>
      (JSON.parse((await kiez(['feed', '--json', '--data-dir', dir])).stdout) as FeedJson).entries

    const p = await post('Flohmarkt Sunday 10:00')
    const edited = await kiez(['edit', '--json', '--data-dir', dir, p.id, 'Flohmarkt Sunday 11:00'])
    expect(edited.code, edited.stderr).toBe(0)
    const edit = JSON.parse(edited.stdout) as EntryJson
    expect(schema(edit), JSON.stringify(schema.errors)).toBe(true)
    expect(edit).toMatchObject({ type: 'edit', target: p.id, text: 'Flohmarkt Sunday 11:00', seq: 2, previous: p.id })
    expect((await feed()).map((e) => [e.id, e.text, e.edited])).toEqual([[p.id, 'Flohmarkt Sunday 11:00', true]])
    const human = await kiez(['edit', '--data-dir', dir, p.id, 'Flohmarkt cancelled'])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(new RegExp(`^edited ${p.id} \\(edit entry bafyrei[a-z2-7]+, seq 3\\)\n$`))

    const deleted = await kiez(['delete', '--json', '--data-dir', dir, p.id])
    expect(deleted.code, deleted.stderr).toBe(0)
    const del = JSON.parse(deleted.stdout) as EntryJson
    expect(schema(del), JSON.stringify(schema.errors)).toBe(true)
    expect(del).toMatchObject({ type: 'delete', target: p.id, seq: 4 })
    expect(del.text).toBeUndefined()
    expect(await feed()).toEqual([])
    const q = await post('short-lived')
    const humanDel = await kiez(['delete', '--data-dir', dir, q.id])
    expect(humanDel.stdout).toMatch(new RegExp(`^deleted ${q.id} \\(delete entry bafyrei[a-z2-7]+, seq 6\\)\n$`))

    // refusals: exit 1, one line that says what is wrong, and one error document with --json
    for (
      const [args, code, words] of [
        [['delete', p.id], 'deleted', 'deleted already'],
        [['edit', p.id, 'again'], 'deleted', 'was deleted'],
        [['delete', 'not-an-id'], 'bad_entry_id', 'not an entry id'],
        [['edit', 'not-an-id', 'x'], 'bad_entry_id', 'not an entry id'],
        [['delete', 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'], 'entry_not_found', 'no entry'],
        [['delete', del.id], 'not_deletable', 'cannot be deleted']
      ] as const
    ) {
      const r = await kiez([...args, '--data-dir', dir])
      expect(r.code, args.join(' ')).toBe(1)
      expectOneLine(r.stderr)
      expect(r.stderr).toContain(`kiez: cannot ${args[0]} ${args[1]}: `)
      expect(r.stderr).toContain(words)
      const j = await kiez([...args, '--json', '--data-dir', dir])
      expect(j.code).toBe(1)
      expect(JSON.parse(j.stdout)).toEqual({ error: { code, message: expect.stringContaining(words) } })
    }
    // nothing the refusals asked for was signed
    expect((JSON.parse((await kiez(['status', '--json', '--data-dir', dir])).stdout) as StatusJson).counts.entries)
      .toBe(6)
  })

  it('--json errors are one JSON document on stdout', async () => {
    const dir = freshDir()
    await DaemonProcess.start(dir)
    // Seen once on a loaded CI box: the first call after start got 69. The error path under test
    // is the daemon's refusal, so first make sure the daemon answers at all.
    await eventually(async () => (await kiez(['status', '--json', '--data-dir', dir])).code === 0 ? true : undefined, {
      what: 'the daemon to answer',
      timeoutMs: 15_000,
      intervalMs: 200
    })
    const r = await kiez(['feed', '--json', '--before', 'bogus', '--data-dir', dir])
    expect(r.stderr).not.toMatch(/no daemon|cannot reach|hung up/)
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'bad_cursor' } })
  })

  it('two bootstrapped daemons list each other in peers and a post on one reaches the other', async () => {
    const a = await DaemonProcess.start(freshDir())
    const addrA = a.listenAddrs[0] as string
    const b = await DaemonProcess.start(freshDir(), ['--bootstrap', addrA])
    const connectedTo = async (d: DaemonProcess, other: string): Promise<true | undefined> => {
      const r = await kiez(['peers', '--json', '--data-dir', d.dataDir])
      const p = (JSON.parse(r.stdout) as PeersJson).peers.find((x) => x.peerId === other)
      return p?.connected === true ? true : undefined
    }
    await eventually(async () => await connectedTo(b, a.peerId), {
      what: 'b to list a as connected',
      timeoutMs: 20_000,
      intervalMs: 200
    })
    await eventually(async () => await connectedTo(a, b.peerId), {
      what: 'a to list b as connected',
      timeoutMs: 20_000,
      intervalMs: 200
    })
    const bPeers = JSON.parse((await kiez(['peers', '--json', '--data-dir', b.dataDir])).stdout) as PeersJson
    expect(bPeers.peers.find((p) => p.peerId === a.peerId)).toMatchObject({
      source: 'bootstrap',
      direction: 'outbound'
    })
    const aPeers = JSON.parse((await kiez(['peers', '--json', '--data-dir', a.dataDir])).stdout) as PeersJson
    expect(aPeers.peers.find((p) => p.peerId === b.peerId)).toMatchObject({ source: 'inbound', direction: 'inbound' })
    expect((await kiez(['peers', '--data-dir', a.dataDir])).stdout).toMatch(
      new RegExp(`^${b.peerId}\\s+connected\\s+inbound\\s+inbound`, 'm')
    )

    const posted = JSON.parse(
      (await kiez(['post', '--json', '--data-dir', a.dataDir, 'Kiez ist online'])).stdout
    ) as EntryJson
    const seen = await eventually(async () => {
      const f = JSON.parse((await kiez(['feed', '--json', '--data-dir', b.dataDir])).stdout) as FeedJson
      return f.entries.find((e) => e.id === posted.id)
    }, { what: 'the post to reach b', timeoutMs: 20_000, intervalMs: 200 })
    expect(seen).toEqual(posted)
    // b holds a's post but did not write it: only its author can delete or edit it
    for (const args of [['delete', posted.id], ['edit', posted.id, 'hijacked']]) {
      const r = await kiez([...args, '--data-dir', b.dataDir])
      expect(r.code, args[0]).toBe(1)
      expectOneLine(r.stderr)
      expect(r.stderr).toContain(
        `kiez: cannot ${args[
          0
        ] as string} ${posted.id}: that entry was written by someone else; only its author can ${args[0] as string} it`
      )
      const j = await kiez([...args, '--json', '--data-dir', b.dataDir])
      expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'not_author' } })
    }

    // the diagnostics see the same neighbour
    const ping = await kiez(['ping', a.peerId, '-c', '2', '--json', '--data-dir', b.dataDir])
    expect(ping.code).toBe(0)
    expect(JSON.parse(ping.stdout)).toMatchObject({
      target: a.peerId,
      count: 2,
      lost: 0,
      rttsMs: [expect.any(Number), expect.any(Number)]
    })
    const table = JSON.parse((await kiez(['dht', 'table', '--json', '--data-dir', b.dataDir])).stdout) as {
      peers: Array<{ peerId: string }>
    }
    expect(table.peers.map((p) => p.peerId)).toContain(a.peerId)
    const sync = JSON.parse((await kiez(['sync', '--json', '--data-dir', b.dataDir])).stdout) as {
      available: boolean
      peers: Array<{ peerId: string }>
    }
    expect(sync.available).toBe(true)
    expect(sync.peers.map((p) => p.peerId)).toContain(a.peerId)
    // narrowed to one author: a's own feed, one row per neighbour
    const one = await kiez(['sync', a.peerId, '--json', '--data-dir', b.dataDir])
    expect(one.code).toBe(0)
    const narrowed = JSON.parse(one.stdout) as SyncJson
    expect(narrowed).toMatchObject({ author: a.peerId, ourSeq: 1 })
    expect(narrowed.peers.find((p) => p.peerId === a.peerId)?.authors.map((x) => x.author)).toEqual([a.peerId])
    expect((await kiez(['sync', a.peerId, '--data-dir', b.dataDir])).stdout).toMatch(
      new RegExp(`^author ${a.peerId}: we hold up to seq 1$`, 'm')
    )
    // a bad author: the daemon refuses, exit 1, one line (and one error document with --json)
    const badAuthor = await kiez(['sync', 'not-a-peer', '--json', '--data-dir', b.dataDir])
    expect(badAuthor.code).toBe(1)
    expectOneLine(badAuthor.stderr)
    expect(JSON.parse(badAuthor.stdout)).toMatchObject({ error: { code: 'bad_author' } })
    // a peer nobody can reach: a clear failure, not a hang
    const lost = await kiez(['ping', '/ip4/127.0.0.1/tcp/1', '-c', '1', '--data-dir', b.dataDir])
    expect(lost.code).toBe(1)
    expectOneLine(lost.stderr)
  })

  it('ping --timeout: a peer that never answers is "no reply" after one timeout, not one per ping', async () => {
    const d = await DaemonProcess.start(freshDir())
    // accepts TCP and then says nothing, like a box whose libp2p hung
    const sockets: Socket[] = []
    const silent = createServer((s) => {
      sockets.push(s)
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const target = `/ip4/127.0.0.1/tcp/${
        (silent.address() as AddressInfo).port
      }/p2p/12D3KooWGRUVh7bKPd8aoFmLr2Hh4ofwAPPTfmqgQzbTjwZB3bMH`
      const started = Date.now()
      const r = await kiez(['ping', target, '-c', '3', '--timeout', '2', '--json', '--data-dir', d.dataDir])
      expect(Date.now() - started).toBeLessThan(10_000) // the default would be 3 × 5 s
      expect(r.code).toBe(1)
      expectOneLine(r.stderr)
      expect(r.stderr).toContain('no reply')
      expect(JSON.parse(r.stdout)).toMatchObject({
        error: { code: 'no_reply', message: expect.stringContaining('within 2 s') }
      })
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
    }
  })

  it('keeps every acknowledged post across kill -9 and a restart', async () => {
    const dir = freshDir()
    const d = await DaemonProcess.start(dir)
    const viaCli = JSON.parse(
      (await kiez(['post', '--json', '--data-dir', dir, 'before the crash'])).stdout
    ) as EntryJson
    // hammer the daemon with concurrent posts and kill it mid-stream: only acknowledged ones are promised
    const client = new ControlClient({ socketPath: controlSocketPath(dir), timeoutMs: 5000 })
    const acked: string[] = [viaCli.id]
    let stop = false
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          acked.push((await client.post({ text: `writer ${w} post ${i}` })).id)
        } catch {
          return
        }
      }
    }
    const writers = [0, 1, 2, 3].map(writer)
    await eventually(async () => acked.length >= 40 ? true : undefined, {
      what: '40 acknowledged posts',
      timeoutMs: 20_000,
      intervalMs: 200
    })
    d.kill('SIGKILL')
    stop = true
    await Promise.all(writers)
    expect((await d.exited).signal).toBe('SIGKILL')
    expect(existsSync(controlSocketPath(dir))).toBe(true) // the crash left its socket behind

    const again = await DaemonProcess.start(dir)
    expect(again.peerId).toBe(d.peerId)
    const feed = JSON.parse((await kiez(['feed', '--json', '--limit', '500', '--data-dir', dir])).stdout) as FeedJson
    const have = new Set(feed.entries.map((e) => e.id))
    expect(acked.filter((id) => !have.has(id))).toEqual([])
    // and the author's chain continues where it stopped
    const next = JSON.parse((await kiez(['post', '--json', '--data-dir', dir, 'after the crash'])).stdout) as EntryJson
    expect(next.seq).toBe(feed.entries.length + 1)
  })
})

describe('kiez feed --follow', () => {
  it('prints the page, then new entries as they are stored; ends with 69 when the daemon stops', async () => {
    const dir = freshDir()
    const d = await DaemonProcess.start(dir)
    const first = JSON.parse((await kiez(['post', '--json', '--data-dir', dir, 'one'])).stdout) as EntryJson
    const follower = spawn(NODE, [BIN, 'feed', '--follow', '--json', '--data-dir', dir], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)))
    let out = ''
    let err = ''
    follower.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c
    })
    follower.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c
    })
    const lines = (): EntryJson[] => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EntryJson)
    try {
      await eventually(async () => lines().length >= 1 ? true : undefined, {
        what: 'the existing post',
        timeoutMs: 10_000,
        intervalMs: 200
      })
      const second = JSON.parse((await kiez(['post', '--json', '--data-dir', dir, 'two'])).stdout) as EntryJson
      await eventually(async () => lines().length >= 2 ? true : undefined, {
        what: 'the new post',
        timeoutMs: 10_000,
        intervalMs: 200
      })
      expect(lines().map((e) => e.id)).toEqual([first.id, second.id])
      // an open follower must not hold up a clean stop
      d.kill('SIGTERM')
      expect(await d.exited).toEqual({ code: 0, signal: null })
      expect(await exited).toBe(69)
      expectOneLine(err)
    } finally {
      follower.kill('SIGKILL')
    }
  })
})

describe('kiez daemon lifecycle', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`exits 0 on ${signal} within 5 s, closing node, store and socket`, async () => {
      const dir = freshDir()
      const d = await DaemonProcess.start(dir)
      d.kill(signal)
      const result = await Promise.race([
        d.exited,
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000))
      ])
      expect(result).toEqual({ code: 0, signal: null })
      expect(d.lines.some((l) => l.msg === 'stopped')).toBe(true)
      expect(d.lines.every((l) => !String(l.msg).startsWith('NOT JSON'))).toBe(true)
      expect(existsSync(controlSocketPath(dir))).toBe(false)
      // a clean stop released the LevelDB lock: the same data dir starts again
      const again = await DaemonProcess.start(dir)
      expect(again.peerId).toBe(d.peerId)
    })
  }

  it('a SIGTERM during start-up still ends in a clean stop', async () => {
    const dir = freshDir()
    const proc = spawn(NODE, [
      BIN,
      'daemon',
      '--data-dir',
      dir,
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--no-mdns',
      '--no-http'
    ], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal }))
    )
    let out = ''
    proc.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c
    })
    try {
      // the identity is made early in start(), before the store and the node open
      await eventually(async () => out.includes('created a new identity key') ? true : undefined, {
        what: 'the start to begin',
        timeoutMs: 20_000,
        intervalMs: 200
      })
      proc.kill('SIGTERM')
      expect(await exited).toEqual({ code: 0, signal: null })
      expect(out).toContain('"msg":"stopped"')
    } finally {
      proc.kill('SIGKILL')
    }
    const again = await DaemonProcess.start(dir) // nothing left locked
    expect(again.peerId).toMatch(/^12D3KooW/)
  })

  it('a bad flag exits 2 with one line', async () => {
    const dir = freshDir()
    for (
      const args of [
        ['daemon', '--data-dir', dir, '--bogus'],
        ['daemon', '--data-dir', dir, '--listen', 'not-a-multiaddr'],
        ['daemon', '--data-dir', dir, '--mesh', 'NOT OK'],
        ['daemon', '--data-dir', dir, '--bootstrap', '/ip4/198.18.0.9/tcp/7301'],
        ['feed', '--limit', 'lots'],
        ['ping', '12D3KooWx', '--timeout', '0'],
        ['ping', '12D3KooWx', '--timeout', '61'],
        ['sync', 'one', 'two'],
        ['delete'],
        ['edit', 'bafyrei-only-an-id'],
        ['status', 'extra-arg'],
        ['nonsense']
      ]
    ) {
      const r = await kiez(args)
      expect(r.code, args.join(' ')).toBe(2)
      expectOneLine(r.stderr)
      expect(r.stdout).toBe('')
    }
    expect(existsSync(dir)).toBe(false) // a config error touches nothing
  })

  it('an unusable data dir exits 1 with one line', async () => {
    const file = join(tmp, 'plain-file')
    await writeFile(file, 'x')
    for (const dir of [join(file, 'kiez'), file]) {
      const r = await kiez(['daemon', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'])
      expect(r.code).toBe(1)
      expectOneLine(r.stderr)
      expect(r.stderr).toContain(`data dir ${dir} is not usable`)
    }
  })

  it('a port in use, or a second daemon on the same data dir, exits 1 with one line', async () => {
    const a = await DaemonProcess.start(freshDir())
    const port = (a.listenAddrs[0] as string).split('/')[4] as string
    const clash = await kiez([
      'daemon',
      '--data-dir',
      freshDir(),
      '--listen',
      `/ip4/127.0.0.1/tcp/${port}`,
      '--no-mdns'
    ])
    expect(clash.code).toBe(1)
    expectOneLine(clash.stderr)
    expect(clash.stderr).toContain('already in use')

    const twice = await kiez(['daemon', '--data-dir', a.dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'])
    expect(twice.code).toBe(1)
    expectOneLine(twice.stderr)
    expect(twice.stderr).toContain('already running')
    expect((await kiez(['status', '--json', '--data-dir', a.dataDir])).code).toBe(0) // and the first one is unharmed
  })

  it('kiez psk writes a key file a daemon accepts; a wrong key file is a usage error', async () => {
    const key = join(tmp, 'mesh.key')
    const made = await kiez(['psk', key])
    expect(made.code).toBe(0)
    expect((await stat(key)).mode & 0o777).toBe(0o600)
    expect((await kiez(['psk', key])).code).toBe(1) // never overwrites
    const d = await DaemonProcess.start(freshDir(), ['--psk', key])
    expect(d.peerId).toMatch(/^12D3KooW/)
    const bad = join(tmp, 'bad.key')
    await writeFile(bad, 'not a key')
    const r = await kiez([
      'daemon',
      '--data-dir',
      freshDir(),
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--no-mdns',
      '--psk',
      bad
    ])
    expect(r.code).toBe(2)
    expectOneLine(r.stderr)
    expect(r.stderr).toContain('kiez psk FILE')
  })

  it('takes its settings from KIEZ_* and XDG_DATA_HOME, and the client finds it the same way', async () => {
    const xdg = join(tmp, 'xdg')
    const env = cleanEnv({
      XDG_DATA_HOME: xdg,
      KIEZ_LISTEN: '/ip4/127.0.0.1/tcp/0',
      KIEZ_MDNS: 'false',
      KIEZ_MESH: 'hof3'
    })
    const d = await DaemonProcess.start(join(xdg, 'kiez'), [], { env, defaults: false })
    const r = await kiez(['status', '--json'], cleanEnv({ XDG_DATA_HOME: xdg }))
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ peerId: d.peerId, mesh: 'hof3', dataDir: join(xdg, 'kiez') })
  })
})

describe('kiez without a daemon', () => {
  it('client commands exit 69 and say how to start one', async () => {
    const dir = freshDir()
    for (
      const cmd of [['status'], ['peers'], ['feed'], ['post', 'hi'], ['delete', 'bafyrei…'], ['edit', 'bafyrei…', 'hi']]
    ) {
      const r = await kiez([...cmd, '--data-dir', dir])
      expect(r.code, cmd[0]).toBe(69)
      expectOneLine(r.stderr)
      expect(r.stderr).toContain(
        `no daemon is running for data dir ${dir}: start one with \`kiez daemon --data-dir ${dir}\``
      )
    }
    const j = await kiez(['status', '--json', '--data-dir', dir])
    expect(j.code).toBe(69)
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'daemon_unreachable' } })
  })

  it('--help on every command exits 0 with an example', async () => {
    for (
      const cmd of [
        [],
        ['daemon'],
        ['status'],
        ['peers'],
        ['post'],
        ['feed'],
        ['ping'],
        ['dht'],
        ['dht', 'find'],
        ['dht', 'table'],
        ['sync'],
        ['delete'],
        ['edit'],
        ['psk']
      ]
    ) {
      const r = await kiez([...cmd, '--help'])
      expect(r.code, cmd.join(' ')).toBe(0)
      expect(r.stdout).toMatch(/Examples?:\n\s+\$ kiez/)
    }
  })
})
