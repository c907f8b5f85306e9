import { describe, expect, it } from 'vitest'
import { Api, ApiError, asEntry, asPeer, asSession } from './api.js'
import { clean, Names } from './names.js'
import { MAX_POST_BYTES, safeHref, segments, shortId, utf8Bytes } from './text.js'
import { threads } from './thread.js'
import { duration, relativeTime } from './time.js'
import { admit } from './window.js'
import { sourceText, syncText } from './peers.js'
import type { Entry, Peer } from './types.js'

const e = (id: string, timestamp: number, extra: Partial<Entry> = {}): Entry => ({
  id,
  author: 'A',
  seq: 1,
  timestamp,
  type: 'post',
  text: id,
  ...extra
})

describe('text', () => {
  it('counts UTF-8 bytes as the server does', () => {
    expect(utf8Bytes('abc')).toBe(3)
    expect(utf8Bytes('ä')).toBe(2)
    expect(utf8Bytes('€')).toBe(3)
    expect(utf8Bytes('😀')).toBe(4)
    expect(utf8Bytes('ä'.repeat(4097))).toBeGreaterThan(MAX_POST_BYTES)
  })

  it('links only absolute http(s) URLs', () => {
    expect(safeHref('https://example.org/a?b=1')).toBe('https://example.org/a?b=1')
    expect(safeHref('http://example.org')).toBe('http://example.org/')
    for (
      const bad of [
        'javascript:alert(1)',
        'JaVaScRiPt:alert(1)',
        'data:text/html,<script>x</script>',
        'vbscript:x',
        'ftp://x',
        '//example.org',
        'https://user:pw@example.org/',
        'http://',
        'file:///etc/passwd'
      ]
    ) {
      expect(safeHref(bad), bad).toBeUndefined()
    }
  })

  it('splits text into plain runs and safe links, keeping every character', () => {
    const text = 'see https://example.org/x, and javascript:alert(1) or http://a.b/c).'
    const segs = segments(text)
    expect(segs.map((s) => s.text).join('')).toBe(text)
    expect(segs.filter((s) => s.kind === 'link').map((s) => s.text)).toEqual(['https://example.org/x', 'http://a.b/c'])
    expect(segments('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }])
    expect(segments('')).toEqual([])
  })

  it('does not link a scheme hidden inside an http URL', () => {
    const segs = segments('https://x.y/"onmouseover="alert(1)')
    const link = segs.find((s) => s.kind === 'link')
    expect(link?.kind === 'link' ? link.href : '').not.toContain('"')
  })

  it('shortens ids after their common prefix', () => {
    expect(shortId('12D3KooWAbCdEfGhIjKlMnOpQrStUvWxYz')).toBe('AbCd…WxYz')
    expect(shortId('bafyreiabcdefghijklmnop')).toBe('abcd…mnop')
    expect(shortId('short')).toBe('short')
  })
})

describe('time', () => {
  const now = Date.UTC(2026, 10, 26, 12)
  it('reads like a person', () => {
    expect(relativeTime(now - 10_000, now)).toBe('just now')
    expect(relativeTime(now + 60_000, now)).toBe('just now') // author clocks run a little ahead
    expect(relativeTime(now - 3 * 60_000, now)).toBe('3 min ago')
    expect(relativeTime(now - 2 * 3_600_000, now)).toBe('2 h ago')
    expect(relativeTime(now - 26 * 3_600_000, now)).toBe('yesterday')
    expect(relativeTime(now - 3 * 86_400_000, now)).toBe('3 days ago')
    expect(relativeTime(Date.UTC(2025, 0, 2), now)).toBe('2025-01-02')
  })
  it('formats durations with units', () => {
    expect(duration(3.4)).toBe('3 ms')
    expect(duration(2500)).toBe('3 s')
    expect(duration(240_000)).toBe('4 min')
    // rounding up to the next unit reads as that unit
    expect(duration(3_599_000)).toBe('1 h')
    expect(duration(999.6)).toBe('1 s')
    expect(duration(59_700)).toBe('1 min')
    expect(duration(7_200_000)).toBe('2 h')
  })
})

describe('threads', () => {
  it('puts replies under their parent, oldest first, and posts newest first', () => {
    const roots = threads([
      e('p1', 100),
      e('p2', 200),
      e('r2', 400, { type: 'reply', replyTo: 'p1' }),
      e('r1', 300, { type: 'reply', replyTo: 'p1' }),
      e('rr', 500, { type: 'reply', replyTo: 'r1' }),
      e('orphan', 50, { type: 'reply', replyTo: 'missing' }),
      e('prof', 600, { type: 'profile', text: undefined, name: 'x' })
    ])
    expect(roots.map((n) => n.entry.id)).toEqual(['p2', 'p1', 'orphan'])
    const p1 = roots[1]
    expect(p1?.replies.map((n) => n.entry.id)).toEqual(['r1', 'r2'])
    expect(p1?.replies[0]?.replies.map((n) => n.entry.id)).toEqual(['rr'])
  })
})

describe('names', () => {
  it('takes the newest profile claim and strips control and bidi characters', () => {
    const n = new Names()
    n.learn(e('a', 10, { type: 'profile', name: 'Old' }))
    n.learn(e('b', 30, { type: 'profile', name: 'New\u202e' }))
    n.learn(e('c', 20, { type: 'profile', name: 'Stale' }))
    expect(n.get('A')).toBe('New')
    expect(clean('a\u0000b\u200fc\u2066')).toBe('abc')
  })
})

describe('network shapes', () => {
  it('drops entries without the fields the page needs and copies only known fields', () => {
    expect(asEntry({ id: 'x', author: 'a', seq: 1, timestamp: 5, type: 'post', text: 't', evil: '<b>' })).toEqual({
      id: 'x',
      author: 'a',
      seq: 1,
      timestamp: 5,
      type: 'post',
      text: 't'
    })
    expect(asEntry({ id: 'x', author: 'a', seq: 1, type: 'post' })).toBeUndefined()
    expect(asEntry({ id: 1, author: 'a', seq: 1, timestamp: 5, type: 'post' })).toBeUndefined()
    expect(asEntry({ id: 'x', author: 'a', seq: 1, timestamp: 5, type: 'post', text: 7 })?.text).toBeUndefined()
    expect(asEntry(null)).toBeUndefined()
  })
  it('reads the author\'s key, household and unclaimed mark; a malformed one is left out', () => {
    const base = { id: 'x', author: 'a', seq: 1, timestamp: 5, type: 'post' }
    const key = 'ab'.repeat(32)
    expect(asEntry({ ...base, authorKey: key, household: { id: 'h', name: 'Hof 3', seenBy: 2 } })).toMatchObject({
      authorKey: key,
      household: { id: 'h', name: 'Hof 3', seenBy: 2 }
    })
    expect(asEntry({ ...base, authorKey: '<b>', household: { id: 'h' } })).toEqual(base)
    expect(asEntry({ ...base, household: { id: 'h', name: 'H', seenBy: -3 } })?.household?.seenBy).toBe(0)
    expect(asEntry({ ...base, unclaimed: true })?.unclaimed).toBe(true)
    expect(asEntry({ ...base, unclaimed: 'yes' })?.unclaimed).toBeUndefined()
  })
  it('reads a session: its members, and `current` only when it is one of them', () => {
    const anna = { name: 'Anna', author: '12D3KooWA', authorKey: 'aa' }
    expect(asSession({ paired: true, members: [anna, { name: 5 }], current: anna.author })).toEqual({
      paired: true,
      members: [anna],
      current: anna.author
    })
    expect(asSession({ paired: true, members: [anna], current: 'someone else' })).toEqual({
      paired: true,
      members: [anna]
    })
    expect(asSession({ paired: false, firstMember: true })).toEqual({ paired: false, firstMember: true })
    expect(asSession({ paired: 'yes' })).toBeUndefined()
  })
  it('reads sync facts nested or flat', () => {
    expect(
      asPeer({ peerId: 'p', source: 'mdns', direction: 'outbound', connected: true, sync: { weLack: 0, theyLack: 2 } })
        ?.sync
    ).toEqual({ weLack: 0, theyLack: 2 })
    expect(asPeer({ peerId: 'p', connected: true, weLack: 1 })?.sync).toEqual({ weLack: 1 })
    expect(asPeer({ peerId: 'p', connected: 'yes', direction: 'sideways' })).toEqual({
      peerId: 'p',
      source: null,
      direction: null,
      connected: false
    })
    expect(asPeer({})).toBeUndefined()
  })
})

describe('around you', () => {
  const peer = (sync: Peer['sync']): Peer => ({
    peerId: 'p',
    source: 'mdns',
    direction: 'outbound',
    connected: true,
    sync
  })
  it('says how a peer was found', () => {
    expect(sourceText('bootstrap')).toBe('configured bootstrap box')
    expect(sourceText(null)).toBe('how found: unknown')
    expect(sourceText('<b>x</b>')).toBe('found by <b>x</b>')
  })
  it('says whether we are in sync, and as of when', () => {
    expect(syncText(peer(undefined))).toEqual({ text: 'sync: no data yet', ok: undefined })
    expect(syncText(peer({ weLack: 0, theyLack: 0, headsAgeMs: 3000 }))).toEqual({
      text: 'in sync (checked 3 s ago)',
      ok: true
    })
    expect(syncText(peer({ weLack: 2, theyLack: 1 }))).toEqual({
      text: 'not in sync: we lack 2, they lack 1',
      ok: false
    })
    expect(syncText(peer({ syncing: true, weLack: 2 })).text).toBe('syncing now…')
    expect(syncText(peer({ lastSyncError: 'timeout' }))).toEqual({ text: 'sync failed: timeout', ok: false })
  })
})

describe('source rules', () => {
  it('no HTML sinks or eval anywhere in the page source', async () => {
    const { readdir, readFile } = await import('node:fs/promises')
    const dir = new URL('./', import.meta.url)
    const files = (await readdir(dir, { recursive: true })).filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.test.ts'))
    expect(files.length).toBeGreaterThan(10)
    const sinks =
      /dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new Function|srcdoc/
    const hits = []
    for (const f of files) if (sinks.test(await readFile(new URL(f, dir), 'utf8'))) hits.push(f)
    expect(hits).toEqual([])
  })
})

describe('live window', () => {
  const loaded = new Map([['a', e('a', 100)], ['b', e('b', 200)]])
  it('admits everything when all is loaded, and only the window while older pages exist', () => {
    const batch = [
      e('old', 50),
      e('mid', 150),
      e('new', 300),
      e('b', 200),
      e('prof', 10, { type: 'profile', text: undefined, name: 'n' })
    ]
    expect(admit(batch, loaded, false, 10).add.map((x) => x.id)).toEqual(['old', 'mid', 'new', 'b', 'prof'])
    const r = admit(batch, loaded, true, 10)
    expect(r.add.map((x) => x.id)).toEqual(['mid', 'new', 'b'])
    expect(r.fresh.map((x) => x.id)).toEqual(['mid', 'new'])
    expect(r.overflow).toBe(false)
  })
  it('reports overflow past the bound', () => {
    expect(admit([e('c', 300), e('d', 400)], loaded, false, 3).overflow).toBe(true)
    expect(admit([e('c', 300), e('c', 300)], loaded, false, 3).overflow).toBe(false)
  })
})

describe('deleting and editing through the api', () => {
  /** An Api whose fetch records each request and answers `status` with `body`. */
  function recording (status: number, body: unknown) {
    const calls: Array<{ url: string, method: string, headers: Record<string, string>, body: unknown }> = []
    const api = new Api({
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({
          url,
          method: String(init.method),
          headers: init.headers as Record<string, string>,
          body: init.body
        })
        return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
      }) as typeof fetch
    })
    return { api, calls }
  }

  it('DELETE says JSON but sends no body; PUT sends the text and reads back the post', async () => {
    const del = recording(200, { id: 'd', author: 'A', seq: 2, timestamp: 1, type: 'delete', target: 'p' })
    await del.api.deleteEntry('bafyrei/x')
    expect(del.calls).toEqual([{
      url: '/api/v1/entries/bafyrei%2Fx',
      method: 'DELETE',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: undefined
    }])
    const put = recording(200, { id: 'p', author: 'A', seq: 1, timestamp: 1, type: 'post', text: 'new', edited: true })
    expect(await put.api.editEntry('p', 'new')).toEqual({
      id: 'p',
      author: 'A',
      seq: 1,
      timestamp: 1,
      type: 'post',
      text: 'new',
      edited: true
    })
    expect(put.calls[0]).toMatchObject({ method: 'PUT', body: '{"text":"new"}' })
  })

  it('a refusal keeps the gateway\'s code', async () => {
    const { api } = recording(403, { error: { code: 'not_author', message: 'only its author can delete it' } })
    const err = await api.deleteEntry('p').then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'not_author', status: 403 })
  })
})
