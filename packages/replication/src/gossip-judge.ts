import type { Entry } from '@kiez/feed'
import type { FeedStore, IngestResult } from '@kiez/store'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { Logger } from '@libp2p/interface'
import { bump, type ReplicationCounters } from './counters.js'
import { decodeGossip } from './gossip.js'
import type { Want } from './plan.js'

/** What judging a gossip message needs from the service. */
export interface JudgeHost {
  store: FeedStore
  stats: ReplicationCounters
  log: Logger
  /** a refusal worth an answer in `kiez why` */
  noteRejection: (bytes: Uint8Array, code: string, entry?: Entry) => void
  /** whether an author's entries may leave this box (ReplicationInit.forwards) */
  forwards: (author: Uint8Array) => boolean
  /** a real gap: pull it from the sender */
  requestPull: (w: Want) => void
}

/**
 * The verdict on one gossip message (docs/SYNC.md §1). Accept forwards the
 * message as it came, so it is given only when the entry and the payload it
 * carries (or its lack of one) are both good to pass on. A payload that does
 * not match its header is the sender's fault (Reject); one that matches but
 * breaks a payload rule is the author's (Ignore: the header is stored and
 * announced by us header-only, and the payload goes no further); one refused
 * for good (a deleted entry's) is nobody's fault here (Ignore, likewise).
 */
export async function judgeGossip (host: JudgeHost, data: Uint8Array): Promise<TopicValidatorResult> {
  const { store, stats } = host
  stats.gossipReceived++
  const item = decodeGossip(data)
  if (item === undefined) {
    bump(stats.gossipRejected, 'bad_frame')
    return TopicValidatorResult.Reject
  }
  try {
    if (item.kind === 'forkProof') {
      const r = await store.ingestForkProof(item.bytes)
      if (r.status === 'rejected') {
        bump(stats.gossipRejected, r.code)
        return TopicValidatorResult.Reject
      }
      stats.forkProofsIn++
      stats.gossipAccepted++
      return TopicValidatorResult.Accept
    }
    // Judged, not written: forwarding does not wait for the disk (docs/DECISIONS.md, "Forward before the write").
    const r = await new Promise<IngestResult>((resolve, reject) => {
      store.ingest(item.entry, item.payload, { judged: resolve }).then(resolve, reject)
    })
    // Over its author's ingest budget: not stored, so not forwarded; sync pulls it once the budget refills.
    if (r.status === 'deferred') {
      bump(stats.gossipIgnored, 'deferred')
      return TopicValidatorResult.Ignore
    }
    if ((r.status === 'stored' || r.status === 'duplicate') && !host.forwards(r.entry.author)) {
      bump(stats.gossipIgnored, 'not_forwarded')
      return TopicValidatorResult.Ignore
    }
    if (r.status === 'stored' || r.status === 'duplicate') return payloadVerdict(host, r)
    // The conflicting entry is not forwarded: the fork proof (published via onFork) carries the news.
    if (r.status === 'fork') {
      bump(stats.gossipIgnored, 'forked')
      return TopicValidatorResult.Ignore
    }
    host.noteRejection(item.entry, r.code, r.entry)
    switch (r.code) {
      case 'wrong_seq': {
        // Signed by its author (signatures are checked before seq), so the gap is real: pull it from the sender.
        const e = r.entry
        const have = e === undefined ? 0 : (store.head(e.author)?.seq ?? 0)
        if (e !== undefined && e.seq > have + 1) {
          host.requestPull({ author: e.author, from: have + 1, to: e.seq, needForkProof: false })
        }
        bump(stats.gossipIgnored, r.code)
        return TopicValidatorResult.Ignore
      }
      case 'wrong_previous':
      case 'forked':
      case 'duplicate':
        bump(stats.gossipIgnored, r.code)
        return TopicValidatorResult.Ignore
      default:
        bump(stats.gossipRejected, r.code)
        return TopicValidatorResult.Reject
    }
  } catch (err) {
    // Our own failure (store closed, disk): not the sender's fault.
    bump(stats.gossipIgnored, 'internal')
    host.log.error('validating gossip failed: %e', err)
    return TopicValidatorResult.Ignore
  }
}

function payloadVerdict (
  host: JudgeHost,
  r: Extract<IngestResult, { status: 'stored' | 'duplicate' }>
): TopicValidatorResult {
  const { stats } = host
  switch (r.payload) {
    case 'mismatch':
      host.noteRejection(r.entry.bytes, 'payload_mismatch', r.entry)
      bump(stats.gossipRejected, 'payload_mismatch')
      return TopicValidatorResult.Reject
    case 'invalid':
      bump(stats.gossipIgnored, 'payload_invalid')
      return TopicValidatorResult.Ignore
    case 'refused':
      bump(stats.gossipIgnored, 'payload_refused')
      return TopicValidatorResult.Ignore
    default:
      break
  }
  if (r.status === 'stored') {
    stats.gossipAccepted++
    return TopicValidatorResult.Accept
  }
  // A header we held without its payload: the payload fills the gap, and neighbours may lack it too.
  if (r.payload === 'stored') {
    stats.gossipAccepted++
    return TopicValidatorResult.Accept
  }
  stats.gossipDuplicates++
  return TopicValidatorResult.Ignore
}
