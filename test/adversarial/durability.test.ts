/**
 * Cases 14 and 16: power loss and a full disk. Real daemons on 127.0.0.1;
 * afterwards the box's LevelDB is opened directly and every chain checked.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { join } from 'node:path'
import { mkdtemp, rm } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { equalBytes, readEntry } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import { peerIdFromString } from '@libp2p/peer-id'
import { report, sleep, type LocalDaemon } from './daemons.ts'
import { useBoxes } from './fixture.ts'

const { daemon, defer } = useBoxes()
const soak = process.env.KIEZ_SOAK === '1'

interface Chains {
  authors: number
  entries: number
  broken: number
}

/** Every head's log is complete from seq 1 and hash-linked; returns [authors, entries, broken chains]. */
async function checkChains (store: FeedStore): Promise<Chains> {
  let entries = 0
  let broken = 0
  const heads = store.heads()
  for (const h of heads) {
    const bytes = await store.rangeBytes(h.author, 1, h.seq, {
      maxEntries: Number.MAX_SAFE_INTEGER,
      maxBytes: Number.MAX_SAFE_INTEGER
    })
    let prev: Uint8Array | null = null
    let ok = bytes.length === h.seq
    for (const b of bytes) {
      const e = readEntry(b, { now: Date.now() + 3600_000 })
      if (!e.ok) {
        ok = false
        break
      }
      if ((prev === null) !== (e.value.previous === null) || (prev !== null && !equalBytes(prev, e.value.previous!))) {
        ok = false
        break
      }
      prev = e.value.hash
    }
    if (ok && prev !== null && !equalBytes(prev, h.hash)) ok = false
    if (!ok) broken++
    entries += bytes.length
  }
  return { authors: heads.length, entries, broken }
}

/** Stops the box, opens its store directly, and hands `check` the store, how many acknowledged entries it lacks and its chains. */
async function audit (
  box: LocalDaemon,
  acked: string[],
  check: (store: FeedStore, lost: number, chains: Chains) => void
): Promise<void> {
  await box.stop()
  const store = await FeedStore.open({ path: join(box.dataDir, 'feed') })
  try {
    let lost = 0
    for (const id of acked) if (await store.get(id) === undefined) lost++
    check(store, lost, await checkChains(store))
  } finally {
    await store.close()
  }
}

const p99 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!
}

describe('adversarial: durability', () => {
  it(
    `case 14: power loss: ${
      process.env.ADV_KILLS ?? (soak ? 200 : 50)
    } kill -9s while authoring and ingesting: 0 acknowledged entries lost, 0 broken chains`,
    async () => {
      const K = Number(process.env.ADV_KILLS ?? (soak ? 200 : 50))
      const peer = await daemon()
      const box = await daemon(['--bootstrap', peer.addr])
      const acked: string[] = []
      const recoverMs: number[] = []
      let slowest = { ms: 0, readyAtMs: {} as Record<string, number> }
      let peerPosts = 0
      let stopPeer = false
      // the neighbour writes all along, so the box is ingesting (gossip and sync) when it dies
      const peerWriter = (async () => {
        while (!stopPeer) {
          await peer.client.post({ text: `from the neighbour ${peerPosts}` })
          peerPosts++
          await sleep(20)
        }
      })()
      let n = 0
      for (let k = 0; k < K; k++) {
        let dead = false
        const writer = (async () => {
          while (!dead) {
            const text = `local ${n++}`
            try {
              acked.push((await box.client.post({ text })).id)
            } catch {
              return
            }
          }
        })()
        await sleep(100 + Math.random() * 400)
        dead = true
        await box.kill9()
        await writer
        const ms = await box.spawn()
        recoverMs.push(ms)
        if (ms > slowest.ms) slowest = { ms: Math.round(ms), readyAtMs: box.readyAtMs }
      }
      stopPeer = true
      await peerWriter
      // the box catches up the neighbour's feed after the last restart
      const peerHead = peerPosts
      await eventually(async () => {
        const st = await box.status()
        if (st.counts.entries >= acked.length + peerHead && (await box.sync()).peers.every((p) => p.weLack === 0)) {
          return true
        }
        throw new Error(
          `box holds ${st.counts.entries}, acked ${acked.length} + neighbour ${peerHead}; peers ${st.counts.peers}; sync ${
            JSON.stringify((await box.sync()).peers.map((p) => [p.weLack, p.theyLack, p.lastSyncError]))
          }`
        )
      }, { what: 'the box to hold every neighbour entry', timeoutMs: 60_000, intervalMs: 500 })
      await audit(box, acked, (store, lost, chains) => {
        const peerKey = peerIdFromString(peer.peerId).publicKey!.raw
        const ownKey = peerIdFromString(box.peerId).publicKey!.raw
        const neighbourSeq = store.head(peerKey)?.seq ?? 0
        const ownSeq = store.head(ownKey)?.seq ?? 0
        const recovery = store.recovery
        report({
          case: 14,
          name: 'power loss',
          kills: K,
          acknowledged: acked.length,
          lost,
          brokenChains: chains.broken,
          authors: chains.authors,
          entries: chains.entries,
          neighbourEntries: peerHead,
          neighbourSeq,
          ownSeq,
          unacknowledgedButStored: ownSeq - acked.length,
          recoverP99Ms: Math.round(p99(recoverMs)),
          recoverMaxMs: Math.round(Math.max(...recoverMs)),
          // the slowest restart, where its time went (the daemon's own clock, from Daemon.start)
          slowestRecover: slowest,
          repairedOnLastOpen: recovery?.repaired.length ?? 0
        })
        expect(lost).toBe(0)
        expect(chains.broken).toBe(0)
        expect(chains.authors).toBe(2)
        expect(neighbourSeq).toBe(peerHead)
        // an entry written in the instant before the kill may be stored without its ack having arrived: never fewer
        expect(ownSeq).toBeGreaterThanOrEqual(acked.length)
        expect(chains.entries).toBe(ownSeq + neighbourSeq)
      })
    },
    // 50 restarts took 124 s on a quiet machine and 180-219 s beside the rest of the suite; CI's machine
    // once needed over 300 s: the budget is for a slow machine, the case asserts no loss, not speed
    soak ? 1_800_000 : 600_000
  )

  it.skipIf(process.getuid?.() !== 0)(
    'case 16: disk full: posts fail loudly, nothing partial is stored, the box recovers when space returns',
    async () => {
      const mnt = await mkdtemp(join(tmpdir(), 'kiez-full-'))
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt])
      defer(async () => {
        try {
          execFileSync('umount', ['-l', mnt])
        } catch {}
        await rm(mnt, { recursive: true, force: true })
      })
      const box = await daemon([], { dataDir: join(mnt, 'box') })
      const acked: string[] = []
      const errors: Record<string, number> = {}
      let firstError = ''
      // fill the disk through the product itself, with 6 KiB posts that do not compress
      const text = (i: number): string => `${i} ${randomBytes(4500).toString('base64')}`
      for (let i = 0; i < 5000; i++) {
        try {
          acked.push((await box.client.post({ text: text(i) })).id)
        } catch (err) {
          const code = (err as { code?: string }).code ?? 'unknown'
          errors[code] = (errors[code] ?? 0) + 1
          if (firstError === '') firstError = (err as Error).message
          if (errors[code]! >= 20) break
        }
      }
      const stillUp = await box.status().then(() => true, () => false)
      // space returns
      execFileSync('mount', ['-o', 'remount,size=64m', mnt])
      let recovered = false
      let after: string | undefined
      const t0 = Date.now()
      await eventually(async () => {
        try {
          after = (await box.client.post({ text: 'space is back' })).id
          recovered = true
          return true
        } catch {
          return false
        }
      }, { what: 'a post to succeed again', timeoutMs: 30_000, intervalMs: 500 }).catch(() => {})
      const recoverMs = Date.now() - t0
      if (after !== undefined) acked.push(after)
      await audit(box, acked, (_store, lost, chains) => {
        report({
          case: 16,
          name: 'disk full',
          acknowledged: acked.length,
          errors,
          firstError: firstError.slice(0, 160),
          daemonStillUp: stillUp,
          recoveredWithoutRestart: recovered,
          recoverMs,
          lost,
          brokenChains: chains.broken,
          entries: chains.entries
        })
        expect(Object.keys(errors).length).toBeGreaterThan(0) // it did fail, loudly
        expect(lost).toBe(0)
        expect(chains.broken).toBe(0)
        expect(chains.entries).toBe(acked.length) // nothing unacknowledged and nothing partial
        expect(recovered).toBe(true)
      })
    },
    180_000
  )
})
