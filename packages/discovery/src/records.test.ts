import dnsPacket from 'dns-packet'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SERVICE_TAG as TAG, buildResponse, parseResponse, queryConcernsUs } from './records.js'
import type { Packet } from 'dns-packet'

const ID = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const OTHER = '12D3KooWSdFfcp1BGN8LHfk3GQ3XymcMzJLuBWBzbdPQSGRvtqAa'
const LIMITS = { maxRecordsPerPacket: 64, maxPeersPerPacket: 4, maxAddrsPerPeer: 16 }
/** what a packet looks like after the wire: encode then decode, as multicast-dns hands it to us */
const wire = (p: Packet): Packet =>
  dnsPacket.decode(dnsPacket.encode({
    ...p,
    answers: p.answers?.map(a => ({ ttl: 120, ...a }) as typeof a)
  }))

describe('records', () => {
  it('builds the @libp2p/mdns layout: PTR + one TXT per address in answers, SRV + A in additionals', () => {
    const p = buildResponse('inst', TAG, [multiaddr(`/ip4/198.19.250.1/tcp/7301/p2p/${ID}`)])!
    expect(p.answers).toEqual([
      { name: TAG, type: 'PTR', class: 'IN', ttl: 120, data: `inst.${TAG}` },
      { name: `inst.${TAG}`, type: 'TXT', class: 'IN', ttl: 120, data: `dnsaddr=/ip4/198.19.250.1/tcp/7301/p2p/${ID}` }
    ])
    expect(p.additionals).toEqual([
      {
        name: `inst.${TAG}`,
        type: 'SRV',
        class: 'IN',
        ttl: 120,
        data: { priority: 10, weight: 1, port: 7301, target: 'inst.local' }
      },
      { name: 'inst.local', type: 'A', class: 'IN', ttl: 120, data: '198.19.250.1' }
    ])
  })

  it('has nothing to say without addresses, and skips TXT strings over 255 bytes', () => {
    expect(buildResponse('inst', TAG, [])).toBeUndefined()
    const long = multiaddr(
      `/ip4/198.19.250.1/tcp/1/p2p/${ID}/p2p-circuit/p2p/${OTHER}/p2p-circuit/p2p/${ID}/p2p-circuit/p2p/${OTHER}/p2p-circuit/p2p/${ID}`
    )
    expect(buildResponse('inst', TAG, [long])).toBeUndefined()
  })

  it('round-trips through the wire', () => {
    const p = buildResponse('inst', TAG, [
      multiaddr(`/ip4/198.19.250.1/tcp/7301/p2p/${ID}`),
      multiaddr(`/ip6/fd00::1/tcp/7301/p2p/${ID}`)
    ])!
    const r = parseResponse(wire(p), TAG, LIMITS)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.announcements).toHaveLength(1)
    expect(r.announcements[0]!.instance).toBe('inst')
    expect(r.announcements[0]!.peerId).toBe(ID)
    expect(r.announcements[0]!.multiaddrs.map(String)).toEqual(['/ip4/198.19.250.1/tcp/7301', '/ip6/fd00::1/tcp/7301'])
  })

  it('takes one peer per instance: addresses naming another peer id are dropped', () => {
    const p = wire({
      type: 'response',
      answers: [
        { name: TAG, type: 'PTR', data: `x.${TAG}` },
        {
          name: `x.${TAG}`,
          type: 'TXT',
          data: [`dnsaddr=/ip4/198.19.250.2/tcp/1/p2p/${ID}`, `dnsaddr=/ip4/198.19.250.3/tcp/1/p2p/${OTHER}`]
        },
        { name: `unrelated.${TAG}`, type: 'TXT', data: `dnsaddr=/ip4/198.19.250.4/tcp/1/p2p/${ID}` }
      ]
    })
    const r = parseResponse(p, TAG, LIMITS)
    expect(r.ok && r.announcements.map(a => a.multiaddrs.map(String))).toEqual([['/ip4/198.19.250.2/tcp/1']])
  })

  it('enforces record, peer and address caps', () => {
    const many = Array.from(
      { length: 65 },
      (_, i) => ({ name: `x.${TAG}`, type: 'TXT' as const, data: `dnsaddr=/ip4/198.19.250.2/tcp/${i + 1}/p2p/${ID}` })
    )
    expect(
      parseResponse(
        wire({ type: 'response', answers: [{ name: TAG, type: 'PTR', data: `x.${TAG}` }, ...many] }),
        TAG,
        LIMITS
      )
    )
      .toEqual({ ok: false, reason: 'too-many-records' })
    const r = parseResponse(
      wire({ type: 'response', answers: [{ name: TAG, type: 'PTR', data: `x.${TAG}` }, ...many.slice(0, 40)] }),
      TAG,
      LIMITS
    )
    expect(r.ok && r.announcements[0]!.multiaddrs.length).toBe(16)
    const ptrs = Array.from({ length: 10 }, (_, i) => [
      { name: TAG, type: 'PTR' as const, data: `p${i}.${TAG}` },
      { name: `p${i}.${TAG}`, type: 'TXT' as const, data: `dnsaddr=/ip4/198.19.250.2/tcp/1/p2p/${ID}` }
    ]).flat()
    const r2 = parseResponse(wire({ type: 'response', answers: ptrs }), TAG, LIMITS)
    expect(r2.ok && r2.announcements.length).toBe(4)
  })

  it('treats a goodbye (TTL 0) as no announcement', () => {
    const p = wire({
      type: 'response',
      answers: [
        { name: TAG, type: 'PTR', ttl: 0, data: `x.${TAG}` },
        { name: `x.${TAG}`, type: 'TXT', ttl: 0, data: `dnsaddr=/ip4/198.19.250.2/tcp/1/p2p/${ID}` }
      ]
    })
    expect(parseResponse(p, TAG, LIMITS)).toEqual({ ok: true, announcements: [] })
  })

  it('ignores other services and answers only queries about us', () => {
    const p = wire({
      type: 'response',
      answers: [{ name: '_http._tcp.local', type: 'PTR', data: `x._http._tcp.local` }]
    })
    expect(parseResponse(p, TAG, LIMITS)).toEqual({ ok: true, announcements: [] })
    expect(queryConcernsUs([{ name: '_P2P._udp.local', type: 'PTR' }], TAG, 'inst')).toBe(true)
    expect(queryConcernsUs([{ name: `inst.${TAG}`, type: 'SRV' }], TAG, 'inst')).toBe(true)
    expect(queryConcernsUs([{ name: 'inst.local', type: 'A' }], TAG, 'inst')).toBe(true)
    expect(queryConcernsUs([{ name: '_http._tcp.local', type: 'PTR' }], TAG, 'inst')).toBe(false)
    expect(queryConcernsUs(undefined, TAG, 'inst')).toBe(false)
  })

  it('never throws, whatever bytes arrive', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), bytes => {
        let packet: Packet
        try {
          packet = dnsPacket.decode(Buffer.from(bytes))
        } catch {
          return
        } // multicast-dns drops these before us
        parseResponse(packet, TAG, LIMITS)
      }),
      { numRuns: 2000 }
    )
  })

  it('never throws on structurally odd packets', () => {
    const junk = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.constant(undefined),
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 300 }))),
      fc.object()
    )
    const record = fc.record({
      name: fc.oneof(fc.constant(TAG), fc.constant(`x.${TAG}`), junk),
      type: fc.constantFrom('PTR', 'TXT', 'SRV', 'A', 'OPT', 42),
      data: fc.oneof(fc.constant(`x.${TAG}`), fc.constant(`dnsaddr=/ip4/1.2.3.4/tcp/1/p2p/${ID}`), junk)
    })
    fc.assert(
      fc.property(
        fc.record({
          answers: fc.oneof(fc.array(record, { maxLength: 8 }), junk),
          additionals: fc.oneof(fc.array(record, { maxLength: 8 }), junk)
        }),
        p => {
          const r = parseResponse(p as unknown as Packet, TAG, LIMITS)
          expect(typeof r.ok).toBe('boolean')
        }
      ),
      { numRuns: 2000 }
    )
  })
})
