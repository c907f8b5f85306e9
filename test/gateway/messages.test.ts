import { afterAll, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { Boxes, call, openSse, pair, sameOrigin, type Box, type Res } from './helpers.ts'

/**
 * Private messages on the web API (issue 15): only the session's current
 * member's conversations, sending, marking read, blocking, and an SSE event
 * without names. Real daemon, real HTTP.
 */

function expectError (r: Res, status: number, code: string): void {
  expect(r.status, r.text).toBe(status)
  expect(r.json?.error?.code, r.text).toBe(code)
}

async function get (box: Box, cookie: string | undefined, query = ''): Promise<Res> {
  return await call(box, `/api/v1/messages${query}`, cookie === undefined ? {} : { headers: { cookie } })
}

async function send (box: Box, cookie: string, to: string[], text: string): Promise<Res> {
  return await call(box, '/api/v1/messages', { method: 'POST', headers: sameOrigin(box, cookie), body: { to, text } })
}

describe('GET/POST /api/v1/messages', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('each browser sees its member\'s conversations only; send, read, mark read, block; an SSE event', async () => {
    const box = await boxes.start()
    const people = box.daemon.members()
    for (const n of ['anna', 'ben', 'carla']) await people?.add(n)
    const anna = await pair(box, 'anna')
    const ben = await pair(box, 'ben')
    const carla = await pair(box, 'carla')
    const unpaired = undefined

    expectError(await get(box, unpaired), 401, 'unauthorized')
    expectError(await send(box, anna, ['ben'], ''), 400, 'invalid_request')

    const sse = openSse(box)
    await sse.opened
    const s = await send(box, anna, ['ben'], 'Drill at 6?')
    expect(s.status, s.text).toBe(201)
    expect(s.json.to).toHaveLength(1)
    await eventually(() => sse.events.some((e) => e.event === 'messages' && e.data === '{}'), {
      what: 'a messages event',
      timeoutMs: 10_000
    })

    const list = await get(box, ben)
    expect(list.status, list.text).toBe(200)
    expect(list.json).toMatchObject({ unread: 1, conversations: [{ name: 'anna', unread: 1, count: 1 }] })
    const peer = list.json.conversations[0].peer as string
    const conv = await get(box, ben, `?with=${peer}`)
    expect(conv.json.messages).toMatchObject([{ text: 'Drill at 6?', out: false }])
    // reading does not mark read; POST /messages/read does
    expect((await get(box, ben)).json.unread).toBe(1)
    const read = await call(box, '/api/v1/messages/read', {
      method: 'POST',
      headers: sameOrigin(box, ben),
      body: { with: peer }
    })
    expect(read.status, read.text).toBe(200)
    expect(read.json.unread).toBe(0)

    // carla, on the same box, sees nothing of it
    expect((await get(box, carla)).json.conversations).toEqual([])
    expect((await get(box, carla, `?with=${peer}`)).json.messages).toEqual([])
    // the public feed does not show it
    expect((await call(box, '/api/v1/feed')).text).not.toContain('Drill at 6?')
    expect((await call(box, '/api/v1/feed')).text).not.toContain(s.json.id)

    expectError(await send(box, anna, ['nobody-here'], 'hi'), 404, 'unknown_recipient')

    const blocked = await call(box, '/api/v1/messages/blocks', {
      method: 'POST',
      headers: sameOrigin(box, ben),
      body: { author: 'anna' }
    })
    expect(blocked.status, blocked.text).toBe(200)
    expect((await get(box, ben)).json.conversations).toEqual([])
  })
})
