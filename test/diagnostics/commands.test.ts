/**
 * Issue 5: every client command's --json output against its schema in
 * packages/cli/schemas, and the error paths (daemon down, bad peer id, no
 * route) with their documented exit statuses. A 3-box routed line: box 0 and
 * box 2 share no segment, so box 0 reaches box 2 through the DHT.
 */
import { describe, expect, it } from 'vitest'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import { kiezJson, peerIds, startDaemons, waitConnected, waitUntil } from '../mesh/helpers.ts'
import type { EntryJson } from '@kiez/daemon/control'
import { expectSchema } from './schemas.ts'

const skip = labSkipReason()

describe.skipIf(skip !== undefined)(`every command's --json${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('validates against its schema; error paths exit 69 / 1 / 2 with one error document', async () => {
    const lab = await createLab({ ...line(3), mode: 'routed' })
    try {
      await startDaemons(lab, [0, 1, 2])
      const ids = await peerIds(lab, [0, 1, 2]) as [string, string, string]
      await Promise.all([waitConnected(lab, 1, [ids[0], ids[2]])])

      const peers = await kiezJson<{ peers: Array<{ peerId: string, source: string | null }> }>(lab, 1, ['peers'])
      expectSchema('peers', peers)
      // box 1 sits on both segments: it found both neighbours by mDNS (or they it: inbound)
      for (const id of [ids[0], ids[2]]) expect(['mdns', 'inbound']).toContain(peers.peers.find((p) => p.peerId === id)?.source)
      expectSchema('peers', await kiezJson(lab, 1, ['peers', '-v']))
      expectSchema('status', await kiezJson(lab, 0, ['status']))
      const posted = await kiezJson<EntryJson>(lab, 2, ['post', 'schema check'])
      expectSchema('entry', posted)
      expectSchema('feed', await kiezJson(lab, 2, ['feed', '--limit', '5']))
      expectSchema('pair', await kiezJson(lab, 0, ['pair']))
      expectSchema('dht-table', await kiezJson(lab, 0, ['dht', 'table']))
      // box 2 is not box 0's neighbour: the DHT has to find it
      const found = await waitUntil('box 2 in the DHT', async () => await kiezJson(lab, 0, ['dht', 'find', ids[2]], 40_000), 40_000, 1000)
      expectSchema('dht-find', found)
      const ping = await kiezJson<{ rttsMs: number[] }>(lab, 0, ['ping', ids[2], '-c', '2'], 40_000)
      expectSchema('ping', ping)
      expect(ping.rttsMs.length).toBeGreaterThan(0)
      expectSchema('sync', await kiezJson(lab, 0, ['sync']))
      expectSchema('why', await kiezJson(lab, 0, ['why', posted.id]))
      expectSchema('topology', await kiezJson(lab, 0, ['topology']))
      expectSchema('doctor', await kiezJson(lab, 0, ['doctor']))

      // bad peer id / bad value: the daemon refuses (1), or commander does (2)
      const bad = await lab.kiez(0, ['ping', 'not-a-peer', '--json'])
      expect(bad.code).toBe(1)
      expectSchema('error', JSON.parse(bad.stdout))
      expect(bad.stderr.trim().split('\n')).toHaveLength(1)
      expect((await lab.kiez(0, ['ping', ids[2], '-c', '0'])).code).toBe(2)
      // a peer nobody runs, at an address where nothing listens: refused at once, "no route"
      const nobody = '12D3KooWGRUVh7bKPd8aoFmLr2Hh4ofwAPPTfmqgQzbTjwZB3bMH'
      const closed = await lab.kiez(0, ['ping', `/ip4/${lab.address(1, 0)}/tcp/9/p2p/${nobody}`, '--json'])
      expect(closed.code).toBe(1)
      expect(['no_route', 'no_reply']).toContain((JSON.parse(closed.stdout) as { error: { code: string } }).error.code)

      // daemon down: every client command exits 69 with one error document
      await lab.kill(2)
      for (const args of [['status'], ['peers'], ['feed'], ['sync'], ['dht', 'table'], ['dht', 'find', ids[0]], ['ping', ids[0]], ['post', 'x'], ['pair'], ['topology'], ['why', posted.id]]) {
        const r = await lab.kiez(2, [...args, '--json'])
        expect(r.code, args.join(' ')).toBe(69)
        expectSchema('error', JSON.parse(r.stdout))
        expect(r.stderr).toMatch(/start one with `kiez daemon --data-dir/)
      }
    } finally {
      await lab.close()
    }
  }, 120_000)
})
