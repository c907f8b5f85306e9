import { asEntry } from './api.js'
import type { Entry } from './types.js'

export type LiveState = 'connecting' | 'live' | 'reconnecting'

export interface LiveInit {
  /**
   * The gateway's event stream.
   *
   * @default '/api/v1/events'
   */
  url?: string
  /**
   * A new entry arrived (already shape-checked).
   *
   * @default none (required)
   */
  onEntry: (e: Entry) => void
  /**
   * A neighbour connected or left: GET the peers again.
   *
   * @default none (required)
   */
  onPeer: () => void
  /**
   * An entry the page may show changed: deleted, edited, or its text arrived late. GET it again.
   *
   * @default ignored
   */
  onChanged?: (id: string) => void
  /**
   * The gateway's mesh map changed (a box came or went anywhere on it): GET it again.
   *
   * @default none (required)
   */
  onTopology: () => void
  /**
   * The household's members changed (added, removed, renamed): GET the session again.
   *
   * @default ignored
   */
  onMembers?: () => void
  /** A member of this box received or sent a private message: GET /api/v1/messages again. */
  onMessages?: () => void
  /**
   * The gateway could not resume from Last-Event-ID (too far behind): reload the feed.
   *
   * @default none (required)
   */
  onReset: () => void
  /**
   * The stream is connecting, live or reconnecting.
   *
   * @default none (required)
   */
  onState: (s: LiveState) => void
}

/**
 * Follows /api/v1/events. EventSource reconnects by itself and sends
 * Last-Event-ID, so the gateway resumes where we were; we only report state.
 * Event data is untrusted: one that does not parse or lacks fields is dropped.
 */
export function follow (init: LiveInit): () => void {
  const es = new EventSource(init.url ?? '/api/v1/events')
  let opened = false
  // Without an event id there is nothing to resume from: after a reconnect the
  // gateway cannot know what we missed, so we reload the feed ourselves.
  let sawId = false
  const seen = (ev: Event): void => {
    if ((ev as MessageEvent).lastEventId !== '') sawId = true
  }
  init.onState('connecting')
  es.addEventListener('open', () => {
    if (opened && !sawId) init.onReset()
    opened = true
    init.onState('live')
  })
  es.addEventListener('error', () => init.onState('reconnecting'))
  es.addEventListener('entry', (ev) => {
    seen(ev)
    const e = asEntry(parse((ev as MessageEvent<string>).data))
    if (e !== undefined) init.onEntry(e)
  })
  es.addEventListener('members', (ev) => {
    seen(ev)
    init.onMembers?.()
  })
  es.addEventListener('messages', (ev) => {
    seen(ev)
    init.onMessages?.()
  })
  es.addEventListener('changed', (ev) => {
    seen(ev)
    const d = parse((ev as MessageEvent<string>).data) as { id?: unknown } | undefined
    if (typeof d?.id === 'string' && d.id.length <= 128) init.onChanged?.(d.id)
  })
  // the box's blocks or followed lists changed: what the feed shows may have, anywhere in it
  es.addEventListener('moderation', (ev) => {
    seen(ev)
    init.onReset()
  })
  es.addEventListener('peer', (ev) => {
    seen(ev)
    init.onPeer()
  })
  es.addEventListener('topology', (ev) => {
    seen(ev)
    init.onTopology()
  })
  es.addEventListener('reset', (ev) => {
    seen(ev)
    init.onReset()
  })
  return () => es.close()
}

function parse (data: string): unknown {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}
