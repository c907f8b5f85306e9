/**
 * The control API's private messages (`kiez dm …`): JSON shapes and the
 * client calls (the routes are in message-routes.ts). The daemon implements
 * MessageControlApi over @kiez/messages (packages/daemon/src/messages.ts);
 * the web gateway serves the same shapes under /api/v1/messages.
 */
import type { ControlCall } from './moderation-client.js'

/** One conversation of a member: the other author and where it stands. */
export interface ConversationJson {
  /** the other author's peer id, as the feed names authors */
  peer: string
  /** their display name, when the box knows one */
  name?: string
  /** the newest message's timestamp (the author's clock, ms) */
  lastAt: number
  /** whether the newest message is the member's own */
  lastOut: boolean
  unread: number
  count: number
}

export interface ConversationsJson {
  /** the member whose conversations these are (peer id) */
  member: string
  unread: number
  conversations: ConversationJson[]
}

export interface MessageJson {
  /** the `message` entry's id */
  id: string
  from: string
  to: string[]
  at: number
  /** whether the member sent it */
  out: boolean
  text: string
}

export interface ConversationViewJson {
  member: string
  peer: string
  name?: string
  messages: MessageJson[]
}

export interface SentJson {
  id: string
  seq: number
  timestamp: number
  to: string[]
}

export interface MessageSendRequest {
  /** the member who writes (name); absent: the box's one member */
  as?: string
  /** author ids (peer id or 64 hex digits) or names the box knows, 1 … 8 */
  to: string[]
  text: string
}

export interface MessageControlApi {
  send(req: MessageSendRequest): Promise<SentJson>
  list(as: string | undefined): Promise<ConversationsJson>
  /** one conversation, oldest first; marks it read */
  read(as: string | undefined, peer: string): Promise<ConversationViewJson>
  block(req: { as?: string, author: string, blocked: boolean }): Promise<{ author: string, blocked: boolean }>
}

export function messageClient (call: ControlCall): MessageControlApi {
  const q = (as: string | undefined, extra: Record<string, string> = {}): string => {
    const p = new URLSearchParams({ ...(as !== undefined ? { as } : {}), ...extra }).toString()
    return p === '' ? '' : `?${p}`
  }
  return {
    send: async (req) => await call('POST', '/messages', req),
    list: async (as) => await call('GET', `/messages${q(as)}`),
    read: async (as, peer) => await call('GET', `/messages${q(as, { with: peer })}`),
    block: async (req) => await call('POST', '/messages/blocks', req)
  }
}
