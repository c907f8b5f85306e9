import { MAX_ENTRY_BYTES, sha256 } from '@kiez/feed'
import type { GossipsubOpts, Message } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import { feedTopic, MAX_FORK_PROOF_BYTES } from './constants.js'

/** First byte of a gossip message: what the rest is. */
export const GossipKind = { entry: 0x01, forkProof: 0x02 } as const

export type GossipItem = { kind: 'entry', bytes: Uint8Array } | { kind: 'forkProof', bytes: Uint8Array }

export function encodeGossip (item: GossipItem): Uint8Array {
  const out = new Uint8Array(1 + item.bytes.byteLength)
  out[0] = item.kind === 'entry' ? GossipKind.entry : GossipKind.forkProof
  out.set(item.bytes, 1)
  return out
}

/** Only the framing: the body is judged by the store. Undefined for an unknown kind, an empty or oversized body. */
export function decodeGossip (data: Uint8Array): GossipItem | undefined {
  const body = data.subarray(1)
  if (body.byteLength === 0) return undefined
  if (data[0] === GossipKind.entry && body.byteLength <= MAX_ENTRY_BYTES) return { kind: 'entry', bytes: body }
  if (data[0] === GossipKind.forkProof && body.byteLength <= MAX_FORK_PROOF_BYTES) {
    return { kind: 'forkProof', bytes: body }
  }
  return undefined
}

/**
 * Message id = sha2-256 of the body, i.e. for an entry exactly the digest in
 * its entry id. The same entry announced by two boxes is one message, so
 * gossipsub's seen-cache dedupes it before our validator runs.
 */
export function feedMsgId (msg: Message): Uint8Array {
  return sha256(msg.data.subarray(1))
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
