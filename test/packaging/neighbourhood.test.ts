/**
 * Issue 5: the docker/compose.yaml neighbourhood, built for real out of
 * network namespaces. The lab spec is generated FROM the compose file
 * (services = boxes in order, networks = street segments), so the two cannot
 * drift; each box runs `kiez daemon` with its service's environment and mDNS
 * on, as the containers do. Root only; skipped with the reason otherwise.
 */
import { describe, expect, it } from 'vitest'
import { createLab, labSkipReason } from '../lab/index.ts'
import type { PeerJson } from '../mesh/helpers.ts'
import { connectedPeers, isMsg, peerIds, post, waitConnected, waitFeedsHave } from '../mesh/helpers.ts'
import { composeToLabSpec, loadCompose, serviceEnv, yamlSkipReason } from './packaging.ts'

const skip = labSkipReason() ?? yamlSkipReason()

describe.skipIf(skip !== undefined)(
  `compose neighbourhood in the lab${skip !== undefined ? ` (skipped: ${skip})` : ''}`,
  () => {
    it(
      'a post on street 1 reaches street 3 through both corners; each corner finds both its streets by mDNS',
      async () => {
        const compose = loadCompose()
        const spec = composeToLabSpec(compose)
        const names = spec.names!
        const all = names.map((_, i) => i)
        const streetsOf = (b: number): number[] => spec.links.flatMap((m, l) => (m.includes(b) ? [l] : []))
        const corners = all.filter((b) => streetsOf(b).length === 2)
        const first = spec.links[0]!.find((b) => streetsOf(b).length === 1)!
        const last = spec.links.at(-1)!.filter((b) => streetsOf(b).length === 1).at(-1)!
        expect(corners).toHaveLength(2)

        const lab = await createLab({ boxes: spec.boxes, links: spec.links, names })
        try {
          // The image sets KIEZ_DATA_DIR=/data; the lab gives each box its own --data-dir instead.
          for (const b of all) {
            const env = Object.entries(serviceEnv(compose.services[names[b]!]!)).filter(([k]) => k !== 'KIEZ_DATA_DIR')
            lab.start(b, { env: Object.fromEntries(env) })
          }
          await Promise.all(all.map(async (b) => await lab.waitForLog(b, isMsg('daemon started'), 30_000)))
          const ids = await peerIds(lab, all)
          const neighbours = (b: number, street: number): string[] =>
            spec.links[street]!.filter((n) => n !== b).map((n) => ids[n]!)

          // Each corner: connected to every box of both its streets, and every such link was made
          // by mDNS: whichever side dialled first records `mdns`, the other `inbound` (who wins is a race).
          for (const c of corners) {
            const peers = await waitConnected(lab, c, streetsOf(c).flatMap((s) => neighbours(c, s)), 45_000)
            const listed = await connectedPeers(lab, c)
            for (const s of streetsOf(c)) {
              const onStreet = listed.filter((p: PeerJson) => neighbours(c, s).includes(p.peerId))
              const how = onStreet.map((p) => `${names[ids.indexOf(p.peerId)]}:${String(p.source)}`).join(' ')
              console.info(`${names[c]} on ${spec.streets[s]}: ${how}`)
              expect(onStreet.length, `${names[c]} on ${spec.streets[s]}`).toBe(neighbours(c, s).length)
              for (const p of onStreet) {
                expect(['mdns', 'inbound'], how).toContain(p.source)
                if (p.source === 'mdns') continue
                // the corner did not dial it: then the neighbour found the corner by mDNS
                const theirs = (await connectedPeers(lab, ids.indexOf(p.peerId))).find((q: PeerJson) =>
                  q.peerId === ids[c]
                )
                expect(theirs?.source, `${names[ids.indexOf(p.peerId)]}'s view of ${names[c]}`).toBe('mdns')
              }
            }
            // Nobody from a street the corner is not on (Docker isolates bridges; the lab has no route).
            const foreign = all.filter((b) => !streetsOf(b).some((s) => streetsOf(c).includes(s))).map((b) => ids[b])
            expect(peers.filter((p) => foreign.includes(p.peerId))).toEqual([])
          }

          const text = `Flohmarkt Sunday 10:00, from ${names[first]}`
          await post(lab, first, text)
          await waitFeedsHave(lab, all, [text], 45_000)
          // It was relayed: the two ends never had a connection.
          expect((await connectedPeers(lab, last)).map((p) => p.peerId)).not.toContain(ids[first])
          expect(lab.logs(last).some(isMsg('peer connected', (j) => j.peer === ids[first]))).toBe(false)
        } finally {
          await lab.close()
        }
      },
      150_000
    )
  }
)
