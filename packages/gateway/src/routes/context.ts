import type { FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Entry } from '@kiez/feed'
import type { EntryFormatter } from '../entry-json.js'
import type { EventStream } from '../events.js'
import type { FailureWindow } from '../limits.js'
import type { GatewayMetrics } from '../metrics.js'
import type { ModerationView } from '../moderation.js'
import type { MemberSessions } from '../members.js'
import type { PairingCodes, SessionInfo, SessionStore } from '../pairing.js'
import type { ProfileNames } from '../profiles.js'
import type { EntryJson, GatewayBackend, TopologyView } from '../types.js'

/**
 * Everything a route module may use. Each module takes a `Pick` of it, so its
 * signature says what it depends on (members, blobs, messages come as new modules).
 */
export interface RouteContext {
  backend: GatewayBackend
  logger: Logger
  names: ProfileNames
  format: EntryFormatter
  /** what the box's blocks and followed moderation lists leave out or mark */
  moderation: ModerationView
  /** the entry as JSON with its author's chosen name */
  withName: (e: Entry) => Promise<EntryJson>
  hasSession: (req: FastifyRequest) => boolean
  /** the browser's session cookie and its session (noted as seen), if it is paired */
  session: (req: FastifyRequest) => { token: string, info: SessionInfo } | undefined
  /** who a browser posts as: the household's members and each session's current one */
  people: MemberSessions
  /** when the store last took an entry (ms) */
  newestStoredAt: () => number
  /** the cached mesh map (one crawl serves every reader) */
  topologyMap: (draw: () => Promise<TopologyView>) => Promise<TopologyView & { ageMs: number }>
  pairing: PairingCodes
  sessions: SessionStore
  pairFailures: FailureWindow
  events: EventStream
  metrics: GatewayMetrics
  /** open event streams per client address */
  streamsByIp: Map<string, number>
  maxEventClientsPerIp: number
}
