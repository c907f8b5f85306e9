/**
 * Case 15: the self-fork guard. A box's store is wiped but its key kept; it
 * must not author from seq 1 again (its neighbours would hold a fork proof and
 * freeze its feed). Real `kiez daemon` processes on 127.0.0.1, plus one
 * in-process daemon for the HTTP answer.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { kiez } from '../../packages/cli/src/testing/daemons.js'
import { Boxes, call, pair, sameOrigin } from '../gateway/helpers.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { type LocalDaemon, report, sleep } from './daemons.ts'
import { useBoxes } from './fixture.ts'

const boxes = useBoxes()
const start = async (args: string[] = []): Promise<LocalDaemon> => await boxes.daemon(args)

async function wipeStore (d: LocalDaemon): Promise<void> {
  await rm(join(d.dataDir, 'feed'), { recursive: true, force: true })
}

/** A post's outcome: its seq, or the error code it was refused with. */
async function tryPost (d: LocalDaemon, text: string): Promise<{ seq?: number, code?: string }> {
  try {
    return { seq: (await d.client.post({ text })).seq }
  } catch (err) {
    return { code: (err as { code?: string }).code ?? 'unknown' }
  }
}

/** What `b` holds of `author`'s feed: the head seq its sync report gives for that author. */
async function seqAt (b: LocalDaemon, authorPeerId: string): Promise<number> {
  const page = await b.client.feed({ limit: 500 })
  return Math.max(0, ...page.entries.filter((e) => e.author === authorPeerId).map((e) => e.seq))
}

describe('adversarial: self-fork guard', () => {
  it(
    'case 15: a wiped store with a kept key refuses to author until it has re-learned its own head from a neighbour, then continues at head+1: 0 forks',
    async () => {
      const N = 20
      const b = await start()
      const a = await start(['--bootstrap', b.addr])
      for (let i = 0; i < N; i++) expect((await a.client.post({ text: `before the reset ${i}` })).seq).toBe(i + 1)
      await eventually(async () => await seqAt(b, a.peerId) === N, {
        what: `B to hold A's ${N} entries`,
        timeoutMs: 60_000,
        intervalMs: 200
      })

      // the household "resets the database": store gone, key kept; the neighbour is away for now
      await a.stop()
      await b.stop()
      await wipeStore(a)
      await a.spawn()
      let refused = 0
      const alone = await tryPost(a, 'after the reset, alone')
      if (alone.code === 'own_head_unknown') refused++
      expect(alone).toEqual({ code: 'own_head_unknown' })
      const cli = await kiez(['post', 'from the CLI', '--data-dir', a.dataDir])
      if (cli.code === 1) refused++
      expect(cli.code).toBe(1)
      expect(cli.stderr.trim().split('\n')).toHaveLength(1)
      expect(cli.stderr).toMatch(/own_head_unknown/)
      expect(cli.stderr).toMatch(/--fresh-feed-ok/)
      const st = await kiez(['status', '--json', '--data-dir', a.dataDir])
      const sj = JSON.parse(st.stdout) as {
        ownFeed: { state: string, reason: string }
        health: Array<{ name: string, status: string }>
      }
      expect(sj.ownFeed).toMatchObject({ state: 'armed', reason: 'store_new', ownSeq: 0 })
      expect(sj.health).toContainEqual(expect.objectContaining({ name: 'own_feed', status: 'warn' }))

      // a restart while armed stays armed (the state is in the store, not in memory)
      await a.stop()
      await a.spawn()
      expect((await a.status()).ownFeed).toMatchObject({ state: 'armed' })
      const again = await tryPost(a, 'after a restart, still alone')
      if (again.code === 'own_head_unknown') refused++
      expect(again.code).toBe('own_head_unknown')

      // the neighbour is back: A learns its own feed from B, then posts at N+1
      await a.stop()
      await b.spawn()
      const t0 = performance.now()
      await a.spawn()
      let first: { seq?: number, code?: string } = {}
      const codes: Record<string, number> = {}
      await eventually(async () => {
        first = await tryPost(a, 'after the reset, with the neighbour back')
        if (first.seq !== undefined) return true
        codes[first.code ?? 'unknown'] = (codes[first.code ?? 'unknown'] ?? 0) + 1
        if (first.code === 'own_head_unknown') refused++
        return false
      }, { what: 'A to post again', timeoutMs: 120_000 })
      const learnMs = performance.now() - t0
      expect(first.seq).toBe(N + 1)
      expect(Object.keys(codes).filter((c) => c !== 'own_head_unknown')).toEqual([])
      const learned = (await a.proc.waitFor('posting again', 1000)).json as {
        afterMs?: number
        ownSeq?: number
        learnedFrom?: string
      }
      expect(learned).toMatchObject({ ownSeq: N, learnedFrom: b.peerId })
      const aStatus = await a.status()
      expect(aStatus.ownFeed).toMatchObject({ state: 'ok', ownSeq: N + 1, disarmedBy: 'neighbour' })

      // B accepts seq N+1 as the next entry of the same chain: no fork anywhere
      await eventually(async () => await seqAt(b, a.peerId) === N + 1, {
        what: `B to hold A's seq ${N + 1}`,
        timeoutMs: 60_000,
        intervalMs: 200
      })
      const bStatus = await b.status()
      const forks = bStatus.store.forks + aStatus.store.forks
      expect(forks).toBe(0)
      expect(bStatus.store.rejected).not.toHaveProperty('forked')
      report({
        case: 15,
        name: 'self-fork guard',
        entriesBeforeReset: N,
        refusedWhileArmed: refused,
        learnOwnHeadMs: Math.round(learnMs),
        disarmAfterStartMs: learned.afterMs,
        firstSeqAfter: first.seq,
        forks
      })
    },
    300_000
  )

  it(
    'case 15: a neighbour that claims a head it cannot serve keeps the box waiting, never authoring at a wrong seq; the operator lifts it',
    async () => {
      const N = 20
      const b = await start()
      const a = await start(['--bootstrap', b.addr])
      for (let i = 0; i < N; i++) await a.client.post({ text: `before ${i}` })
      await eventually(async () => await seqAt(b, a.peerId) === N, {
        what: `B to hold A's ${N} entries`,
        timeoutMs: 60_000,
        intervalMs: 200
      })
      // the lie comes first, while B is away (else A may have re-learned its feed and disarmed already)
      await a.stop()
      await b.stop()
      await wipeStore(a)
      await a.spawn()
      // the liar: "A's feed goes to seq 1000" (heads are unsigned), and it serves nothing
      const liar = await boxes.rogue({ serve: new Map() })
      const conn = await liar.dial(a.addr)
      const ownKey = peerIdFromString(a.peerId).publicKey!.raw
      // told again until it sticks: A's own heads exchange with the liar on connect may land after the first telling
      await eventually(async () => {
        const lie = await liar.openSync(conn)
        await lie.send({
          type: 'heads',
          heads: [{ author: ownKey, seq: 1000, hash: new Uint8Array(32).fill(9) }],
          more: false
        })
        await lie.recv()
        await lie.close()
        await sleep(600) // the guard reads neighbours' heads every 500 ms
        return (await a.status()).ownFeed?.claimedSeq === 1000
      }, { what: 'A to hear the lie', timeoutMs: 30_000, intervalMs: 0 })
      await liar.stop()
      // B is back; A (restarted: the claim is kept in the store) re-learns what B really has, and keeps waiting for what nobody can serve
      await a.stop()
      await b.spawn()
      await a.spawn()
      await eventually(async () => {
        const o = (await a.status()).ownFeed
        return o?.ownSeq === N && o.claimedSeq === 1000 ? o : undefined
      }, {
        what: `A to re-learn its ${N} entries from B, the claim of 1000 still on record`,
        timeoutMs: 60_000,
        intervalMs: 200
      })
      let refused = 0
      for (let i = 0; i < 10; i++) {
        const r = await tryPost(a, `while lied to ${i}`)
        expect(r.code).toBe('own_head_unknown')
        refused++
        await sleep(300)
      }
      const held = (await a.status()).ownFeed
      expect(held).toMatchObject({ state: 'armed', ownSeq: N, claimedSeq: 1000, claimedBy: liar.peerId })
      // the operator: every honest box has been heard; continue after what the store holds
      await a.stop()
      await a.spawn(['--fresh-feed-ok'])
      const next = await tryPost(a, 'the operator said so')
      expect(next.seq).toBe(N + 1)
      await eventually(async () => await seqAt(b, a.peerId) === N + 1, {
        what: `B to hold A's seq ${N + 1}`,
        timeoutMs: 60_000,
        intervalMs: 200
      })
      const forks = (await b.status()).store.forks + (await a.status()).store.forks
      expect(forks).toBe(0)
      report({
        case: 15,
        name: 'self-fork guard: a neighbour claims seq 1000 it cannot serve',
        ownSeqLearned: N,
        claimedSeq: 1000,
        refusedWhileLiedTo: refused,
        stillArmed: held?.state === 'armed',
        seqAfterOverride: next.seq,
        forks
      })
    },
    300_000
  )

  it('case 15: a brand-new box posts at once; an unarmed box ignores --fresh-feed-ok but says so', async () => {
    const c = await start()
    expect(await tryPost(c, 'first words')).toEqual({ seq: 1 })
    expect((await c.status()).ownFeed).toMatchObject({ state: 'ok', ownSeq: 1 })
    await c.stop()
    await c.spawn(['--fresh-feed-ok'])
    await c.proc.waitFor('--fresh-feed-ok was given but the self-fork guard is not armed', 5000)
    expect(await tryPost(c, 'second')).toEqual({ seq: 2 })
  }, 120_000)

  it(
    'case 15: the operator override: --fresh-feed-ok lets a box nobody has heard from post from seq 1, once',
    async () => {
      const d = await start()
      await d.client.post({ text: 'never shared with anyone' })
      await d.stop()
      await wipeStore(d)
      await d.spawn()
      expect((await tryPost(d, 'refused')).code).toBe('own_head_unknown')
      await d.stop()
      await d.spawn(['--fresh-feed-ok'])
      expect(await tryPost(d, 'the operator said so')).toEqual({ seq: 1 })
      expect((await d.status()).ownFeed).toMatchObject({ state: 'ok', disarmedBy: 'override' })
      // the override is spent: a restart without the flag is not armed again
      await d.stop()
      await d.spawn()
      expect(await tryPost(d, 'and on')).toEqual({ seq: 2 })
      report({ case: 15, name: 'self-fork guard: operator override', refusedBeforeOverride: 1, seqAfterOverride: 1 })
    },
    120_000
  )

  it('case 15: over HTTP a post while armed is 503 own_head_unknown with Retry-After', async () => {
    const gateways = new Boxes()
    try {
      const dataDir = join(await gateways.dir(), 'box')
      let box = await gateways.start({ dataDir })
      const cookie = await pair(box)
      const ok = await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: sameOrigin(box, cookie),
        body: { text: 'hello' }
      })
      expect(ok.status, ok.text).toBe(201)
      await gateways.stop(box)
      await rm(join(dataDir, 'feed'), { recursive: true, force: true })
      box = await gateways.start({ dataDir })
      // sessions live in the data dir, beside the store: the browser stays paired
      const r = await call(box, '/api/v1/posts', {
        method: 'POST',
        headers: sameOrigin(box, cookie),
        body: { text: 'after the reset' }
      })
      expect(r.status, r.text).toBe(503)
      expect(r.json.error.code).toBe('own_head_unknown')
      expect(r.json.error.message).toMatch(/waiting to learn its own feed from a neighbour/)
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0)
    } finally {
      await gateways.close()
    }
  }, 120_000)
})
