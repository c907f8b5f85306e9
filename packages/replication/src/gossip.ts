import { MAX_ENTRY_BYTES, MAX_PAYLOAD_BYTES, sha256 } from '@kiez/feed'
import type { GossipsubOpts, Message } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import { decode, encode } from 'cborg'
import { feedTopic, MAX_FORK_PROOF_BYTES, MAX_GOSSIP_ENTRY_BYTES } from './constants.js'

/**
 * First byte of a gossip message: what the rest is. 0x01 (format 1: the bare
 * entry) is retired; 0x03 is an entry of format 2 with its payload when the
 * sender holds it.
 */
export const GossipKind = { entry: 0x03, forkProof: 0x02 } as const

export type GossipItem =
  | { kind: 'entry', entry: Uint8Array, payload?: Uint8Array }
  | { kind: 'forkProof', bytes: Uint8Array }

const STRICT = {
  strict: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowBigInt: false,
  allowInfinity: false,
  allowNaN: false,
  tags: [],
  useMaps: false
} as const

/** 0x03 ‖ CBOR [entry, payload / null], or 0x02 ‖ fork proof (docs/SYNC.md §1). */
export function encodeGossip (item: GossipItem): Uint8Array {
  const body = item.kind === 'entry' ? encode([item.entry, item.payload ?? null]) : item.bytes
  const out = new Uint8Array(1 + body.byteLength)
  out[0] = item.kind === 'entry' ? GossipKind.entry : GossipKind.forkProof
  out.set(body, 1)
  return out
}

/**
 * Only the framing: the entry and payload are judged by the store. Undefined
 * for an unknown kind, an empty or oversized body, or an entry body that is
 * not exactly the canonical CBOR of [entry (1..256 bytes), payload (≤ 10 240
 * bytes) / null]: one message per (entry, payload), so one message id.
 */
export function decodeGossip (data: Uint8Array): GossipItem | undefined {
  const body = data.subarray(1)
  if (body.byteLength === 0) return undefined
  if (data[0] === GossipKind.forkProof) {
    return body.byteLength <= MAX_FORK_PROOF_BYTES ? { kind: 'forkProof', bytes: body } : undefined
  }
  if (data[0] !== GossipKind.entry || body.byteLength > MAX_GOSSIP_ENTRY_BYTES) return undefined
  let v: unknown
  try {
    v = decode(body, STRICT)
  } catch {
    return undefined
  }
  if (!Array.isArray(v) || v.length !== 2) return undefined
  const [entry, payload] = v as unknown[]
  if (!(entry instanceof Uint8Array) || entry.byteLength === 0 || entry.byteLength > MAX_ENTRY_BYTES) return undefined
  if (payload !== null && (!(payload instanceof Uint8Array) || payload.byteLength > MAX_PAYLOAD_BYTES)) return undefined
  if (Buffer.compare(encode(v), body) !== 0) return undefined
  return payload === null ? { kind: 'entry', entry } : { kind: 'entry', entry, payload }
}

/**
 * Message id = sha2-256 of the whole message, kind byte, entry and payload.
 * The same (entry, payload) announced by two boxes is one message, so
 * gossipsub's seen-cache dedupes it before our validator runs. A copy with a
 * wrong payload is another message: sent first, it is rejected, and the
 * honest copy is still judged (an id over the entry alone would drop it as
 * seen). A header-only copy and a full one are two messages too: the second
 * is a duplicate header whose payload fills the gap.
 */
export function feedMsgId (msg: Message): Uint8Array {
  return sha256(msg.data)
}

/**
 * Scores for the feed topic. A neighbourhood feed is quiet, so the
 * mesh-delivery-rate penalties (P3, P3b) are off: they would punish honest
 * peers for having nothing to say. Invalid messages (P4) weigh heavily: an
 * invalid entry is a forgery or a broken box, never an accident of timing.
 */
export const feedTopicScoreParams: Partial<TopicScoreParams> = {
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  // per decay interval (1 s): about a minute's half-life
  invalidMessageDeliveriesDecay: 0.99
}

/**
 * The gossipsub options replication relies on; spread them into the
 * gossipsub() init of the node: `gossipsub({ ...feedGossipsubOptions('kiez'), ... })`.
 */
export function feedGossipsubOptions (mesh: string): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: 'StrictNoSign',
    msgIdFn: feedMsgId,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    scoreParams: { topics: { [feedTopic(mesh)]: feedTopicScoreParams as TopicScoreParams } }
  }
}
