/**
 * Cases 9, 10, 13: the transport. Real daemons on 127.0.0.1; the flood comes
 * from 127.0.0.2 (another loopback host as far as the daemon can tell), the
 * honest neighbours from 127.0.0.1.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { generatePsk } from '@kiez/mesh'
import { SYNC_PROTOCOL } from '@kiez/replication'
import type { Stream } from '@libp2p/interface'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Rogue, RogueInit } from './rogue.ts'
import { report, sleep } from './daemons.ts'
import { useBoxes } from './fixture.ts'

const { daemon, rogue, defer } = useBoxes()
const portOf = (addr: string): number => Number(/\/tcp\/(\d+)/.exec(addr)![1])

describe('adversarial: transport', () => {
  it('case 13: with a PSK configured, a stranger without it (or with another) opens 0 streams', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiez-psk-'))
    defer(async () => {
      await rm(dir, { recursive: true, force: true })
    })
    const psk = generatePsk()
    await writeFile(join(dir, 'swarm.key'), psk, { mode: 0o600 })
    const a = await daemon(['--psk', join(dir, 'swarm.key')])
    let streams = 0
    let failures = 0
    for (const key of [undefined, generatePsk()]) {
      for (let i = 0; i < 5; i++) {
        const stranger = await rogue({ ...(key !== undefined ? { psk: key } : {}), gossip: false })
        try {
          const s = await stranger.node.dialProtocol(
            (await import('@multiformats/multiaddr')).multiaddr(a.addr),
            SYNC_PROTOCOL,
            { signal: AbortSignal.timeout(5000) }
          )
          streams++
          await s.close()
        } catch {
          failures++
        }
        await stranger.stop()
      }
    }
    // the control: a member with the key gets a stream, so the refusals above are the key's doing
    const member = await rogue({ psk, gossip: false })
    const ok = await member.node.dialProtocol(
      (await import('@multiformats/multiaddr')).multiaddr(a.addr),
      SYNC_PROTOCOL
    )
    await ok.close()
    const peersSeen = (await a.status()).counts.peers
    report({
      case: 13,
      name: 'psk stranger',
      attempts: 10,
      streamsOpened: streams,
      refused: failures,
      memberWithKeyConnected: true,
      daemonPeers: peersSeen
    })
    expect(streams).toBe(0)
    expect(failures).toBe(10)
    expect(peersSeen).toBe(1) // only the member
  }, 120_000)

  it('case 10: 10 000 streams on one connection: capped and reset, memory bounded, the box keeps serving', async () => {
    // the daemon's inspector (loopback, a free port) lets the case force a GC there and read what stays on the heap
    const a = await daemon([], { env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' } })
    const inspector = String(/ws:\/\/\S+/.exec((await a.proc.waitFor(/Debugger listening on ws:/, 10_000)).text)?.[0])
    const heap0 = await heapAfterGc(inspector)
    const [, hwm0] = a.rssKiB()
    const N = 10_000
    /** One flood on a fresh connection, left open with every stream it got; resolves with what the rogue saw. */
    const flood = async (): Promise<
      { negotiated: number, refused: number, firstRefusal?: string, stillOpen: number, connectionStillOpen: boolean }
    > => {
      const r = await rogue({ gossip: false })
      const conn = await r.dial(a.addr)
      const held: Stream[] = []
      let refused = 0
      let firstRefusal: string | undefined
      for (let i = 0; i < N && conn.status === 'open'; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, N - i) }, async () => {
          try {
            // never closed: parked streams are what an attacker wants
            held.push(
              await conn.newStream([SYNC_PROTOCOL, '/ipfs/ping/1.0.0', '/ipfs/id/1.0.0'], {
                signal: AbortSignal.timeout(5000)
              })
            )
          } catch (err) {
            refused++
            firstRefusal ??= `${(err as Error).name}: ${(err as Error).message}`.slice(0, 120)
          }
        }))
      }
      await sleep(1000)
      return {
        negotiated: held.length,
        refused,
        ...(firstRefusal !== undefined ? { firstRefusal } : {}),
        stillOpen: held.filter((s) => s.status === 'open').length,
        connectionStillOpen: conn.status === 'open'
      }
    }
    const first = await flood()
    const [, hwm1] = a.rssKiB()
    const second = await flood()
    const [rss2, hwm2] = a.rssKiB()
    // both attackers still connected, holding whatever they got: what the box keeps for them is on its heap now
    const heap2 = await heapAfterGc(inspector)
    const perStream = await heldStreamBytes(rogue)
    // the box still serves: a fresh neighbour gets a sync session
    const other = await rogue({ gossip: false })
    const s = await other.openSync(a.addr)
    await s.send({ type: 'heads', heads: [], more: false })
    const answer = await s.recv()
    await s.close()
    const uncapped = 2 * N * perStream
    report({
      case: 10,
      name: 'stream flood',
      attemptedPerFlood: N,
      first,
      second,
      heapRetainedKiB: Math.round((heap2 - heap0) / 1024),
      heldStreamBytesMeasured: Math.round(perStream),
      uncappedEstimateKiB: Math.round(uncapped / 1024),
      peakRssGrowthFirstKiB: hwm1 - hwm0,
      peakRssGrowthSecondKiB: hwm2 - hwm1,
      rssAfterKiB: rss2
    })
    expect(answer?.type).toBe('heads')
    // whatever negotiated optimistically was reset: at most a few sync sessions (2 + 'busy') stay open
    for (const f of [first, second]) expect(f.stillOpen).toBeLessThanOrEqual(3)
    expect(first.negotiated + second.negotiated).toBeGreaterThan(0) // the flood reached the box's stream layer
    // Bounded, not per stream: with both floods' connections open, the box retains less than a tenth of what
    // 20 000 held streams would (their cost measured on the same libp2p stack); the peak RSS is garbage, reported.
    expect(heap2 - heap0).toBeLessThan(uncapped / 10)
  }, 240_000)

  it(
    'case 9: 2 000 connection attempts, half stalling before the handshake: honest neighbours still connect',
    async () => {
      const a = await daemon()
      const port = portOf(a.addr)
      const [, hwm0] = a.rssKiB()
      const sockets: Socket[] = []
      defer(async () => {
        for (const s of sockets) s.destroy()
      })
      let closedByBox = 0
      let stalledOpen = 0
      let maxStalledOpen = 0
      const open = (stall: boolean): void => {
        const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' })
        sockets.push(s)
        let live = false
        s.on('connect', () => {
          if (stall) {
            live = true
            stalledOpen++
            maxStalledOpen = Math.max(maxStalledOpen, stalledOpen)
          } else s.end(Buffer.from('/multistream/1.0.0\n garbage'.repeat(4)))
        })
        s.on('error', () => {})
        s.on('close', () => {
          if (live) {
            stalledOpen--
            live = false
          }
          if (stall) closedByBox++
        })
      }
      // honest neighbours dial during the flood from another host
      const honest: boolean[] = []
      const flood = (async () => {
        for (let i = 0; i < 2000; i++) {
          open(i % 2 === 0)
          if (i % 50 === 49) await sleep(50)
        }
      })()
      const honestDials = (async () => {
        await sleep(300)
        for (let i = 0; i < 10; i++) {
          const h = await rogue({ gossip: false })
          try {
            await h.dial(a.addr)
            honest.push(true)
          } catch {
            honest.push(false)
          }
          await h.stop()
          await sleep(300)
        }
      })()
      await Promise.all([flood, honestDials])
      await sleep(1000)
      const [, hwm1] = a.rssKiB()
      // still held after the upgrade timeout (5 s)? then the box leaks half-open connections
      await sleep(6000)
      const stillOpen = stalledOpen
      const okPct = 100 * honest.filter(Boolean).length / honest.length
      report({
        case: 9,
        name: 'connection flood',
        attempts: 2000,
        stalled: 1000,
        stalledConnectedAtOnceClientSide: maxStalledOpen,
        stalledStillOpenAfter7s: stillOpen,
        stalledClosedByBox: closedByBox,
        honestConnectSuccessPct: okPct,
        peakRssGrowthKiB: hwm1 - hwm0
      })
      expect(okPct).toBe(100)
      expect(stillOpen).toBe(0)
      expect((await a.status()).peerId).toBe(a.peerId)
    },
    180_000
  )

  it(
    'case 12: a neighbour\'s peer id announced with the rogue\'s address: the Noise handshake fails, 0 impersonations',
    async () => {
      // mDNS hands the dialer exactly this: a peer id and an address. Here the lie reaches it as a bootstrap entry
      // (the same dial path, no multicast needed); the lab variant with real mDNS answers is still to do.
      const victim = await daemon()
      const r = await rogue({ gossip: false })
      let inbound = 0
      r.node.addEventListener('connection:open', (evt) => {
        if (evt.detail.direction === 'inbound') inbound++
      })
      // a counting TCP relay in front of the rogue, so we see that the box really tried
      let tcpDials = 0
      const relay = createServer((sock) => {
        tcpDials++
        const up = connect({ host: '127.0.0.1', port: portOf(r.addr()) })
        sock.pipe(up).pipe(sock)
        sock.on('error', () => up.destroy())
        up.on('error', () => sock.destroy())
      })
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
      defer(async () => {
        await new Promise((resolve) => relay.close(resolve))
      })
      const spoofed = `/ip4/127.0.0.1/tcp/${(relay.address() as AddressInfo).port}/p2p/${victim.peerId}`
      const a = await daemon(['--bootstrap', spoofed])
      await sleep(6000)
      const peers = (await a.client.peers()).peers
      const asVictim = peers.filter((p) => p.peerId === victim.peerId && p.connected)
      // the control: the real victim, dialed at its real address, connects
      const honest = await rogue({ gossip: false })
      await honest.dial(victim.addr)
      report({
        case: 12,
        name: 'spoofed address for a known peer id',
        tcpDialsToRogue: tcpDials,
        connectionsAsVictim: asVictim.length,
        rogueInboundConnections: inbound,
        daemonPeers: (await a.status()).counts.peers
      })
      expect(tcpDials).toBeGreaterThan(0) // the box did dial the lie
      expect(asVictim).toEqual([])
      expect(inbound).toBe(0) // the handshake never completed: the rogue cannot prove the victim's key
      expect((await a.status()).counts.peers).toBe(0)
    },
    60_000
  )
})

/** V8 heap in use after a full GC, read through a daemon's inspector (Chrome DevTools Protocol over its WebSocket). */
async function heapAfterGc (wsUrl: string): Promise<number> {
  const ws = new WebSocket(wsUrl)
  await new Promise((resolve, reject) => {
    ws.onopen = resolve
    ws.onerror = () => {
      reject(new Error(`inspector ${wsUrl} refused`))
    }
  })
  const waiting = new Map<number, (m: { result?: { result?: { value?: unknown } }, error?: unknown }) => void>()
  ws.onmessage = (ev) => {
    const m = JSON.parse(String(ev.data)) as { id?: number, result?: { result?: { value?: unknown } } }
    if (m.id !== undefined) {
      waiting.get(m.id)?.(m)
      waiting.delete(m.id)
    }
  }
  let next = 0
  const send = async (
    method: string,
    params: object = {}
  ): Promise<{ result?: { result?: { value?: unknown } }, error?: unknown }> =>
    await new Promise((resolve) => {
      const id = ++next
      waiting.set(id, resolve)
      ws.send(JSON.stringify({ id, method, params }))
    })
  try {
    for (let i = 0; i < 2; i++) await send('HeapProfiler.collectGarbage')
    const r = await send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true })
    const v = r.result?.result?.value
    if (typeof v !== 'number') throw new Error(`inspector answered ${JSON.stringify(r).slice(0, 200)}`)
    return v
  } finally {
    ws.close()
  }
}

/**
 * The baseline: V8 heap one held stream costs on this libp2p stack when nothing caps it — two nodes in this
 * process, 2 000 streams opened and left open on one connection, measured after a GC (both ends, halved).
 */
async function heldStreamBytes (rogue: (init?: RogueInit) => Promise<Rogue>): Promise<number> {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const K = 2000
  const proto = '/kiez-test/hold/1.0.0'
  const [a, b] = [await rogue({ gossip: false }), await rogue({ gossip: false })]
  const held: Stream[] = []
  await a.node.handle(proto, (st: Stream) => {
    held.push(st)
  }, { maxInboundStreams: K + 1 })
  await b.node.handle(proto, () => {}, { maxOutboundStreams: K + 1 })
  const conn = await b.dial(a.addr())
  await conn.newStream(proto) // one first: a burst on a brand-new connection is reset as too many early streams
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  const opened: Stream[] = []
  for (let i = 0; i < K; i += 200) {
    opened.push(...await Promise.all(Array.from({ length: 200 }, async () => await conn.newStream(proto))))
  }
  await eventually(() => held.length >= K + 1, {
    what: 'the held streams to arrive',
    timeoutMs: 20_000,
    intervalMs: 50
  })
  gc()
  gc()
  const after = process.memoryUsage().heapUsed
  if (opened.length !== K) throw new Error('not every stream opened')
  await Promise.all([a.stop(), b.stop()])
  return (after - before) / K / 2
}
