/**
 * Issue 14 §2, vouching by proximity: a box's mDNS neighbours vouch for it,
 * and a box reached only over the routed network (a bootstrap address, the
 * DHT) does not, however long it stays connected. Real daemons in a routed
 * 3-box line: 0 — 1 — 2, each link its own L2, so mDNS pairs 0–1 and 1–2 only.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, labSkipReason, line, NODE_BIN, type Lab } from '../lab/index.ts'
import { connectedPeers, isMsg, kiezJson, logTimeMs, peerIds, post, startDaemons, waitConnected } from './helpers.ts'
import type { EntryJson, FeedJson } from './helpers.ts'

const skip = labSkipReason()

/**
 * Names the box through its own web API, as a paired browser would (a profile: then the box is a household
 * its neighbours see with a name). Runs inside the box's namespace, where its gateway listens on 7300.
 */
async function nameBox (lab: Lab, box: number, name: string): Promise<void> {
  const { code } = await kiezJson<{ code: string }>(lab, box, ['pair'])
  const script = `
    const http = require('node:http')
    const call = (path, body, cookie) => new Promise((resolve, reject) => {
      const data = JSON.stringify(body)
      const req = http.request({ host: '127.0.0.1', port: 7300, method: 'POST', path, headers: {
        host: '127.0.0.1:7300', origin: 'http://127.0.0.1:7300', 'content-type': 'application/json',
        'content-length': Buffer.byteLength(data), ...(cookie ? { cookie } : {}) } }, (res) => {
        let text = ''
        res.on('data', (c) => { text += c })
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }))
      })
      req.on('error', reject)
      req.end(data)
    })
    ;(async () => {
      const paired = await call('/api/v1/pair', { code: process.env.CODE })
      if (paired.status !== 201) throw new Error('pair: ' + paired.status + ' ' + paired.text)
      const cookie = [paired.headers['set-cookie']].flat()[0].split(';')[0]
      const named = await call('/api/v1/profile', { name: process.env.NAME }, cookie)
      if (named.status !== 201) throw new Error('profile: ' + named.status + ' ' + named.text)
    })().catch((err) => { console.error(err.message); process.exit(1) })
  `
  const r = await lab.exec(box, [NODE_BIN, '-e', script], { env: { CODE: code, NAME: name } })
  expect(r.code, r.stderr).toBe(0)
}

async function feed (lab: Lab, box: number): Promise<EntryJson[]> {
  return (await kiezJson<FeedJson>(lab, box, ['feed', '--limit', '200'])).entries
}

describe.skipIf(skip !== undefined)(`vouching by proximity${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('mDNS neighbours vouch for a box within 60 s; a box connected over the routed network does not', async () => {
    const lab = await createLab({ ...line(3), mode: 'routed', env: { KIEZ_VOUCH: '1' } })
    try {
      await startDaemons(lab, [0, 1])
      const [id0, id1] = await peerIds(lab, [0, 1]) as [string, string]
      // box 2 dials box 0 by address through box 1's routing: connected, but never on box 0's link
      const since = Date.now()
      await startDaemons(lab, [2], () => ['--bootstrap', `/ip4/${lab.address(0, 0)}/tcp/7301/p2p/${id0}`])
      const [id2] = await peerIds(lab, [2]) as [string]
      await Promise.all([
        waitConnected(lab, 0, [id1, id2], 30_000),
        waitConnected(lab, 1, [id0, id2], 30_000),
        waitConnected(lab, 2, [id0, id1], 30_000)
      ])
      const connectedAt = Date.now()
      const link02 = (await connectedPeers(lab, 0)).find((p) => p.peerId === id2)?.source
      const link20 = (await connectedPeers(lab, 2)).find((p) => p.peerId === id0)?.source
      console.info(`box 0 says box 2 was found by ${String(link02)}, box 2 says box 0 by ${String(link20)}`)
      expect(link02).not.toBe('mdns')
      expect(link20).not.toBe('mdns')

      await Promise.all([nameBox(lab, 0, 'Hof 0'), nameBox(lab, 2, 'Hof 2')])
      const p0 = await post(lab, 0, 'Hallo von Hof 0')
      const p2 = await post(lab, 2, 'Hallo von Hof 2')

      // box 1 (on both links) vouches for both: box 2's feed shows box 0's post "seen by 1", and box 0's box 2's
      const seen = await eventually(async () => {
        const a = (await feed(lab, 2)).find((e) => e.id === p0.id)
        const b = (await feed(lab, 0)).find((e) => e.id === p2.id)
        if (a?.household?.seenBy !== 1 || b?.household?.seenBy !== 1) {
          throw new Error(`seen by: box 0 ${String(a?.household?.seenBy)}, box 2 ${String(b?.household?.seenBy)}`)
        }
        return { a, b }
      }, { what: 'box 1\'s vouches to reach boxes 0 and 2', timeoutMs: 60_000, intervalMs: 1000 })
      const tookMs = Date.now() - connectedAt
      const started = logTimeMs(lab.logs(1).find(isMsg('daemon started'))!)
      const vouchedAt = lab.logs(1).filter(isMsg('vouched for a box on our link')).map((l) => logTimeMs(l) - started)
      console.info(
        `box 1 vouched ${vouchedAt.join(', ')} ms after its start; seen by 1 on boxes 0 and 2 ${tookMs} ms after ` +
          `all three were connected (${connectedAt - since} ms after box 2 started)`
      )
      expect(seen.a.household).toEqual({ id: id0, name: 'Hof 0', seenBy: 1 })
      expect(seen.b.household).toEqual({ id: id2, name: 'Hof 2', seenBy: 1 })
      expect(tookMs).toBeLessThan(60_000)

      // Several vouching rounds (every 10 s) later, 0 and 2 still vouch only for box 1: they share no link.
      await new Promise((resolve) => setTimeout(resolve, 25_000))
      for (const box of [0, 1, 2]) {
        const entries = await feed(lab, box)
        expect(entries.find((e) => e.id === p0.id)?.household?.seenBy, `box ${box} on box 0`).toBe(1)
        expect(entries.find((e) => e.id === p2.id)?.household?.seenBy, `box ${box} on box 2`).toBe(1)
      }
      const vouched = (box: number, peer: string): boolean =>
        lab.logs(box).some(isMsg('vouched for a box on our link', (j) => j.box === peer))
      expect(vouched(1, id0) && vouched(1, id2) && vouched(0, id1) && vouched(2, id1)).toBe(true)
      expect(vouched(0, id2), 'box 0 vouched for box 2').toBe(false)
      expect(vouched(2, id0), 'box 2 vouched for box 0').toBe(false)
    } finally {
      await lab.close()
    }
  }, 180_000)
})
