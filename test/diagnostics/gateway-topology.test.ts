/**
 * Issue 5: the web gateway serves the mesh map (`GET /api/v1/topology`) for a
 * page to draw, from one cached crawl. In-process daemons on 127.0.0.1.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { Boxes, call } from '../gateway/helpers.ts'

describe('GET /api/v1/topology', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('two boxes: the map from the gateway, cached for all readers', async () => {
    const a = await boxes.start()
    const b = await boxes.start({
      bootstrap: [`/ip4/127.0.0.1/tcp/${portOf(await a.daemon.status())}/p2p/${a.daemon.peerId ?? ''}`]
    })
    await eventually(async () => (await b.daemon.status()).counts.peers === 1, {
      what: 'b connected to a',
      timeoutMs: 20_000,
      intervalMs: 500
    })
    const first = await eventually(async () => {
      const r = await call(b, '/api/v1/topology')
      expect(r.status).toBe(200)
      return r.json.boxes.length === 2 && r.json.links.length === 1 ? r : undefined
    }, { what: 'a map with both boxes', timeoutMs: 30_000, intervalMs: 11_000 }) // the map is cached 10 s: a retry must outlive the cache
    expect(first.json.self).toBe(b.daemon.peerId)
    expect(first.json.links[0].oneSided).toBe(false)
    const again = await call(b, '/api/v1/topology')
    // served from the cache: the same crawl (its duration), a little older
    expect(again.json.durationMs).toBe(first.json.durationMs)
    expect(again.json.ageMs).toBeGreaterThanOrEqual(first.json.ageMs)
  }, 60_000)
})

function portOf (s: { listenAddrs: string[] }): string {
  return /\/tcp\/(\d+)/.exec(s.listenAddrs.find((x) => x.includes('127.0.0.1')) ?? '')?.[1] ?? '0'
}
