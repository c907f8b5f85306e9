import type { FastifyInstance } from 'fastify'
import { entryId, MAX_REASON_BYTES, parseEntryId, type Entry } from '@kiez/feed'
import { GatewayError } from '../errors.js'
import { reportRoute, reportsRoute } from '../schemas.js'
import type { ReportJson } from '../types.js'
import type { RouteContext } from './context.js'

/** Most timeline entries one GET /reports looks through (the store has no index by kind). */
const MAX_SCANNED = 5000

/**
 * Reports: a paired reader reports an entry with a reason (a `report` entry
 * signed with the box key, which travels like any entry), and every page can
 * list the reports this box holds, newest first. A moderator's box is where
 * they matter: its owner reads them and decides.
 */
export function registerReports (
  api: FastifyInstance,
  ctx: Pick<RouteContext, 'backend' | 'names' | 'format' | 'moderation'>
): void {
  const { backend } = ctx
  const json = async (e: Entry): Promise<ReportJson | undefined> => {
    const b = e.body
    if (b?.type !== 'report') return undefined
    const base = ctx.format.entry(e, await ctx.names.nameOf(e.author))
    const out: ReportJson = {
      id: base.id,
      author: base.author,
      authorKey: base.authorKey,
      seq: e.seq,
      timestamp: e.timestamp,
      type: 'report',
      target: entryId(b.target),
      reason: b.reason
    }
    if (base.authorName !== undefined) out.authorName = base.authorName
    return out
  }

  api.post<{ Body: { entry: string, reason: string } }>(
    '/reports',
    { schema: reportRoute, config: { rate: 'post' } },
    async (req, reply) => {
      const moderation = backend.moderation
      if (moderation === undefined) throw new GatewayError(404, 'not_found', 'this box takes no reports')
      const target = parseEntryId(req.body.entry)
      if (target === undefined) {
        throw new GatewayError(400, 'invalid_id', 'that is not an entry id (a CIDv1, dag-cbor, sha2-256)')
      }
      if (Buffer.byteLength(req.body.reason, 'utf8') > MAX_REASON_BYTES) {
        throw new GatewayError(400, 'invalid_reason', `a reason is at most ${MAX_REASON_BYTES} UTF-8 bytes`)
      }
      if (await backend.feed.get(req.body.entry) === undefined) {
        throw new GatewayError(404, 'entry_not_found', 'no entry with that id on this box')
      }
      const e = await moderation.report({ target, reason: req.body.reason })
      return await reply.status(201).send(await json(e))
    }
  )

  api.get<{ Querystring: { limit: number, before?: string } }>('/reports', { schema: reportsRoute }, async (req) => {
    const { limit } = req.query
    const reports: ReportJson[] = []
    let cursor = req.query.before
    // Pages of `limit` entries hold at most `limit` reports each: a page that would overflow the answer
    // is left for the next request, which starts at it (its cursor is the one that fetched it).
    for (let scanned = 0; scanned < MAX_SCANNED; scanned += limit) {
      let page
      try {
        page = await backend.feed.timeline(cursor === undefined ? { limit } : { limit, before: cursor })
      } catch (err) {
        if ((err as { code?: unknown }).code === 'bad_input') {
          throw new GatewayError(400, 'bad_cursor', 'the paging cursor is not one this box issued')
        }
        throw err
      }
      const found = ctx.moderation.visible(page.entries.filter((e) => e.body?.type === 'report'))
      if (reports.length + found.length > limit && cursor !== undefined) return { reports, next: cursor }
      for (const e of found) {
        const r = await json(e)
        if (r !== undefined) reports.push(r)
      }
      if (page.next === undefined) return { reports }
      cursor = page.next
      if (reports.length === limit) break
    }
    return cursor === undefined ? { reports } : { reports, next: cursor }
  })
}
