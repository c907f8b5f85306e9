// Cases 24 and 25 (issue 15 §1): a blob flood against the storage budget, and a lying blob server.
// In-process daemons on 127.0.0.1 with their gateways (real libp2p, LevelDB, HTTP); the liar is a rogue
// libp2p node that speaks /kiez/blob/1.0.0 and answers every want with altered bytes.
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { BLOB_PROTOCOL, CHUNK_BYTES, decodeFrame, encodeFrame } from '@kiez/blob-exchange'
import { blobCid, sha256, signerFromSeed } from '@kiez/feed'
import { eventually, jpegFixture } from '@kiez/testing'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Boxes, call } from '../gateway/helpers.ts'
import { report } from './daemons.ts'
import { createRogue, type Rogue } from './rogue.ts'

const MiB = 1024 * 1024

/** Bytes of every file under `dir`. */
async function du (dir: string): Promise<number> {
  let n = 0
  for (const name of await readdir(dir, { recursive: true })) {
    const s = await stat(join(dir, name)).catch(() => undefined)
    if (s?.isFile() === true) n += s.size
  }
  return n
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('issue 15: blobs against a box', () => {
  const boxes = new Boxes()
  const rogues: Rogue[] = []
  afterEach(async () => {
    for (const r of rogues.splice(0)) await r.stop().catch(() => {})
  })
  afterAll(async () => {
    await boxes.close()
  })

  it(
    'case 24: 100 MiB of images uploaded to a 64 MiB box: the blobs stay in their half, the data dir under the budget',
    async () => {
      const box = await boxes.start({ config: { storage: { maxMb: 64 } } })
      const upload = box.daemon.uploadBlob.bind(box.daemon)
      const share = (await box.daemon.status()).storage?.blobMaxBytes ?? 0
      expect(share).toBe(32 * MiB)
      const started = Date.now()
      let peakBlobBytes = 0
      let peakDir = 0
      const first = jpegFixture({ bytes: MiB, width: 1600, height: 1200, seed: 1000 })
      for (let i = 0; i < 100; i++) {
        const bytes = i === 0 ? first : jpegFixture({ bytes: MiB, width: 1600, height: 1200, seed: 1000 + i })
        await upload(bytes)
        const s = (await box.daemon.status()).blobs
        peakBlobBytes = Math.max(peakBlobBytes, s?.bytes ?? 0)
        if (i % 10 === 9) peakDir = Math.max(peakDir, await du(box.dataDir))
      }
      const s = await box.daemon.status()
      const dir = await du(box.dataDir)
      report({
        case: 24,
        name: 'blob flood',
        offeredBytes: 100 * MiB,
        blobShare: share,
        peakBlobBytes,
        heldBlobs: s.blobs?.count,
        evicted: s.blobs?.evicted,
        dataDirBytes: dir,
        peakDataDirBytes: peakDir,
        budget: 64 * MiB,
        ms: Date.now() - started
      })
      expect(peakBlobBytes).toBeLessThanOrEqual(share)
      expect(s.blobs?.count).toBe(32)
      expect(s.blobs?.evicted).toBe(68)
      expect(Math.max(dir, peakDir)).toBeLessThan(64 * MiB)
      // the oldest, never viewed since, went first; the newest is served
      expect((await call(box, `/api/v1/blobs/${blobCid(sha256(first))}`)).status).toBe(404)
    },
    180_000
  )

  it(
    'case 25: a rogue serving altered bytes is refused and not asked again; nothing unchecked is stored; the honest neighbour serves it',
    async () => {
      const target = await boxes.start()
      const photo = jpegFixture({ bytes: 900 * 1024, width: 1600, height: 1200, seed: 25 })
      const hash = sha256(photo)
      const cid = blobCid(hash)

      // the liar: a want for anything gets a `have` of the right hash and size, then the bytes with one bit flipped
      const rogue = await createRogue({ gossip: false })
      rogues.push(rogue)
      let wants = 0
      await rogue.node.handle(BLOB_PROTOCOL, (stream: Stream) => {
        void (async () => {
          const lp = lpStream(stream, { maxDataLength: 64 * 1024 + 1 })
          const want = decodeFrame((await lp.read()).subarray())
          if (want.type !== 'want') return
          wants++
          const lie = photo.slice()
          lie[1000] = (lie[1000] as number) ^ 1
          await lp.write(encodeFrame({ type: 'have', hash: want.hash, size: lie.byteLength }))
          for (let o = 0; o < lie.byteLength; o += CHUNK_BYTES) {
            await lp.write(encodeFrame({ type: 'chunk', data: lie.subarray(o, o + CHUNK_BYTES) }))
          }
          await stream.close()
        })().catch(() => stream.abort(new Error('rogue blob serve failed')))
      })
      // a post naming the photo (by a far author) is on the target: a box asks around only for blobs an entry names
      const far = signerFromSeed(new Uint8Array(32).fill(0x25))
      await target.daemon.feedStore?.append(far, {
        type: 'post',
        text: 'Fahrrad',
        images: [{ hash, type: 'image/jpeg', bytes: photo.byteLength, width: 1600, height: 1200, alt: '', thumb: null }]
      })
      const targetStatus = await target.daemon.status()
      await rogue.dial(targetStatus.listenAddrs[0] as string)
      await eventually(
        async () => (await target.daemon.peers()).peers.some((p) => p.connected && p.peerId === rogue.peerId),
        {
          what: 'the target to see the rogue',
          timeoutMs: 20_000
        }
      )

      // opened on the target's LAN with only the liar around: refused, nothing stored, a JSON 404
      const first = await call(target, `/api/v1/blobs/${cid}`)
      expect(first.status, first.text).toBe(404)
      expect(first.json?.error?.code).toBe('blob_not_found')
      expect(wants).toBe(1)
      let s = await target.daemon.status()
      expect(s.blobs).toMatchObject({ refused: 1, count: 0, fetched: 0 })
      expect(await readdir(join(target.dataDir, 'blobs'))).toEqual([])
      // a made-up blob id is not asked for at all: no entry on the box names it
      const madeUp = blobCid(sha256(Buffer.from('no such image')))
      expect((await call(target, `/api/v1/blobs/${madeUp}`)).json?.error?.code).toBe('blob_not_found')
      expect(wants).toBe(1)

      // an honest neighbour holds it; opened again, the liar is not asked for it, the honest one serves it
      const honest = await boxes.start({ bootstrap: [targetStatus.listenAddrs[0] as string] })
      await honest.daemon.uploadBlob(photo)
      await eventually(
        async () => (await target.daemon.peers()).peers.some((p) => p.connected && p.peerId === honest.daemon.peerId),
        { what: 'the target to see the honest neighbour', timeoutMs: 30_000 }
      )
      const raw = await fetch(`${target.base}/api/v1/blobs/${cid}`, { headers: { host: target.host } })
      expect(raw.status).toBe(200)
      const got = new Uint8Array(await raw.arrayBuffer())
      expect(createHash('sha256').update(got).digest('hex')).toBe(hex(hash))
      expect(wants).toBe(1)
      s = await target.daemon.status()
      expect(s.blobs).toMatchObject({ refused: 1, count: 1, fetched: 1, bytes: photo.byteLength })
      expect((await honest.daemon.status()).blobs?.served).toBe(1)
      report({
        case: 25,
        name: 'lying blob server',
        wantsToLiar: wants,
        refused: s.blobs?.refused,
        storedFromLiar: 0,
        servedByHonest: (await honest.daemon.status()).blobs?.served
      })
    },
    120_000
  )
})
