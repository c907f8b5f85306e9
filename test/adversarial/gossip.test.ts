/**
 * Cases 1, 2, 5: what a rogue can push by gossip. Real daemons on 127.0.0.1,
 * a rogue libp2p node dialing the first of them.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createEntry, encodeBody, encodeHeader, sha256, signerFromSeed, type EntryHeader } from '@kiez/feed'
import { report, sleep, sum, type LocalDaemon } from './daemons.ts'
import { chain, forged, gossipEntry, item, randomSigner, signRaw, type Rogue, type WireItem } from './rogue.ts'
import { useBoxes } from './fixture.ts'

const boxes = useBoxes()
const daemon = boxes.daemon

/** A rogue connected to `d`, and known by `d`'s gossipsub as a topic peer (both ways). */
async function rogueAt (d: LocalDaemon): Promise<Rogue> {
  const r = await boxes.rogue()
  await r.dial(d.addr)
  await eventually(() => r.topicPeers().includes(d.peerId), {
    what: 'the box to subscribe towards the rogue',
    timeoutMs: 15_000,
    intervalMs: 200
  })
  return r
}

/** A line A — B: B bootstraps from A. */
async function line2 (): Promise<[LocalDaemon, LocalDaemon]> {
  const a = await daemon()
  const b = await daemon(['--bootstrap', a.addr])
  await eventually(async () => (await a.status()).counts.peers >= 1, {
    what: 'A and B connected',
    timeoutMs: 20_000,
    intervalMs: 200
  })
  return [a, b]
}

describe('adversarial: gossip', () => {
  it('case 1: 1 000 forged entries by gossip: 0 stored, 0 forwarded, the rogue is cut off', async () => {
    const [a, b] = await line2()
    const rogue = await rogueAt(a)
    const signer = signerFromSeed(randomSigner().seed)
    const N = 1000
    for (let i = 0; i < N; i++) await rogue.publish(gossipEntry(forged(signer, `forged ${i}`)))
    // A sentinel from an honest author, sent by the rogue last: once a box that still listens to the rogue
    // would have stored it, all forgeries before it were judged. A graylisted rogue's sentinel is dropped too.
    const honest = signerFromSeed(randomSigner().seed)
    const sentinel = chain(honest, 1, () => 'sentinel after the forgeries')[0]!
    await rogue.publish(gossipEntry(sentinel))
    // Then the same sentinel over a fresh, clean rogue: proves A still accepts honest gossip and forwards it to B.
    const clean = await rogueAt(a)
    await clean.publish(gossipEntry(sentinel))
    await eventually(async () => (await b.status()).counts.entries === 1, {
      what: 'the sentinel on B',
      timeoutMs: 20_000,
      intervalMs: 200
    })
    await sleep(1000)

    const rejected1 = (await a.sync()).counters.gossipRejected as Record<string, number>
    // Refused by now: 200 more forgeries are dropped before anyone verifies them.
    for (let i = 0; i < 200; i++) await rogue.publish(gossipEntry(forged(signer, `late forgery ${i}`)))
    const sentinel2 = chain(signerFromSeed(randomSigner().seed), 1, () => 'second sentinel')[0]!
    await rogue.publish(gossipEntry(sentinel2))
    await clean.publish(gossipEntry(chain(signerFromSeed(randomSigner().seed), 1, () => 'third sentinel')[0]!))
    await eventually(async () => (await b.status()).counts.entries >= 2, {
      what: 'the third sentinel on B',
      timeoutMs: 20_000,
      intervalMs: 200
    })
    await sleep(500)

    const sa = await a.sync()
    const sb = await b.sync()
    const stA = await a.status()
    const stB = await b.status()
    const rejected2 = sa.counters.gossipRejected as Record<string, number>
    const verified = rejected2.bad_signature ?? 0
    const stillConnected = rogue.node.getConnections().some((c) =>
      c.remotePeer.toString() === a.peerId && c.status === 'open'
    )
    report({
      case: 1,
      name: 'forged gossip',
      sent: N + 200,
      stored: (stA.counts.entries - 2) + (stB.counts.entries - 2),
      forwarded: sum(sb.counters.gossipRejected),
      signaturesVerifiedBeforeCutOff: verified,
      refusedUnseen: rejected2.peer_refused ?? 0,
      verifiedAfterBurst: verified - (rejected1.bad_signature ?? 0),
      rogueSentinelStored: stA.counts.entries > 2,
      rogueConnectedAtEnd: stillConnected,
      storeRejectedA: stA.store.rejected
    })
    // only the two honest sentinels that came over the clean rogue, on both boxes
    expect(stA.counts.entries).toBe(2)
    expect(stB.counts.entries).toBe(2)
    // B saw only honest gossip: nothing rejected, nothing of the rogue's forwarded
    expect(sum(sb.counters.gossipRejected)).toBe(0)
    expect(sb.counters.gossipReceived).toBe(2)
    // the store verified at most the strike budget (16) plus the validations in flight (32), refused the rest unseen
    expect(stA.store.rejected).toEqual({ bad_signature: verified })
    expect(verified).toBeGreaterThan(0)
    expect(verified).toBeLessThanOrEqual(16 + 32)
    expect(verified - (rejected1.bad_signature ?? 0)).toBe(0)
    // hung up on, and not redialed
    expect(stillConnected).toBe(false)
  }, 120_000)

  it('case 2: 10 000 replays of valid old entries: 0 writes, CPU per replay', async () => {
    const a = await daemon()
    const author = signerFromSeed(randomSigner().seed)
    const old = chain(author, 10, (i) => `old entry ${i}`)
    // A learns the feed by sync (so the entries are not in its gossip seen-cache: replays reach the store)
    const source = await boxes.rogue({ serve: new Map([[Buffer.from(author.publicKey).toString('hex'), old]]) })
    await source.dial(a.addr)
    await eventually(async () => (await a.status()).counts.entries === 10, {
      what: 'A to pull the 10 old entries',
      timeoutMs: 20_000,
      intervalMs: 200
    })
    const rogue = await rogueAt(a)
    const before = await a.status()
    const syncBefore = await a.sync()
    const R = 10_000
    const cpu0 = a.cpuMs()
    for (let i = 0; i < R; i++) await rogue.publish(gossipEntry(old[i % old.length]!))
    const sentinel = chain(signerFromSeed(randomSigner().seed), 1, () => 'after the replays')[0]!
    await rogue.publish(gossipEntry(sentinel))
    await eventually(async () => (await a.status()).counts.entries === 11, {
      what: 'the sentinel on A',
      // the wait is A working through the 10 000-message backlog; beside the lab half of npm test that took
      // over 60 s once on 2 cores. What the case asserts (0 writes, the counts, CPU per replay) is unchanged.
      timeoutMs: 150_000,
      intervalMs: 50
    })
    const cpuMs = a.cpuMs() - cpu0
    const after = await a.status()
    const syncAfter = await a.sync()
    const dupStore = after.store.duplicates - before.store.duplicates
    const dupGossip = (syncAfter.counters.gossipDuplicates as number) - (syncBefore.counters.gossipDuplicates as number)
    report({
      case: 2,
      name: 'replays',
      replays: R,
      newEntries: after.counts.entries - before.counts.entries - 1,
      storeDuplicates: dupStore,
      gossipValidatorDuplicates: dupGossip,
      droppedBySeenCache: R - dupGossip,
      cpuPerReplayUs: Math.round(cpuMs * 1000 / R),
      rejected: after.store.rejected
    })
    expect(after.counts.entries).toBe(11)
    expect(after.store.rejected).toEqual({})
    expect(sum(syncAfter.counters.gossipRejected)).toBe(0)
    // the rogue is not scored down for replays (they are Ignored, not Rejected): its sentinel got through
    // and no replay was written: each reached at most the duplicate check
    expect(dupStore).toBeLessThanOrEqual(R)
  }, 240_000)

  it(
    'case 5: oversized, non-canonical, malformed-kind and far-future entries are refused with their codes and counted; a payload over the limit in bytes is refused, its header kept',
    async () => {
      const a = await daemon()
      const rogue = await rogueAt(a)
      const s = signerFromSeed(randomSigner().seed)
      const now = Date.now()
      /** A seq-1 post's header (`encodeHeader`, so any field may be wrong) and the payload it commits to. */
      const post = (text: string, over: Partial<EntryHeader> = {}): { header: Uint8Array, payload: Uint8Array } => {
        const payload = encodeBody({ type: 'post', text })
        const header = encodeHeader({
          author: s.publicKey,
          seq: 1,
          previous: null,
          timestamp: now,
          kind: 'post',
          payloadHash: sha256(payload),
          payloadSize: payload.byteLength,
          ...over
        })
        return { header, payload }
      }
      // a header announcing a payload of 10 241 bytes (PROTOCOL.md §4, entry check 4); sent header only, since
      // no gossip frame carries such a payload
      const oversized: WireItem = { entry: signRaw(s, post('too big', { payloadSize: 10_241 }).header) }
      const good = post('a canonical post')
      // seq 1 as a two-byte integer (0x18 0x01): same value, not the shortest form; validly signed
      const seqAt = 4 + 32
      expect(good.header[seqAt]).toBe(0x01)
      const nonCanonicalHeader = new Uint8Array([
        ...good.header.subarray(0, seqAt),
        0x18,
        0x01,
        ...good.header.subarray(seqAt + 1)
      ])
      const nonCanonical: WireItem = { entry: signRaw(s, nonCanonicalHeader), payload: good.payload }
      // a canonical header inside an envelope whose signature length is not in shortest form (0x59 0x0040)
      const env = signRaw(s, good.header)
      const nonCanonicalEnvelope: WireItem = {
        entry: new Uint8Array([
          ...env.subarray(0, env.length - 66),
          0x59,
          0x00,
          0x40,
          ...env.subarray(env.length - 64)
        ]),
        payload: good.payload
      }
      // Format 2 takes a well-formed kind it does not know as valid and opaque (PROTOCOL.md §2, kinds to come), so
      // format 1's unknown_type case becomes the refusal that remains: a kind string outside [a-z][a-z0-9_-]*
      // ("React", upper case) is bad_encoding (§4, entry check 2; vector 11), whatever the payload.
      const reactKind = post('👍', { kind: 'React' })
      const malformedKind: WireItem = { entry: signRaw(s, reactKind.header), payload: reactKind.payload }
      const futurePost = post('from the future', { timestamp: now + 3600_000 })
      const future: WireItem = { entry: signRaw(s, futurePost.header), payload: futurePost.payload }
      const cases: Array<[string, WireItem, string]> = [
        ['oversized payload announced', oversized, 'content_too_large'],
        ['non-canonical seq', nonCanonical, 'non_canonical'],
        ['non-canonical envelope', nonCanonicalEnvelope, 'non_canonical'],
        ['malformed kind', malformedKind, 'bad_encoding'],
        ['far-future timestamp', future, 'future_timestamp']
      ]
      for (const [, i] of cases) await rogue.publish(gossipEntry(i))
      // 2 731 × '€' = 8 193 UTF-8 bytes in 2 731 characters: a limit counted in characters would let it through.
      // The header is valid and judged on its own (§4, "a payload's result never changes its entry's"): stored;
      // the payload, signed by its author, breaks payload check 6: refused (content_too_large), Ignored (the
      // author's fault, not the sender's: SYNC.md §1), never held.
      const euroAuthor = signerFromSeed(randomSigner().seed)
      const euroPayload = encodeBody({ type: 'post', text: '€'.repeat(2731) })
      const euroHeader = encodeHeader({
        author: euroAuthor.publicKey,
        seq: 1,
        previous: null,
        timestamp: now,
        kind: 'post',
        payloadHash: sha256(euroPayload),
        payloadSize: euroPayload.byteLength
      })
      await rogue.publish(gossipEntry({ entry: signRaw(euroAuthor, euroHeader), payload: euroPayload }))
      await rogue.publish(
        gossipEntry(item(createEntry(signerFromSeed(randomSigner().seed), {
          seq: 1,
          previous: null,
          timestamp: now,
          body: { type: 'post', text: 'sentinel' }
        })))
      )
      await eventually(async () => (await a.status()).counts.entries === 2, {
        what: 'the sentinel and the € header on A',
        timeoutMs: 20_000,
        intervalMs: 200
      })
      const st = await a.status()
      const sy = await a.sync()
      const want: Record<string, number> = {}
      for (const [, , code] of cases) want[code] = (want[code] ?? 0) + 1
      report({
        case: 5,
        name: 'malformed entries',
        sent: cases.length + 1,
        stored: st.counts.entries - 1,
        storeRejected: st.store.rejected,
        gossipRejected: sy.counters.gossipRejected,
        gossipIgnored: sy.counters.gossipIgnored
      })
      // the two stored are the sentinel and the € header (without its payload)
      expect(st.counts.entries).toBe(2)
      expect(st.store.rejected).toEqual({ ...want, content_too_large: (want.content_too_large ?? 0) + 1 })
      expect(sy.counters.gossipRejected).toEqual(want)
      expect(sy.counters.gossipIgnored).toEqual({ payload_invalid: 1 })
    },
    60_000
  )
})
