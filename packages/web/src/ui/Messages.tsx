import { useEffect, useState } from 'preact/hooks'
import type { Api } from '../api.js'
import type { Names } from '../names.js'
import { shortId } from '../text.js'
import { relativeTime } from '../time.js'
import { Author } from './Author.js'
import { message } from './message.js'
import { useI18n } from '../i18n/index.js'

/** The DOM event a "Message" button sends (MessageButton), so no prop has to travel through the feed. */
export const MESSAGE_EVENT = 'kiez:message'

export interface ConversationView {
  peer: string
  name?: string
  lastAt: number
  lastOut: boolean
  unread: number
  count: number
}

export interface MessageView {
  id: string
  from: string
  at: number
  out: boolean
  text: string
}

/** The conversations of an answer of GET /api/v1/messages; anything else is dropped. */
export function asConversations (v: unknown): { unread: number, conversations: ConversationView[] } {
  const o = v as { unread?: unknown, conversations?: unknown }
  const list = Array.isArray(o?.conversations) ? o.conversations : []
  const conversations = list.filter((c): c is ConversationView =>
    typeof c?.peer === 'string' && typeof c.lastAt === 'number' && typeof c.unread === 'number' &&
    typeof c.count === 'number'
  )
  return { unread: typeof o?.unread === 'number' ? o.unread : 0, conversations }
}

function asMessages (v: unknown): MessageView[] {
  const list = (v as { messages?: unknown })?.messages
  return Array.isArray(list)
    ? list.filter((m): m is MessageView =>
      typeof m?.id === 'string' && typeof m.text === 'string' && typeof m.at === 'number'
    )
    : []
}

/** "Message" beside an author: opens the conversation with them in the Messages panel. */
export function MessageButton ({ author, name }: { author: string, name: string | undefined }) {
  const { t } = useI18n()
  return (
    <button
      type="button"
      class="link-button"
      aria-label={t.dm.messageTo(name ?? shortId(author))}
      onClick={() => {
        document.dispatchEvent(new CustomEvent(MESSAGE_EVENT, { detail: author }))
        document.getElementById('messages')?.scrollIntoView({ block: 'nearest' })
      }}
    >
      {t.dm.message}
    </button>
  )
}

export interface MessagesProps {
  api: Api
  names: Names
  /** whether this browser writes as a member: messages are members' */
  member: boolean
  /** bumped on each `messages` event of the stream */
  tick: number
  now: number
}

/**
 * The current member's private messages: conversations with unread counts,
 * one conversation, and a box to write. End-to-end encrypted by the box
 * (docs/PROTOCOL.md "Private messages"); the text never leaves the two boxes
 * unencrypted.
 */
export function Messages ({ api, names, member, tick, now }: MessagesProps) {
  const [list, setList] = useState<{ unread: number, conversations: ConversationView[] }>({
    unread: 0,
    conversations: []
  })
  const [open, setOpen] = useState<string | undefined>()
  const [messages, setMessages] = useState<MessageView[]>([])
  const [text, setText] = useState('')
  const [to, setTo] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const { t } = useI18n()

  async function load (): Promise<void> {
    if (!member) return
    try {
      setList(asConversations(await api.messages()))
      if (open !== undefined) {
        setMessages(asMessages(await api.messages(open)))
        setList(asConversations(await api.markRead(open)))
      }
      setError(undefined)
    } catch (err) {
      setError(t.dm.loadFailed(message(err)))
    }
  }

  useEffect(() => {
    void load()
  }, [member, tick, open])

  useEffect(() => {
    const onMessage = (ev: Event): void => {
      const author = (ev as CustomEvent<unknown>).detail
      if (typeof author === 'string' && author.length <= 128) setOpen(author)
    }
    document.addEventListener(MESSAGE_EVENT, onMessage)
    return () => document.removeEventListener(MESSAGE_EVENT, onMessage)
  }, [])

  const send = async (ev: Event): Promise<void> => {
    ev.preventDefault()
    const recipient = open ?? to.trim()
    if (recipient === '' || text.trim() === '') return
    setBusy(true)
    try {
      await api.sendMessage([recipient], text)
      setText('')
      setTo('')
      setOpen(recipient)
      await load()
    } catch (err) {
      setError(t.dm.notSent(message(err)))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="panel" id="messages" aria-labelledby="messages-title">
      <h2 id="messages-title">
        {t.dm.heading}{' '}
        {list.unread > 0 && <span class="badge unread" aria-label={t.dm.unread(list.unread)}>{list.unread}</span>}
      </h2>
      {!member
        ? <p class="muted">{t.dm.notMember}</p>
        : (
          <>
            <p class="hint">{t.dm.hint}</p>
            {error !== undefined && <p class="error" role="alert">{error}</p>}
            {open === undefined
              ? (
                list.conversations.length === 0
                  ? <p class="muted">{t.dm.none}</p>
                  : (
                    <ul class="conversations">
                      {list.conversations.map((c) => (
                        <li key={c.peer}>
                          <button type="button" class="link-button" onClick={() => setOpen(c.peer)}>
                            <Author id={c.peer} name={c.name ?? names.get(c.peer)} self={false} />
                          </button>{' '}
                          <span class="muted">{relativeTime(c.lastAt, now, t.time)}</span>
                          {c.unread > 0 && <span class="badge unread">{t.dm.newCount(c.unread)}</span>}
                        </li>
                      ))}
                    </ul>
                  )
              )
              : (
                <>
                  <p>
                    <button type="button" class="link-button" onClick={() => setOpen(undefined)}>
                      {t.dm.allConversations}
                    </button>
                  </p>
                  <ol class="conversation" aria-live="polite">
                    {messages.map((m) => (
                      <li key={m.id} class={m.out ? 'out' : 'in'}>
                        <span class="muted">
                          {m.out ? t.dm.you : (names.get(m.from) ?? shortId(m.from))} ·{' '}
                          {relativeTime(m.at, now, t.time)}
                        </span>
                        <p>{m.text}</p>
                      </li>
                    ))}
                  </ol>
                </>
              )}
            <form
              onSubmit={(ev) => {
                void send(ev)
              }}
            >
              {open === undefined && (
                <label>
                  {t.dm.to}
                  <input value={to} onInput={(ev) => setTo((ev.target as HTMLInputElement).value)} maxLength={128} />
                </label>
              )}
              <label>
                {t.dm.message}
                <textarea
                  value={text}
                  onInput={(ev) => setText((ev.target as HTMLTextAreaElement).value)}
                  maxLength={4096}
                  rows={3}
                />
              </label>
              <button type="submit" disabled={busy}>{busy ? t.dm.sending : t.dm.send}</button>
            </form>
          </>
        )}
    </section>
  )
}
