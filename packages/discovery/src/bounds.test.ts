import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { addrsForLink, onLink } from './addresses.js'
import { cidrContains, parseCidr } from './cidr.js'
import { InvalidMdnsInitError, kiezMdns } from './index.js'
import { listLinks } from './links.js'
import { PeerTable } from './peer-table.js'
import type { LinkInfo } from './links.js'
import type { NetworkInterfaceInfo } from 'node:os'

const ID = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const OTHER = '12D3KooWSdFfcp1BGN8LHfk3GQ3XymcMzJLuBWBzbdPQSGRvtqAa'
const link = (name: string, ipv4: string, ...cidrs: string[]): LinkInfo => ({
  name,
  ipv4,
  cidrs: cidrs.map(c => parseCidr(c)!)
})

describe('cidr', () => {
  it('matches IPv4 and IPv6 prefixes', () => {
    const v4 = parseCidr('198.19.250.1/24')!
    expect(cidrContains(v4, '198.19.250.200')).toBe(true)
    expect(cidrContains(v4, '198.19.251.1')).toBe(false)
    expect(cidrContains(v4, '::ffff:198.19.250.7')).toBe(true)
    expect(cidrContains(parseCidr('198.19.250.129/25')!, '198.19.250.100')).toBe(false)
    expect(cidrContains(parseCidr('0.0.0.0/0')!, '203.0.113.1')).toBe(true)
    const v6 = parseCidr('fd00:1:2::1/64')!
    expect(cidrContains(v6, 'fd00:1:2:0:abcd::9')).toBe(true)
    expect(cidrContains(v6, 'fd00:1:3::9')).toBe(false)
    expect(cidrContains(v6, '198.19.250.1')).toBe(false)
    expect(cidrContains(v4, 'not an ip')).toBe(false)
  })

  it('rejects nonsense', () => {
    for (const bad of ['', '1.2.3.4', '1.2.3.4/33', 'x/24', '1.2.3.4/-1', '::/129']) {
      expect(parseCidr(bad)).toBeUndefined()
    }
  })
})

describe('addrsForLink', () => {
  const eth1 = link('eth1', '198.19.250.1', '198.19.250.1/24')
  it('announces on a link only what is reachable there, with the wildcard replaced by the link address', () => {
    const ours = [
      '/ip4/127.0.0.1/tcp/7301',
      '/ip4/198.19.250.1/tcp/7301',
      '/ip4/198.19.251.1/tcp/7301',
      '/ip4/0.0.0.0/tcp/7302',
      '/ip4/0.0.0.0/tcp/0',
      '/dns4/box.example/tcp/7301',
      `/ip4/198.19.250.9/tcp/1/p2p/${OTHER}/p2p-circuit`
    ].map(a => multiaddr(a))
    expect(addrsForLink(ours, eth1, ID).map(String)).toEqual([
      `/ip4/198.19.250.1/tcp/7301/p2p/${ID}`,
      `/ip4/198.19.250.1/tcp/7302/p2p/${ID}`
    ])
  })
  it('keeps our own /p2p suffix and does not duplicate', () => {
    const ours = [`/ip4/198.19.250.1/tcp/7301/p2p/${ID}`, '/ip4/198.19.250.1/tcp/7301'].map(a => multiaddr(a))
    expect(addrsForLink(ours, eth1, ID).map(String)).toEqual([`/ip4/198.19.250.1/tcp/7301/p2p/${ID}`])
  })
  it('onLink needs an IP on one of the prefixes', () => {
    expect(onLink(multiaddr('/ip4/198.19.250.7/tcp/1'), eth1)).toBe(true)
    expect(onLink(multiaddr('/ip4/203.0.113.7/tcp/1'), eth1)).toBe(false)
    expect(onLink(multiaddr('/dns4/198.19.250.7/tcp/1'), eth1)).toBe(false)
  })
})

describe('listLinks', () => {
  const nic = (address: string, cidr: string, extra: Partial<NetworkInterfaceInfo> = {}): NetworkInterfaceInfo =>
    ({
      address,
      cidr,
      netmask: '',
      mac: '00:00:00:00:00:00',
      internal: false,
      family: address.includes(':') ? 'IPv6' : 'IPv4',
      ...extra
    }) as NetworkInterfaceInfo
  const table = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
    lo: [nic('127.0.0.1', '127.0.0.1/8', { internal: true })],
    eth0: [
      nic('fe80::1', 'fe80::1/64'),
      nic('198.19.250.1', '198.19.250.1/24'),
      nic('fd00::1', 'fd00::1/64'),
      nic('198.19.9.1', '198.19.9.1/24')
    ],
    eth1: [nic('fd01::1', 'fd01::1/64')],
    tun0: [nic('198.19.251.1', '198.19.251.1/24')]
  })
  const multicast = (name: string): boolean => name !== 'tun0'

  it('takes multicast-capable IPv4 interfaces, skips loopback, v6-only and non-multicast ones', () => {
    const links = listLinks({ includeLoopback: false }, table, multicast)
    expect(links.map(l => l.name)).toEqual(['eth0'])
    expect(links[0]!.ipv4).toBe('198.19.250.1')
    expect(links[0]!.cidrs.map(c => c.text)).toEqual(['198.19.250.1/24', 'fd00::1/64', '198.19.9.1/24'])
  })
  it('honours includeLoopback, interfaces and ignoreInterfaces', () => {
    expect(listLinks({ includeLoopback: true }, table, multicast).map(l => l.name)).toEqual(['eth0', 'lo'])
    expect(listLinks({ includeLoopback: true, interfaces: ['lo'] }, table, multicast).map(l => l.name)).toEqual(['lo'])
    expect(listLinks({ includeLoopback: false, ignoreInterfaces: ['eth0'] }, table, multicast)).toEqual([])
  })
})

describe('bounds', () => {
  it('PeerTable forgets the least recently heard peer when full', () => {
    const t = new PeerTable(2)
    const seen = { interface: 'eth1', localAddress: '198.19.250.1', cidrs: [], from: '198.19.250.2', multiaddrs: [] }
    t.touch('a', seen, 1)
    t.touch('b', seen, 2)
    t.touch('a', seen, 3)
    t.touch('c', seen, 4)
    expect([...t.entries()].map(r => r.peerId)).toEqual(['a', 'c'])
    t.expire(200_000, 120_000)
    expect(t.size).toBe(0)
  })

  it('PeerTable drops sightings of a vanished link', () => {
    const t = new PeerTable(10)
    t.touch('a', { interface: 'eth1', localAddress: '', cidrs: [], from: '', multiaddrs: [] }, 1)
    t.touch('a', { interface: 'eth2', localAddress: '', cidrs: [], from: '', multiaddrs: [] }, 1)
    t.touch('b', { interface: 'eth1', localAddress: '', cidrs: [], from: '', multiaddrs: [] }, 1)
    t.dropLink('eth1')
    expect([...t.entries()].map(r => [r.peerId, [...r.links.keys()]])).toEqual([['a', ['eth2']]])
  })

  it('rejects unusable options with a typed error', () => {
    const components = {
      peerId: {} as any,
      logger: { forComponent: () => Object.assign(() => {}, { error () {}, trace () {}, enabled: false }) } as any,
      addressManager: { getAddresses: () => [] }
    }
    expect(() => kiezMdns({ peerName: 'x'.repeat(64) })(components)).toThrow(InvalidMdnsInitError)
    expect(() => kiezMdns({ peerName: 'a.b' })(components)).toThrow(InvalidMdnsInitError)
    try {
      kiezMdns({ queryIntervalMs: 0 })(components)
      expect.unreachable()
    } catch (err: any) {
      expect(err.code).toBe('invalid_mdns_init')
    }
  })
})
