import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { generatePsk, checkPsk } from './psk.js'
import { MeshError } from './errors.js'
import { makeBox, removeDataDirs, type TestBox } from './test-helpers.js'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

const PING = '/ipfs/ping/1.0.0'

async function canOpenStream (from: Libp2p, to: string): Promise<boolean> {
  try {
    const stream = await from.dialProtocol(multiaddr(to), PING, { signal: AbortSignal.timeout(5000) })
    await stream.close()
    return true
  } catch (err) {
    if (process.env.KIEZ_DEBUG != null) console.error(err)
    return false
  }
}

describe('private mesh (pnet)', () => {
  const boxes: TestBox[] = []
  afterEach(async () => {
    for (const b of boxes.splice(0)) await b.close()
  })
  afterAll(removeDataDirs)

  it('generates swarm.key files that checkPsk accepts, different each time', () => {
    const a = generatePsk()
    const b = generatePsk()
    expect(new TextDecoder().decode(a)).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(() => {
      checkPsk(a)
    }).not.toThrow()
    expect(() => {
      checkPsk(new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\nabc'))
    }).toThrow(MeshError)
  })

  it('lets two boxes with the key talk and keeps boxes without it or with another key out', async () => {
    const psk = generatePsk()
    const a = await makeBox({ psk })
    boxes.push(a)
    const b = await makeBox({ psk })
    boxes.push(b)
    const wrong = await makeBox({ psk: generatePsk() })
    boxes.push(wrong)
    const none = await makeBox()
    boxes.push(none)
    const target = `${a.addr()}/p2p/${a.node.peerId}`

    expect(await canOpenStream(b.node.libp2p, target)).toBe(true)
    expect(await b.node.ping(target, 1)).toHaveLength(1)

    // a mismatched key garbles the Noise handshake; the far side may wait for
    // its upgrade timeout, so run the refusals side by side
    const refused = await Promise.all([
      canOpenStream(wrong.node.libp2p, target),
      canOpenStream(none.node.libp2p, target),
      // and the other way round: a PSK box cannot reach into an open one either
      canOpenStream(a.node.libp2p, `${none.addr()}/p2p/${none.node.peerId}`),
      wrong.node.ping(target, 1).then(() => 'replied', (e: unknown) => e instanceof MeshError ? e.code : String(e))
    ])
    expect(refused).toEqual([false, false, false, 'no_reply'])
    // the refused boxes never made it into A's connection list
    await eventually(() => a.node.libp2p.getConnections().every(c => c.remotePeer.toString() === b.node.peerId), {
      what: 'only B connected',
      timeoutMs: 5000
    })
  })

  it('refuses a malformed key at start', async () => {
    await expect(makeBox({ psk: new TextEncoder().encode('secret') })).rejects.toSatisfy((e: unknown) =>
      e instanceof MeshError && e.code === 'bad_config'
    )
  })
})
