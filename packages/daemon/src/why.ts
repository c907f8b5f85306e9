import { parseEntryId } from '@kiez/feed'
import type { ReplicationInfo, RejectionRecord } from '@kiez/replication'
import type { FeedStore } from '@kiez/store'
import { peerIdFromString } from '@libp2p/peer-id'
import { ApiError } from './errors.js'
import { authorName, entryToJson, isShownKind } from './entry-json.js'
import type { WhyJson } from './control/types.js'

export interface WhyInput {
  store: FeedStore
  /** replication's view; undefined when the node runs without it */
  info?: ReplicationInfo
  rejections: RejectionRecord[]
  now: number
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export function authorKey (author: string): Uint8Array {
  try {
    const pk = peerIdFromString(author).publicKey
    if (pk?.type === 'Ed25519') return pk.raw
  } catch {}
  throw new ApiError(400, 'bad_author', `"${author}" is not an author's peer id`)
}

/**
 * Why an entry is or is not here, from what this box alone knows: the store,
 * the refusals replication recorded, and the heads neighbours last sent. An
 * entry id is only a hash, so the author and seq come from a refusal, a
 * neighbour's head, or the caller's hint.
 */
export async function explainEntry (
  id: string,
  hint: { author?: string, seq?: number },
  input: WhyInput
): Promise<WhyJson> {
  const hash = parseEntryId(id)
  if (hash === undefined) throw new ApiError(400, 'bad_entry_id', `"${id}" is not an entry id (bafyrei…)`)
  const { store, info, now } = input
  const entry = await store.get(hash)
  if (entry !== undefined) {
    const e = entryToJson(entry)
    const out: WhyJson = {
      id,
      verdict: 'here',
      reason: `here: seq ${e.seq} of ${e.author}`,
      author: e.author,
      seq: e.seq
    }
    // a delete, an edit or a later version's kind is here too, but has no shape `entry` could show
    if (isShownKind(entry.kind)) out.entry = e
    return out
  }
  const refused = input.rejections.filter((r) => r.id === id).slice(0, 16)
  const out: WhyJson = { id, verdict: 'never_seen', reason: '' }
  const hashHex = hex(hash)
  // the author and seq: from a refusal that parsed, from a neighbour's head, or from the hint
  let authorBytes = refused.find((r) => r.author !== undefined)?.author
  let seq = refused.find((r) => r.seq !== undefined)?.seq
  for (const p of info?.peers ?? []) {
    const h = p.heads.find((x) => x.hash === hashHex)
    if (h !== undefined) {
      authorBytes ??= Uint8Array.from(Buffer.from(h.author, 'hex'))
      seq ??= h.seq
    }
  }
  if (authorBytes === undefined && hint.author !== undefined) authorBytes = authorKey(hint.author)
  seq ??= hint.seq
  if (authorBytes !== undefined) out.author = authorName(authorBytes)
  if (seq !== undefined) out.seq = seq
  const head = authorBytes !== undefined ? store.head(authorBytes) : undefined
  if (authorBytes !== undefined) out.ourSeq = head?.seq ?? 0
  if (head?.forkedAt !== undefined) out.forkedAt = head.forkedAt

  if (refused.length > 0) {
    out.verdict = 'rejected'
    out.rejections = refused.map((r) => ({
      peerId: r.peerId,
      code: r.code,
      via: r.via,
      agoMs: Math.max(0, now - r.atMs)
    }))
    const codes = [...new Set(refused.map((r) => r.code))].join(', ')
    out.reason = `offered by ${refused[0]?.peerId ?? '?'}${
      refused.length > 1 ? ` and ${refused.length - 1} more time(s)` : ''
    } and refused: ${codes}`
    return out
  }
  if (out.forkedAt !== undefined && (seq === undefined || seq >= out.forkedAt)) {
    out.verdict = 'author_forked'
    out.reason =
      `the author signed two different entries at seq ${out.forkedAt}: their feed is frozen here from that seq on (fork proof held)`
    return out
  }
  if (authorBytes !== undefined) {
    const key = hex(authorBytes)
    out.holders = (info?.peers ?? []).flatMap((p) => {
      const a = p.authors.find((x) => x.author === key)
      return a !== undefined && a.theirSeq > (out.ourSeq ?? 0) && (seq === undefined || a.theirSeq >= seq)
        ? [{ peerId: p.peerId, theirSeq: a.theirSeq }]
        : []
    })
    if (out.holders.length > 0) {
      out.verdict = 'behind'
      out.reason = `we hold this author up to seq ${out.ourSeq ?? 0}${
        seq !== undefined ? `, the entry is seq ${seq}` : ''
      }; ${out.holders.map((h) => `${h.peerId} has up to ${h.theirSeq}`).join(', ')}: the next sync should bring it`
      return out
    }
    out.reason = `never seen: we hold this author up to seq ${out.ourSeq ?? 0}${
      seq !== undefined ? `, the entry is seq ${seq}` : ''
    }, and no neighbour's heads go further`
    return out
  }
  out.reason =
    'never seen: no neighbour offered it, none lists it as a head; it may be further than the neighbours reach, or not exist'
  return out
}
