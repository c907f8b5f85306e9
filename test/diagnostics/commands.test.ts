/**
 * Issue 5: every client command's --json output against its schema in
 * packages/cli/schemas, and the error paths (daemon down, bad peer id, no
 * route, timeout) with their documented exit statuses. A 4-box routed line:
 * box 0 and box 3 share no segment, so box 0 finds box 3 through the DHT.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import { kiezJson, peerIds, startDaemons, waitConnected } from '../mesh/helpers.ts'
import type { DhtFindJson, EntryJson, PingJson } from '@kiez/daemon/control'
import { expectSchema } from './schemas.ts'

const skip = labSkipReason()

describe.skipIf(skip !== undefined)(`every command's --json${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('validates against its schema; error paths exit 69 / 1 / 2 with one error document', async () => {
    const lab = await createLab({ ...line(4), mode: 'routed' })
    try {
      await startDaemons(lab, [0, 1, 2, 3])
      const ids = await peerIds(lab, [0, 1, 2, 3]) as [string, string, string, string]
      await Promise.all([waitConnected(lab, 1, [ids[0], ids[2]]), waitConnected(lab, 2, [ids[1], ids[3]])])

      // box 1 sits on both segments: its own mDNS hears both neighbours, and mdns outranks whatever found
      // them first (the routed DHT, or their dial: inbound) — docs/CLI.md "found by"
      type PeersJson = { peers: Array<{ peerId: string, source: string | null, remoteAddr?: string }> }
      const peers = await eventually(async () => {
        const p = await kiezJson<PeersJson>(lab, 1, ['peers'])
        return [ids[0], ids[2]].every((id) => p.peers.find((x) => x.peerId === id)?.source === 'mdns') ? p : undefined
      }, { what: 'box 1 lists both neighbours as found by mdns', timeoutMs: 30_000, intervalMs: 500 })
      expectSchema('peers', peers)
      // the address shown is the one the connection uses: the neighbour's address on the shared segment
      for (const [box, link, id] of [[0, 0, ids[0]], [2, 1, ids[2]]] as const) {
        expect(
          peers.peers.find((x) => x.peerId === id)?.remoteAddr?.startsWith(`/ip4/${lab.address(box, link)}/tcp/`),
          `box ${box}'s remoteAddr`
        ).toBe(true)
      }
      expectSchema('peers', await kiezJson(lab, 1, ['peers', '-v']))
      expectSchema('status', await kiezJson(lab, 0, ['status']))
      const posted = await kiezJson<EntryJson>(lab, 3, ['post', 'schema check'])
      expectSchema('entry', posted)
      expectSchema('feed', await kiezJson(lab, 3, ['feed', '--limit', '5']))
      expectSchema('pair', await kiezJson(lab, 0, ['pair']))
      expectSchema('dht-table', await kiezJson(lab, 0, ['dht', 'table']))
      // box 3 is two segments away from box 0: the DHT has to find it
      const found = await eventually(async () => await kiezJson<DhtFindJson>(lab, 0, ['dht', 'find', ids[3]], 40_000), {
        what: 'box 3 in the DHT',
        timeoutMs: 40_000,
        intervalMs: 1000
      })
      expectSchema('dht-find', found)
      // the path the lookup took: box 3 was named by a box box 0 asked, never by box 0 itself
      expect(found.foundBy).not.toBe(ids[0])
      expect(found.path.map((h) => h.peerId)).toContain(found.foundBy)
      const human = await lab.kiez(0, ['dht', 'find', ids[3]], { timeoutMs: 40_000 })
      expect(human.code).toBe(0)
      expect(human.stdout).toMatch(/^named by\s+12D3KooW/m)
      expect(human.stdout).toMatch(/^path\s+\d+ ms  12D3KooW\S+  (named \d+ closer|error: )/m)
      const ping = await kiezJson<PingJson>(lab, 0, ['ping', ids[3], '-c', '2', '--timeout', '3'], 40_000)
      expectSchema('ping', ping)
      expect(ping).toMatchObject({ count: 2, timeoutMs: 3000 })
      expect(ping.rttsMs.length).toBeGreaterThan(0)
      expectSchema('sync', await kiezJson(lab, 0, ['sync']))
      expectSchema('sync', await kiezJson(lab, 0, ['sync', ids[3]]))
      expectSchema('why', await kiezJson(lab, 0, ['why', posted.id]))
      expectSchema('topology', await kiezJson(lab, 0, ['topology']))
      expectSchema('doctor', await kiezJson(lab, 0, ['doctor']))

      // bad peer id / bad value: the daemon refuses (1), or commander does (2)
      const bad = await lab.kiez(0, ['ping', 'not-a-peer', '--json'])
      expect(bad.code).toBe(1)
      expectSchema('error', JSON.parse(bad.stdout))
      expect(bad.stderr.trim().split('\n')).toHaveLength(1)
      expect((await lab.kiez(0, ['ping', ids[3], '-c', '0'])).code).toBe(2)
      expect((await lab.kiez(0, ['ping', ids[3], '--timeout', '0'])).code).toBe(2)
      const badAuthor = await lab.kiez(0, ['sync', 'not-a-peer', '--json'])
      expect(badAuthor.code).toBe(1)
      expect(JSON.parse(badAuthor.stdout)).toMatchObject({ error: { code: 'bad_author' } })
      expect(badAuthor.stderr.trim().split('\n')).toHaveLength(1)
      // a peer nobody runs, at an address where nothing listens: refused at once, "no route"
      const nobody = '12D3KooWGRUVh7bKPd8aoFmLr2Hh4ofwAPPTfmqgQzbTjwZB3bMH'
      const closed = await lab.kiez(0, ['ping', `/ip4/${lab.address(1, 0)}/tcp/9/p2p/${nobody}`, '--json'])
      expect(closed.code).toBe(1)
      expect(['no_route', 'no_reply']).toContain((JSON.parse(closed.stdout) as { error: { code: string } }).error.code)
      // timeout: an address on box 0's own segment that nobody holds (ARP goes unanswered, packets are dropped)
      const started = Date.now()
      const silent = await lab.kiez(0, [
        'ping',
        `/ip4/198.18.0.200/tcp/7301/p2p/${nobody}`,
        '-c',
        '3',
        '--timeout',
        '2',
        '--json'
      ])
      const tookMs = Date.now() - started
      console.info(`kiez ping -c 3 --timeout 2 to a dropped address: ${tookMs} ms`)
      expect(tookMs).toBeLessThan(10_000)
      expect(silent.code).toBe(1)
      expectSchema('error', JSON.parse(silent.stdout))
      expect(['no_route', 'no_reply']).toContain((JSON.parse(silent.stdout) as { error: { code: string } }).error.code)
      expect(silent.stderr).toMatch(/no reply|no route/)

      // daemon down: every client command exits 69 with one error document
      await lab.kill(3)
      for (
        const args of [
          ['status'],
          ['peers'],
          ['feed'],
          ['sync'],
          ['sync', ids[0]],
          ['dht', 'table'],
          ['dht', 'find', ids[0]],
          ['ping', ids[0]],
          ['post', 'x'],
          ['pair'],
          ['topology'],
          ['why', posted.id]
        ]
      ) {
        const r = await lab.kiez(3, [...args, '--json'])
        expect(r.code, args.join(' ')).toBe(69)
        expectSchema('error', JSON.parse(r.stdout))
        expect(r.stderr).toMatch(/start one with `kiez daemon --data-dir/)
      }
    } finally {
      await lab.close()
    }
  }, 120_000)
})
