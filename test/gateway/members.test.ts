import { afterAll, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { Boxes, call, openSse, pair, sameOrigin, type Box, type Res } from './helpers.ts'

/**
 * People on the web page (issue 14): each browser session holds members and
 * posts as one of them; `kiez pair --member`, "I am new here", switching,
 * logging out and revoking one browser. Real daemons, real HTTP.
 */

function expectError (r: Res, status: number, code: string): void {
  expect(r.status, r.text).toBe(status)
  expect(r.json?.error?.code, r.text).toBe(code)
  expect(typeof r.json.error.message).toBe('string')
}

async function post (box: Box, cookie: string | undefined, text: string): Promise<Res> {
  return await call(box, '/api/v1/posts', { method: 'POST', headers: sameOrigin(box, cookie), body: { text } })
}

async function session (box: Box, cookie?: string): Promise<any> {
  const r = await call(box, '/api/v1/session', cookie === undefined ? {} : { headers: { cookie } })
  expect(r.status, r.text).toBe(200)
  return r.json
}

async function newMember (box: Box, cookie: string | undefined, name: unknown): Promise<Res> {
  return await call(box, '/api/v1/members', { method: 'POST', headers: sameOrigin(box, cookie), body: { name } })
}

async function switchTo (box: Box, cookie: string, author: string): Promise<Res> {
  return await call(box, '/api/v1/session/current', {
    method: 'POST',
    headers: sameOrigin(box, cookie),
    body: { author }
  })
}

async function logout (box: Box, cookie: string | undefined, headers = sameOrigin(box, cookie)): Promise<Res> {
  return await call(box, '/api/v1/session', {
    method: 'DELETE',
    headers: { ...headers, 'content-type': 'application/json' }
  })
}

describe('browser sessions: the paired browsers, logging one out, revoking one', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('kiez pair --list names each browser; --revoke ends exactly that one; logging out ends this one', async () => {
    let box = await boxes.start()
    const phone = await pair(box)
    const laptop = await pair(box)
    const third = await pair(box)
    const listed = await box.daemon.browserSessions()
    expect(listed.sessions).toHaveLength(3)
    for (const s of listed.sessions) {
      expect(s.id).toMatch(/^[0-9a-f]{16}$/)
      expect(s.createdAt).toBeGreaterThan(Date.now() - 60_000)
      expect(s.lastSeenAt).toBeGreaterThanOrEqual(s.createdAt)
      expect(s.members).toEqual([])
    }
    expect(new Set(listed.sessions.map((s) => s.id)).size).toBe(3)

    // ids and sessions survive a restart
    await boxes.stop(box)
    box = await boxes.start({ dataDir: box.dataDir })
    expect((await box.daemon.browserSessions()).sessions.map((s) => s.id)).toEqual(listed.sessions.map((s) => s.id))
    expect((await post(box, phone, 'still paired')).status).toBe(201)

    // revoking the second browser: it gets 401, the others go on
    const laptopId = listed.sessions[1]?.id as string
    expect(await box.daemon.revokeSession(laptopId)).toEqual({ revoked: 1 })
    expectError(await post(box, laptop, 'revoked'), 401, 'unauthorized')
    expect((await session(box, laptop)).paired).toBe(false)
    expect((await post(box, phone, 'the phone goes on')).status).toBe(201)
    await expect(box.daemon.revokeSession(laptopId)).rejects.toMatchObject({ status: 404, code: 'session_not_found' })

    // log out this browser: same-origin JSON with a session, like every write
    expectError(await logout(box, phone, { origin: 'http://evil.example', cookie: phone }), 403, 'cross_origin')
    expectError(await logout(box, undefined), 401, 'unauthorized')
    const out = await logout(box, phone)
    expect(out.status, out.text).toBe(204)
    expect([out.headers['set-cookie']].flat()[0]).toMatch(/^kiez_session=; .*Max-Age=0/)
    expectError(await post(box, phone, 'logged out'), 401, 'unauthorized')
    expect((await session(box, phone)).paired).toBe(false)
    expectError(await logout(box, phone), 401, 'unauthorized')
    expect((await box.daemon.browserSessions()).sessions).toHaveLength(1)
    expect((await post(box, third, 'the third one is still paired')).status).toBe(201)
  })

  it('kiez pair --member names a member the box has', async () => {
    const box = await boxes.start()
    await expect(box.daemon.pair({ member: 'Nobody' })).rejects.toMatchObject({
      status: 404,
      code: 'member_not_found'
    })
  })
})

describe('members on the web: the first member, I am new here, switching, posting as', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('a fresh box asks the first browser for a name; its posts, edits and deletes are that member\'s', async () => {
    let box = await boxes.start()
    const boxId = (await call(box, '/api/v1/status')).json.peerId
    expect(await session(box)).toEqual({ paired: false, firstMember: true })
    const first = await pair(box)
    expect(await session(box, first)).toEqual({ paired: true, members: [], firstMember: true })

    // the fields are checked before the box sees them
    expectError(await newMember(box, first, 5), 400, 'invalid_request')
    expectError(await newMember(box, first, ''), 400, 'invalid_request')
    expectError(
      await call(box, '/api/v1/members', {
        method: 'POST',
        headers: sameOrigin(box, first),
        body: { name: 'Anna', extra: 1 }
      }),
      400,
      'invalid_request'
    )
    expectError(await newMember(box, first, 'Anna\u202e'), 400, 'bad_name')
    expectError(await newMember(box, undefined, 'Anna'), 401, 'unauthorized')
    expectError(
      await call(box, '/api/v1/members', {
        method: 'POST',
        headers: { origin: 'http://evil.example', cookie: first },
        body: { name: 'Anna' }
      }),
      403,
      'cross_origin'
    )

    const stream = openSse(box)
    await stream.opened
    const made = await newMember(box, first, 'Anna')
    expect(made.status, made.text).toBe(201)
    const anna = made.json
    expect(anna).toEqual({
      name: 'Anna',
      author: expect.stringMatching(/^12D3KooW/),
      authorKey: expect.stringMatching(/^[0-9a-f]{64}$/)
    })
    expect(anna.author).not.toBe(boxId)
    expect(await session(box, first)).toEqual({ paired: true, members: [anna], current: anna.author })
    expect(await session(box)).toEqual({ paired: false })
    // open pages hear of it and GET /session again
    await eventually(async () => stream.events.some((e) => e.event === 'members') ? true : undefined, {
      what: 'a members event',
      timeoutMs: 5000,
      intervalMs: 50
    })
    stream.close()

    const p = await post(box, first, 'Anna speaking')
    expect(p.status, p.text).toBe(201)
    expect(p.json.authorKey).toBe(anna.authorKey)
    expect(p.json.author).toBe(anna.author)
    const edited = await call(box, `/api/v1/entries/${p.json.id}`, {
      method: 'PUT',
      headers: sameOrigin(box, first),
      body: { text: 'Anna, edited' }
    })
    expect(edited.status, edited.text).toBe(200)
    expect(edited.json).toMatchObject({ text: 'Anna, edited', edited: true, authorKey: anna.authorKey })

    // a name taken (names are unique without case) and the list, for paired browsers only
    expectError(await newMember(box, first, 'anna'), 409, 'member_exists')
    expectError(await call(box, '/api/v1/members'), 401, 'unauthorized')
    const list = await call(box, '/api/v1/members', { headers: { cookie: first } })
    expect(list.json).toEqual({ members: [anna] })

    // a second browser paired to Anna posts as Anna
    const laptop = await pair(box, 'anna')
    expect(await session(box, laptop)).toEqual({ paired: true, members: [anna], current: anna.author })
    const q = await post(box, laptop, 'Anna from the laptop')
    expect(q.json.authorKey).toBe(anna.authorKey)

    // "I am new here" on the laptop: Ben, bound to it and current; Anna stays and the laptop can switch back
    const ben = (await newMember(box, laptop, 'Ben')).json
    expect(await session(box, laptop)).toEqual({ paired: true, members: [anna, ben], current: ben.author })
    expect((await post(box, laptop, 'Ben here')).json.authorKey).toBe(ben.authorKey)
    // Ben may not delete Anna's post: the box answers not_author
    const del = await call(box, `/api/v1/entries/${p.json.id}`, {
      method: 'DELETE',
      headers: { ...sameOrigin(box, laptop), 'content-type': 'application/json' }
    })
    expectError(del, 403, 'not_author')

    const back = await switchTo(box, laptop, anna.author)
    expect(back.status, back.text).toBe(200)
    expect(back.json).toEqual({ paired: true, members: [anna, ben], current: anna.author })
    expect((await post(box, laptop, 'Anna again')).json.authorKey).toBe(anna.authorKey)
    // by key too
    expect((await switchTo(box, laptop, ben.authorKey)).json.current).toBe(ben.author)

    // the phone holds only Anna: it cannot become Ben
    expectError(await switchTo(box, first, ben.author), 403, 'not_member')
    expectError(await switchTo(box, first, 'nobody'), 403, 'not_member')
    expectError(
      await call(box, '/api/v1/session/current', { method: 'POST', headers: sameOrigin(box, first), body: {} }),
      400,
      'invalid_request'
    )

    // a plain `kiez pair` browser on a box with members posts as nobody until it is someone
    const plain = await pair(box)
    expect(await session(box, plain)).toEqual({ paired: true, members: [] })
    expectError(await post(box, plain, 'who am I'), 403, 'member_required')

    // kiez pair --list names the members
    const browsers = (await box.daemon.browserSessions()).sessions
    expect(browsers.map((s) => [s.member, s.members])).toEqual([
      ['Anna', ['Anna']],
      ['Ben', ['Anna', 'Ben']],
      [undefined, []]
    ])

    // everything survives a restart
    await boxes.stop(box)
    box = await boxes.start({ dataDir: box.dataDir })
    expect(await session(box, laptop)).toEqual({ paired: true, members: [anna, ben], current: ben.author })
    expect((await post(box, first, 'Anna after the restart')).json.authorKey).toBe(anna.authorKey)
  })
})

describe('kinds of post from the web are the session member\'s (issue 14 × issue 16)', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('two browsers of one household vote as their members: 2 people in 1 household', async () => {
    const box = await boxes.start()
    const boxId = (await call(box, '/api/v1/status')).json.peerId
    const phone = await pair(box)
    const anna = (await newMember(box, phone, 'Anna')).json
    const laptop = await pair(box)
    const ben = (await newMember(box, laptop, 'Ben')).json
    const send = async (cookie: string, body: object): Promise<Res> =>
      await call(box, '/api/v1/posts', { method: 'POST', headers: sameOrigin(box, cookie), body })
    const poll = await send(phone, { kind: 'poll', text: 'Hoffest?', options: ['Sa', 'So'] })
    expect(poll.status, poll.text).toBe(201)
    expect(poll.json.authorKey).toBe(anna.authorKey)
    const va = await send(phone, { kind: 'vote', target: poll.json.id, choices: [0] })
    const vb = await send(laptop, { kind: 'vote', target: poll.json.id, choices: [1] })
    expect([va.status, vb.status], va.text + vb.text).toEqual([201, 201])
    expect([va.json.authorKey, vb.json.authorKey]).toEqual([anna.authorKey, ben.authorKey])
    // `as` is the session's, never the body's: a body naming one is an unknown field
    expectError(
      await send(laptop, { kind: 'vote', target: poll.json.id, choices: [0], as: 'Anna' }),
      400,
      'invalid_request'
    )
    await eventually(async () => {
      const t = (await call(box, '/api/v1/feed?kind=poll')).json.entries[0]?.tally
      return t?.households === 1 ? t : undefined
    }, { what: 'the household in the tally', timeoutMs: 5000, intervalMs: 100 }).then((t) => {
      expect(t).toMatchObject({ counts: [1, 1], voters: 2, households: 1, unclaimed: 0 })
      expect(t.byHousehold).toEqual([{ household: boxId, voters: 2 }])
    })
  })
})
