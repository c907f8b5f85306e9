import { encodeEnvelope, encodeHeader, MAX_PAYLOAD_BYTES, sha256, signedBytes, signerFromSeed } from '@kiez/feed'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { Boxes, call, openSse, pair, sameOrigin, type Box } from './helpers.ts'

describe('SSE and metrics across two bootstrapped daemons', () => {
  const boxes = new Boxes()
  let a: Box
  let b: Box
  let cookieB: string

  beforeAll(async () => {
    a = await boxes.start({
      http: { postRate: { capacity: 1000, refillPerSec: 100 }, maxEventClients: 3, maxEventClientsPerIp: 3 }
    })
    const addr = (await a.daemon.status()).listenAddrs[0] as string
    b = await boxes.start({ bootstrap: [addr] })
    cookieB = await pair(b)
    await eventually(async () => (await call(a, '/api/v1/peers')).json.peers.some((p: any) => p.connected), {
      what: 'a and b to connect',
      timeoutMs: 20_000,
      intervalMs: 50
    })
  })
  afterAll(async () => {
    await boxes.close()
  })

  const postOnB = async (text: string): Promise<any> => {
    const r = await call(b, '/api/v1/posts', { method: 'POST', headers: sameOrigin(b, cookieB), body: { text } })
    expect(r.status, r.text).toBe(201)
    return r.json
  }

  it('GET /peers shows how the neighbour was found and whether we are in sync', async () => {
    // Before anyone posts: the heads exchanged on connect say both feeds are empty, so in sync.
    // (After a post, "in sync" waits for the next heads exchange, up to 30 s: not a test's business.)
    const peer = await eventually(async () => {
      const p = (await call(a, '/api/v1/peers')).json.peers.find((x: any) => x.peerId === b.daemon.peerId)
      return p?.sync !== null && p?.sync !== undefined ? p : undefined
    }, { what: 'replication state for b on a', timeoutMs: 20_000, intervalMs: 50 })
    expect(peer).toMatchObject({
      connected: true,
      direction: expect.stringMatching(/^(inbound|outbound)$/),
      sync: { weLack: 0, theyLack: 0, inSync: true, syncing: expect.any(Boolean) }
    })
    const fromB = (await call(b, '/api/v1/peers')).json.peers[0]
    expect(fromB.source).toBe('bootstrap')
    expect(fromB.direction).toBe('outbound')
  })

  it('/metrics carries gossipsub\'s own RPC message counts, and only the kept gossipsub series', async () => {
    const value = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '))
      return line === undefined ? 0 : Number(line.slice(series.length + 1))
    }
    const before = value((await call(b, '/metrics')).text, 'gossipsub_rpc_sent_message_total')
    await postOnB('counted by gossipsub')
    // b publishes to a (its only topic peer): one message copy sent by b, received by a
    await eventually(async () => value((await call(a, '/metrics')).text, 'gossipsub_rpc_recv_message_total') >= 1, {
      what: 'a\'s gossipsub to count the message',
      timeoutMs: 15_000,
      intervalMs: 100
    })
    const text = (await call(b, '/metrics')).text
    expect(value(text, 'gossipsub_rpc_sent_message_total')).toBeGreaterThan(before)
    expect(text).toMatch(/^gossipsub_rpc_sent_bytes_total [1-9]/m)
    // the rest of gossipsub's ~100 series (histograms, scores) is not kept on a router
    expect(text).not.toMatch(/^gossipsub_peer_score|^gossisub_duplicate_msg_delivery_delay/m)
  })

  it('a stream on A receives a post made on B, and a reconnect with Last-Event-ID gets exactly the missed events', async () => {
    const s1 = openSse(a)
    await s1.opened
    expect(s1.status).toBe(200)
    expect(s1.headers['content-type']).toMatch(/^text\/event-stream/)
    expect(s1.headers['cache-control']).toBe('no-store')
    expect(s1.headers['content-security-policy']).toMatch(/^default-src 'none'/)
    expect(s1.headers['x-content-type-options']).toBe('nosniff')
    const first = await postOnB('live over the mesh')
    await eventually(() => s1.entries().find((e) => e.id === first.id), {
      what: 'the entry event on A',
      timeoutMs: 20_000,
      intervalMs: 50
    })
    const ev = s1.events.find((e) => e.event === 'entry' && JSON.parse(e.data).id === first.id)
    expect(ev?.id).toMatch(/^[0-9a-f]{8}-\d+$/)
    expect(JSON.parse(ev!.data)).toMatchObject({
      text: 'live over the mesh',
      author: expect.stringMatching(/^12D3KooW/)
    })
    const lastId = s1.events.filter((e) => e.id !== undefined).at(-1)!.id!
    s1.close()

    const missed: string[] = []
    for (let i = 0; i < 3; i++) missed.push((await postOnB(`missed ${i}`)).id)
    // wait until A has stored them, so they are in its replay ring
    await eventually(async () => {
      const f = (await call(a, '/api/v1/feed?limit=10')).json.entries.map((e: any) => e.id)
      return missed.every((id) => f.includes(id)) ? true : undefined
    }, { what: 'A to store the missed posts', timeoutMs: 20_000, intervalMs: 50 })

    const s2 = openSse(a, lastId)
    await s2.opened
    await eventually(() => s2.entries().length >= 3 ? true : undefined, {
      what: 'the replay',
      timeoutMs: 10_000,
      intervalMs: 50
    })
    const after = await postOnB('after the reconnect')
    await eventually(() => s2.entries().find((e) => e.id === after.id), {
      what: 'the live event after the replay',
      timeoutMs: 20_000,
      intervalMs: 50
    })
    expect(s2.entries().map((e) => e.id)).toEqual([...missed, after.id])
    expect(s2.events.some((e) => e.event === 'reset')).toBe(false)
    // ids keep counting up: no event is sent twice
    const ns = s2.events.filter((e) => e.id !== undefined).map((e) => Number(e.id!.split('-')[1]))
    expect(ns).toEqual([...ns].sort((x, y) => x - y))
    expect(ns[0]).toBe(Number(lastId.split('-')[1]) + 1)
  })

  it('an id from another run gets a reset event, not a silent gap', async () => {
    const s = openSse(a, 'deadbeef-5')
    await s.opened
    await eventually(() => s.events.find((e) => e.event === 'reset'), {
      what: 'a reset event',
      timeoutMs: 5000,
      intervalMs: 50
    })
    expect(JSON.parse(s.events.find((e) => e.event === 'reset')!.data)).toEqual({ reason: 'restarted' })
  })

  it('an edit and a delete made on B reach a stream on A as changed events naming the post', async () => {
    const p = await postOnB('first words')
    await eventually(async () => (await call(a, `/api/v1/entries/${p.id}`)).status === 200 ? true : undefined, {
      what: 'the post on A',
      timeoutMs: 20_000,
      intervalMs: 50
    })
    const s = openSse(a)
    await s.opened
    const changes = (): Array<{ id: string, reason: string }> =>
      s.events.filter((e) => e.event === 'changed').map((e) => JSON.parse(e.data))
    const put = await call(b, `/api/v1/entries/${p.id}`, {
      method: 'PUT',
      headers: sameOrigin(b, cookieB),
      body: { text: 'better words' }
    })
    expect(put.status, put.text).toBe(200)
    await eventually(() => changes().length >= 1 ? true : undefined, {
      what: 'the edit on A',
      timeoutMs: 20_000,
      intervalMs: 50
    })
    const del = await call(b, `/api/v1/entries/${p.id}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json', ...sameOrigin(b, cookieB) }
    })
    expect(del.status, del.text).toBe(200)
    await eventually(() => changes().length >= 2 ? true : undefined, {
      what: 'the delete on A',
      timeoutMs: 20_000,
      intervalMs: 50
    })
    s.close()
    expect(changes()).toEqual([{ id: p.id, reason: 'edited' }, { id: p.id, reason: 'deleted' }])
    // neither the edit nor the delete is itself an entry event: feeds do not show them
    expect(s.entries()).toEqual([])
    expect((await call(a, `/api/v1/entries/${p.id}`)).status).toBe(410)
  })

  it('a vote, an RSVP and a done reach streams on B and on A as changed events naming their target', async () => {
    const postB = async (body: Record<string, unknown>): Promise<any> => {
      const r = await call(b, '/api/v1/posts', { method: 'POST', headers: sameOrigin(b, cookieB), body })
      expect(r.status, r.text).toBe(201)
      return r.json
    }
    const poll = await postB({ kind: 'poll', text: 'Wann putzen wir?', options: ['Sa', 'So'] })
    const ev = await postB({ kind: 'event', text: 'Hoffest', starts: Date.now() + 86_400_000, place: 'Hof 3' })
    const offer = await postB({ kind: 'offer', text: 'Sofa', price: 'free' })
    for (const target of [poll, ev, offer]) {
      await eventually(async () => (await call(a, `/api/v1/entries/${target.id}`)).status === 200 ? true : undefined, {
        what: `the ${target.kind} on A`,
        timeoutMs: 20_000,
        intervalMs: 50
      })
    }
    // B's stream hears its own member's vote, A's hears it by gossip or sync
    const onA = openSse(a)
    const onB = openSse(b)
    await Promise.all([onA.opened, onB.opened])
    const changes = (s: typeof onA): Array<{ id: string, reason: string }> =>
      s.events.filter((e) => e.event === 'changed').map((e) => JSON.parse(e.data))
    const vote = await postB({ kind: 'vote', target: poll.id, choices: [1] })
    const rsvp = await postB({ kind: 'rsvp', target: ev.id, answer: 'going' })
    const done = await postB({ kind: 'done', target: offer.id })
    const expected = [
      { id: poll.id, reason: 'vote' },
      { id: ev.id, reason: 'rsvp' },
      { id: offer.id, reason: 'done' }
    ]
    for (const [name, s] of [['B', onB], ['A', onA]] as const) {
      await eventually(() => changes(s).length >= 3 ? true : undefined, {
        what: `three changed events on ${name}`,
        timeoutMs: 20_000,
        intervalMs: 50
      })
    }
    onA.close()
    onB.close()
    for (const s of [onB, onA]) {
      // the order across three entries may differ by path (gossip, sync); each target once, with its reason
      expect([...changes(s)].sort((x, y) => x.reason.localeCompare(y.reason))).toEqual(
        [...expected].sort((x, y) => x.reason.localeCompare(y.reason))
      )
      // the vote, the RSVP and the done themselves are not shown by feeds, so no entry events name them
      const shown = s.entries().map((e: any) => e.id)
      for (const hidden of [vote.id, rsvp.id, done.id]) expect(shown).not.toContain(hidden)
    }
    // and what they changed is there on A
    expect((await call(a, `/api/v1/entries/${poll.id}`)).json.tally.counts).toEqual([0, 1])
    expect((await call(a, `/api/v1/entries/${ev.id}`)).json.rsvps).toMatchObject({ going: 1 })
    expect((await call(a, `/api/v1/entries/${offer.id}`)).json.done).toBe(true)
  })

  it('refuses event streams beyond its bound with 503', async () => {
    const open = [openSse(a), openSse(a), openSse(a)]
    await Promise.all(open.map(async (s) => {
      await s.opened
    }))
    await eventually(async () => {
      const r = await call(a, '/api/v1/events')
      return r.status === 503 ? r : undefined
    }, { what: 'a 503', timeoutMs: 5000, intervalMs: 50 }).then((r) => {
      expect(r.json.error.code).toBe('too_many_streams')
      expect(r.headers['content-security-policy']).toBeDefined()
    })
    for (const s of open) s.close()
    // closed streams free their slots
    await eventually(async () => {
      const s = openSse(a)
      await s.opened
      s.close()
      return s.status === 200 ? true : undefined
    }, { what: 'a slot to free', timeoutMs: 5000, intervalMs: 50 })
  })

  it('peer events announce a disconnect', async () => {
    const s = openSse(a)
    await s.opened
    const bId = b.daemon.peerId
    await boxes.stop(b)
    const ev = await eventually(() => s.events.find((e) => e.event === 'peer' && JSON.parse(e.data).peerId === bId), {
      what: 'the peer event',
      timeoutMs: 10_000,
      intervalMs: 50
    })
    expect(JSON.parse(ev.data)).toEqual({ peerId: bId, connected: false })
  })

  it('/metrics exposes stored, rejected (by reason), peers, sync lag and HTTP series', async () => {
    const before = await call(a, '/metrics')
    expect(before.status).toBe(200)
    expect(before.headers['content-type']).toMatch(/^text\/plain/)
    const value = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '))
      return line === undefined ? 0 : Number(line.slice(series.length + 1))
    }
    expect(value(before.text, 'kiez_entries_stored_total{origin="mesh"}')).toBeGreaterThanOrEqual(5)
    expect(value(before.text, 'kiez_entries_rejected_total{reason="bad_encoding"}')).toBe(0)
    // rogue entries from "the network": bytes that are no entry at all, and a well-signed oversized post
    const store = a.daemon.feedStore!
    expect(await store.ingest(Uint8Array.from([0xa1, 0x00, 0xff]))).toMatchObject({
      status: 'rejected',
      code: 'bad_encoding'
    })
    const rogue = signerFromSeed(new Uint8Array(32).fill(9))
    // format 2: the header announces a payload over the limit, refused before any payload is asked for
    const header = encodeHeader({
      author: rogue.publicKey,
      seq: 1,
      previous: null,
      timestamp: Date.now(),
      kind: 'post',
      payloadHash: sha256(new Uint8Array(0)),
      payloadSize: MAX_PAYLOAD_BYTES + 1
    })
    const oversized = encodeEnvelope(header, rogue.sign(signedBytes(header)))
    expect(await store.ingest(oversized)).toMatchObject({ status: 'rejected', code: 'content_too_large' })
    const after = await call(a, '/metrics')
    expect(value(after.text, 'kiez_entries_rejected_total{reason="bad_encoding"}')).toBe(1)
    expect(value(after.text, 'kiez_entries_rejected_total{reason="content_too_large"}')).toBe(1)
    // scraping again does not count twice
    expect(value((await call(a, '/metrics')).text, 'kiez_entries_rejected_total{reason="content_too_large"}')).toBe(1)
    expect(after.text).toMatch(/^kiez_http_requests_total\{route="\/api\/v1\/peers",method="GET",status="200"\} [1-9]/m)
    expect(after.text).toMatch(
      /^kiez_http_requests_total\{route="\/api\/v1\/events",method="GET",status="503"\} [1-9]/m
    )
    expect(after.text).toMatch(
      /^kiez_http_requests_total\{route="\/api\/v1\/events",method="GET",status="200"\} [1-9]/m
    )
    expect(after.text).toMatch(/^kiez_peers\{source="[a-z]+",connected="(true|false)"\} 1$/m)
    expect(after.text).toMatch(/^kiez_sync_lag_entries \d+$/m)
    expect(value(after.text, 'kiez_feed_entries')).toBeGreaterThanOrEqual(5)
    expect(after.text).toMatch(/^libp2p_/m) // the node's own series, in the same registry
    expect(after.text).toMatch(/^process_resident_memory_bytes /m)
  })
})
