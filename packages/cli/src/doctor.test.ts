import { describe, expect, it } from 'vitest'
import type { DoctorFactsJson } from '@kiez/daemon/control'
import { judge, type LocalFacts } from './doctor.js'

const local: LocalFacts = {
  dataDir: { exists: true, isDir: true, writable: true, mode: 0o40700 },
  ports: {},
  interfaces: [{ name: 'eth0', address: '198.18.0.1', up: true, multicast: true }],
  multicastRoute: true
}
const facts = (over: Partial<DoctorFactsJson> = {}): DoctorFactsJson => ({
  peerId: '12D3KooWx',
  dataDir: '/d',
  listenAddrs: ['/ip4/198.18.0.1/tcp/7301/p2p/12D3KooWx'],
  http: { address: '0.0.0.0:7300', serving: true, url: 'http://198.18.0.1:7300/' },
  uptimeMs: 3_600_000,
  peers: { connected: 1, known: 1, lastSeenMs: 0 },
  mdns: {
    enabled: true,
    links: [{ interface: 'eth0', localAddress: '198.18.0.1', ready: true }],
    peersFound: 1,
    queriesSent: 3,
    responsesReceived: 2
  },
  dht: { tableSize: 1 },
  clock: { neighbours: [{ peerId: 'a', offsetMs: 20 }] },
  ...over
})
const statusOf = (checks: ReturnType<typeof judge>, name: string): string | undefined =>
  checks.find((c) => c.name === name)?.status

describe('doctor judge', () => {
  it('a healthy box: every check ok', () => {
    expect(judge(local, facts(), '/d').filter((c) => c.status !== 'ok')).toEqual([])
  })

  it('our clock 3 h ahead of the neighbours: fail, worded from our side', () => {
    const c = judge(
      local,
      facts({
        clock: {
          neighbours: [{ peerId: 'a', offsetMs: -3 * 3600_000 }, { peerId: 'b', offsetMs: -3 * 3600_000 - 500 }]
        }
      }),
      '/d'
    ).find((x) => x.name === 'clock')
    expect(c?.status).toBe('fail')
    expect(c?.detail).toMatch(/our clock is 3h (0s )?ahead of the neighbours/)
  })

  it('no neighbours for 5 minutes fails; a fresh start only warns', () => {
    expect(
      statusOf(judge(local, facts({ peers: { connected: 0, known: 1, lastSeenMs: 6 * 60_000 } }), '/d'), 'neighbours')
    ).toBe('fail')
    expect(statusOf(judge(local, facts({ uptimeMs: 10_000, peers: { connected: 0, known: 0 } }), '/d'), 'neighbours'))
      .toBe('warn')
  })

  it('ports in use without a daemon, an interface without MULTICAST, a group-readable data dir', () => {
    const checks = judge(
      {
        ...local,
        dataDir: { ...local.dataDir, mode: 0o40755 },
        ports: { 7301: 'in_use', 7300: 'free' },
        interfaces: [{ name: 'wlan0', address: '198.18.1.2', up: true, multicast: false }]
      },
      undefined,
      '/d'
    )
    expect(statusOf(checks, 'p2p_port')).toBe('fail')
    expect(statusOf(checks, 'http_port')).toBe('ok')
    expect(statusOf(checks, 'multicast:wlan0')).toBe('warn')
    expect(statusOf(checks, 'data_dir')).toBe('warn')
    expect(statusOf(checks, 'control_socket')).toBe('fail')
  })
})
