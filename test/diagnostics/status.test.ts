/**
 * Issue 5, diagnostics: `kiez status` health lines and `kiez peers -v` (agent
 * version, per-peer sync state) on real daemons in the lab.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import { kiezJson, peerIds, post, startDaemons, waitConnected } from '../mesh/helpers.ts'
import { expectSchema } from './schemas.ts'

const skip = labSkipReason()

interface Health {
  health: Array<{ name: string, status: string, detail: string }>
}
interface PeersV {
  peers: Array<{ peerId: string, agentVersion?: string, sync?: { weLack: number, theyLack: number } }>
}

describe.skipIf(skip !== undefined)(`kiez status / peers -v${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it(
    'a lone box without mDNS says so; two boxes in step: peers -v shows agent and 0/0 sync, status is healthy',
    async () => {
      const lab = await createLab({ ...line(2), mode: 'segment' })
      try {
        await startDaemons(lab, [0], () => ['--no-mdns', '--no-http'])
        const alone = await kiezJson<Health>(lab, 0, ['status'])
        expectSchema('status', alone)
        expect(alone.health.map((h) => h.name).sort()).toEqual(['dht', 'mdns', 'neighbours'])
        const text = await lab.kiez(0, ['status'])
        expect(text.stdout).toMatch(/health\s+warn: mDNS is off/)
        await lab.kill(0)

        await startDaemons(lab, [0, 1], () => ['--no-http'])
        const ids = await peerIds(lab, [0, 1])
        await waitConnected(lab, 0, [ids[1] as string])
        await post(lab, 1, 'hello from box 1')
        const peers = await eventually(async () => {
          const p = await kiezJson<PeersV>(lab, 0, ['peers', '-v'])
          const one = p.peers.find((x) => x.peerId === ids[1])
          return one?.sync !== undefined && one.sync.weLack === 0 && one.agentVersion !== undefined ? p : undefined
        }, { what: 'box 0 in step with box 1', timeoutMs: 30_000, intervalMs: 1000 })
        expectSchema('peers', peers)
        expect(peers.peers.find((x) => x.peerId === ids[1])?.agentVersion).toMatch(/^kiez\//)
        const table = await lab.kiez(0, ['peers', '-v'])
        expect(table.stdout).toMatch(/AGENT\s+WE LACK\s+THEY LACK/)
        const healthy = await eventually(async () => {
          const s = await kiezJson<Health>(lab, 0, ['status'])
          return s.health.every((h) => h.name === 'dht')
            ? s
            : undefined
        }, { what: 'no health lines but the DHT', timeoutMs: 30_000, intervalMs: 1000 })
        expectSchema('status', healthy)
      } finally {
        await lab.close()
      }
    },
    90_000
  )
})
