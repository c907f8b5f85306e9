import { constants } from 'node:fs'
import { access, readFile, readdir, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { DoctorFactsJson } from '@kiez/daemon/control'
import { duration } from './format.js'

export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface Check {
  /** stable: data_dir, control_socket, p2p_port, http_port, multicast:<if>, multicast_route, mdns, dht, clock, neighbours, own_feed */
  name: string
  status: CheckStatus
  detail: string
  /** what to do about it (warn/fail only) */
  fix?: string
}

export interface DoctorJson {
  /** no check failed */
  ok: boolean
  /** the daemon answered on its control socket */
  daemon: boolean
  checks: Check[]
}

/** What the CLI finds on the machine itself (no daemon needed). */
export interface LocalFacts {
  dataDir: { exists: boolean, isDir: boolean, writable: boolean, mode?: number }
  /** port → free / in use / unknown, probed only when the daemon is not running */
  ports: Record<number, 'free' | 'in_use' | 'unknown'>
  /** IPv4, non-loopback interfaces with their kernel flags (undefined flags: not Linux) */
  interfaces: Array<{ name: string, address: string, up?: boolean, multicast?: boolean }>
  /** a route covers 224.0.0.251 (undefined: cannot tell on this system) */
  multicastRoute?: boolean
}

export const P2P_PORT = 7301
export const HTTP_PORT = 7300
const CLOCK_WARN_MS = 60_000
const CLOCK_FAIL_MS = 3600_000
const NO_NEIGHBOURS_FAIL_MS = 5 * 60_000

/** Turns the facts into the lines a person acts on. */
export function judge (local: LocalFacts, facts: DoctorFactsJson | undefined, dataDir: string): Check[] {
  const checks: Check[] = []
  const d = local.dataDir
  if (!d.exists) {
    checks.push({
      name: 'data_dir',
      status: facts === undefined ? 'warn' : 'fail',
      detail: `${dataDir} does not exist`,
      fix: `kiez daemon --data-dir ${dataDir} creates it`
    })
  } else if (!d.isDir) {
    checks.push({
      name: 'data_dir',
      status: 'fail',
      detail: `${dataDir} is not a directory`,
      fix: 'move it away or pick another --data-dir'
    })
  } else if (!d.writable) {
    checks.push({
      name: 'data_dir',
      status: 'fail',
      detail: `${dataDir} is not writable by this user`,
      fix: `run kiez as the data dir's owner, or chown it`
    })
  } else if (d.mode !== undefined && (d.mode & 0o077) !== 0) {
    checks.push({
      name: 'data_dir',
      status: 'warn',
      detail: `${dataDir} is open to other users (mode ${(d.mode & 0o777).toString(8)})`,
      fix: `chmod 700 ${dataDir}`
    })
  } else checks.push({ name: 'data_dir', status: 'ok', detail: `${dataDir} is writable` })

  if (facts === undefined) {
    checks.push({
      name: 'control_socket',
      status: 'fail',
      detail: 'no daemon answers on the control socket',
      fix: `start one: kiez daemon --data-dir ${dataDir}`
    })
  } else {checks.push({
      name: 'control_socket',
      status: 'ok',
      detail: `daemon ${facts.peerId} answers (up ${duration(facts.uptimeMs)})`
    })}

  // ports: the daemon's own when it runs, else whether it could bind the defaults
  if (facts !== undefined) {
    const tcp = facts.listenAddrs.map((a) => /\/tcp\/(\d+)/.exec(a)?.[1]).filter((p): p is string => p !== undefined)
    checks.push(
      tcp.length > 0
        ? { name: 'p2p_port', status: 'ok', detail: `the daemon listens on TCP ${[...new Set(tcp)].join(', ')}` }
        : { name: 'p2p_port', status: 'fail', detail: 'the daemon has no TCP listen address', fix: 'check --listen' }
    )
    checks.push(
      facts.http.serving
        ? {
          name: 'http_port',
          status: 'ok',
          detail: `the web gateway is served at ${facts.http.url ?? facts.http.address}`
        }
        : {
          name: 'http_port',
          status: facts.http.address === 'off' ? 'ok' : 'warn',
          detail: facts.http.address === 'off'
            ? 'the web gateway is off (--no-http)'
            : `the web gateway is not served on ${facts.http.address}`,
          ...(facts.http.address === 'off' ? {} : { fix: 'see the daemon log' })
        }
    )
  } else {
    for (
      const [name, port, flag] of [['p2p_port', P2P_PORT, '--listen'], ['http_port', HTTP_PORT, '--http']] as const
    ) {
      const s = local.ports[port] ?? 'unknown'
      checks.push(
        s === 'free'
          ? { name, status: 'ok', detail: `TCP ${port} is free for the daemon` }
          : s === 'in_use'
          ? {
            name,
            status: 'fail',
            detail: `TCP ${port} is in use by another program`,
            fix: `stop it, or start the daemon with another ${flag}`
          }
          : { name, status: 'warn', detail: `could not test TCP ${port}` }
      )
    }
  }

  for (const i of local.interfaces) {
    if (i.multicast === undefined) {
      checks.push({
        name: `multicast:${i.name}`,
        status: 'warn',
        detail: `${i.name} ${i.address}: cannot read its flags on this system`
      })
    } else if (i.up === true && i.multicast) {
      checks.push({ name: `multicast:${i.name}`, status: 'ok', detail: `${i.name} ${i.address} is up with MULTICAST` })
    } else {checks.push({
        name: `multicast:${i.name}`,
        status: 'warn',
        detail: `${i.name} ${i.address} is ${i.up === true ? 'up' : 'down'}${
          i.multicast ? '' : ' without MULTICAST'
        }: mDNS will not work on it`,
        fix: `ip link set ${i.name} up multicast on`
      })}
  }
  if (local.interfaces.length === 0) {
    checks.push({
      name: 'multicast:none',
      status: 'warn',
      detail: 'no IPv4 interface besides loopback: no LAN to find neighbours on'
    })
  }
  if (local.multicastRoute === true) {
    checks.push({ name: 'multicast_route', status: 'ok', detail: 'a route covers 224.0.0.251 (mDNS)' })
  } else if (local.multicastRoute === false) {
    checks.push({
      name: 'multicast_route',
      status: 'fail',
      detail: 'no route covers 224.0.0.251: mDNS queries cannot be sent',
      fix: `ip route add 224.0.0.0/4 dev ${local.interfaces[0]?.name ?? '<lan interface>'}`
    })
  }

  if (facts !== undefined) {
    const m = facts.mdns
    const ready = (m.links ?? []).filter((l) => l.ready)
    if (!m.enabled) {
      checks.push({
        name: 'mdns',
        status: 'warn',
        detail: 'mDNS is off (--no-mdns): neighbours come only from --bootstrap and the DHT',
        fix: 'drop --no-mdns to find boxes on the LAN'
      })
    } else if (m.links === undefined) {
      checks.push({ name: 'mdns', status: 'warn', detail: 'mDNS is on but reports nothing' })
    } else if (ready.length === 0) {
      checks.push({
        name: 'mdns',
        status: 'fail',
        detail: 'mDNS runs on no interface',
        fix: 'check the multicast lines above'
      })
    } else if ((m.peersFound ?? 0) === 0 && (m.queriesSent ?? 0) > 0) {
      checks.push({
        name: 'mdns',
        status: 'warn',
        detail: `mDNS on ${ready.map((l) => l.interface).join(', ')}: ${m.queriesSent ?? 0} queries, no box answered`,
        fix: 'no other box on these links yet, or a switch drops multicast'
      })
    } else {checks.push({
        name: 'mdns',
        status: 'ok',
        detail: `mDNS on ${ready.map((l) => l.interface).join(', ')}: ${m.peersFound ?? 0} boxes found`
      })}

    checks.push(
      facts.dht.tableSize > 0
        ? { name: 'dht', status: 'ok', detail: `DHT routing table has ${facts.dht.tableSize} peers` }
        : {
          name: 'dht',
          status: 'warn',
          detail: 'the DHT routing table is empty',
          fix: facts.peers.connected > 0
            ? 'wait a minute: neighbours join it after identify'
            : 'it fills once a neighbour connects'
        }
    )

    const offsets = facts.clock.neighbours.map((n) => n.offsetMs).sort((a, b) => a - b)
    const median = offsets[Math.floor(offsets.length / 2)]
    if (median === undefined) {
      checks.push({ name: 'clock', status: 'warn', detail: 'no neighbour to compare the clock with' })
    } else {
      // their clock minus ours: negative = ours is ahead
      const words = `our clock is ${duration(Math.abs(median))} ${
        median < 0 ? 'ahead of' : 'behind'
      } the neighbours (median of ${offsets.length})`
      if (Math.abs(median) <= CLOCK_WARN_MS) {
        checks.push({
          name: 'clock',
          status: 'ok',
          detail: `clock within ${duration(Math.max(Math.abs(median), 1000))} of ${offsets.length} neighbour(s)`
        })
      } else {checks.push({
          name: 'clock',
          status: Math.abs(median) > CLOCK_FAIL_MS ? 'fail' : 'warn',
          detail: words,
          fix: 'set the time (enable NTP: timedatectl set-ntp true): post times depend on it'
        })}
    }

    const p = facts.peers
    if (p.connected > 0) {
      checks.push({ name: 'neighbours', status: 'ok', detail: `${p.connected} neighbour(s) connected` })
    } else {
      const alone = p.lastSeenMs ?? facts.uptimeMs
      checks.push(
        alone >= NO_NEIGHBOURS_FAIL_MS
          ? {
            name: 'neighbours',
            status: 'fail',
            detail: `no neighbours for ${duration(alone)}`,
            fix: 'check the cable/Wi-Fi, the mDNS lines above, or add --bootstrap'
          }
          : {
            name: 'neighbours',
            status: 'warn',
            detail: `no neighbour connected (for ${duration(alone)})`,
            fix: 'wait a little; boxes on the LAN are found within seconds'
          }
      )
    }

    const o = facts.ownFeed
    if (o !== undefined) {
      const heard = o.claimedSeq === undefined
        ? 'no neighbour has named it yet'
        : `a neighbour named seq ${o.claimedSeq}, this box holds ${o.ownSeq}`
      checks.push(
        o.state === 'ok'
          ? { name: 'own_feed', status: 'ok', detail: `this box's own feed is at seq ${o.ownSeq}` }
          : {
            name: 'own_feed',
            status: 'warn',
            detail:
              `posting is paused: the feed store was reset but the key kept, waiting to learn this box's own feed from a neighbour (${heard})`,
            fix:
              'connect a box that has seen this box\'s posts; if none ever has, restart with kiez daemon --fresh-feed-ok'
          }
      )
    }
  }
  return checks
}

// ---- probes of this machine ---------------------------------------------------

export async function localFacts (dataDir: string, probePorts: boolean): Promise<LocalFacts> {
  const [dir, ports, interfaces, multicastRoute] = await Promise.all([
    probeDir(dataDir),
    probePorts
      ? Promise.all([P2P_PORT, HTTP_PORT].map(async (p) => [p, await probePort(p)] as const)).then((l) =>
        Object.fromEntries(l)
      )
      : Promise.resolve({}),
    probeInterfaces(),
    probeMulticastRoute()
  ])
  return { dataDir: dir, ports, interfaces, ...(multicastRoute !== undefined ? { multicastRoute } : {}) }
}

async function probeDir (dir: string): Promise<LocalFacts['dataDir']> {
  try {
    const s = await stat(dir)
    const writable = await access(dir, constants.W_OK | constants.X_OK).then(() => true, () => false)
    return { exists: true, isDir: s.isDirectory(), writable, mode: s.mode }
  } catch {
    return { exists: false, isDir: false, writable: false }
  }
}

/** Binds and releases the port on all addresses: the only sure way to know the daemon could. */
async function probePort (port: number): Promise<'free' | 'in_use' | 'unknown'> {
  return await new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code === 'EADDRINUSE' ? 'in_use' : 'unknown')
    })
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => {
      srv.close(() => {
        resolve('free')
      })
    })
  })
}

const IFF_UP = 0x1
const IFF_MULTICAST = 0x1000

async function probeInterfaces (): Promise<LocalFacts['interfaces']> {
  const out: LocalFacts['interfaces'] = []
  let sys: string[] | undefined
  try {
    sys = await readdir('/sys/class/net')
  } catch {}
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal)
    if (v4 === undefined) continue
    const entry: LocalFacts['interfaces'][number] = { name, address: v4.address }
    if (sys?.includes(name) === true) {
      try {
        const flags = parseInt((await readFile(`/sys/class/net/${name}/flags`, 'utf8')).trim(), 16)
        entry.up = (flags & IFF_UP) !== 0
        entry.multicast = (flags & IFF_MULTICAST) !== 0
      } catch {}
    }
    out.push(entry)
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}

/** Linux: does any route in the main table (/proc/net/route: little-endian hex) cover 224.0.0.251? */
async function probeMulticastRoute (): Promise<boolean | undefined> {
  let text: string
  try {
    text = await readFile('/proc/net/route', 'utf8')
  } catch {
    return undefined
  }
  const target = 0xfb0000e0 // 224.0.0.251 as the kernel prints it (host byte order, little endian)
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 8) continue
    const dest = parseInt(f[1] ?? '', 16) >>> 0
    const mask = parseInt(f[7] ?? '', 16) >>> 0
    if (((target & mask) >>> 0) === ((dest & mask) >>> 0)) return true
  }
  return false
}

/** The daemon-side warnings worth a line in `kiez status` ("no neighbours for 5m", "mDNS …", "clock 3h ahead …"). */
export function healthChecks (facts: DoctorFactsJson): Check[] {
  const neutral: LocalFacts = { dataDir: { exists: true, isDir: true, writable: true }, ports: {}, interfaces: [] }
  // "no neighbour to compare the clock with" is the neighbours line again: only a real offset is news
  return judge(neutral, facts, facts.dataDir).filter((c) =>
    ['mdns', 'dht', 'clock', 'neighbours', 'own_feed'].includes(c.name) && c.status !== 'ok' &&
    !(c.name === 'clock' && facts.clock.neighbours.length === 0)
  )
}
