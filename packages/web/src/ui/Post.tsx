import { useEffect, useRef, useState } from 'preact/hooks'
import type { Names } from '../names.js'
import type { ThreadNode } from '../thread.js'
import type { Entry } from '../types.js'
import type { ImageRef } from '../images/refs.js'
import { relativeTime } from '../time.js'
import { MAX_REASON_BYTES, shortId } from '../text.js'
import { useI18n } from '../i18n/index.js'
import { Author } from './Author.js'
import { KindBadge, LifeDetails } from './LifeDetails.js'
import { Compose } from './Compose.js'
import { HiddenText } from './HiddenText.js'
import { MessageButton } from './Messages.js'
import { OwnActions } from './OwnActions.js'
import { Parent } from './Parent.js'

export interface PostProps {
  node: ThreadNode
  names: Names
  selfId: string | undefined
  /** the mark on one's own posts: 'this box', or 'you' for a member */
  selfLabel?: string | undefined
  now: number
  depth: number
  post: (text: string, replyTo?: string, images?: ImageRef[]) => Promise<unknown>
  pair: (code: string) => Promise<void>
  loadEntry: (id: string) => Promise<Entry>
  /** new text for one of this box's own posts or replies */
  edit: (id: string, text: string) => Promise<unknown>
  /** deletes one of this box's own posts or replies */
  remove: (id: string) => Promise<void>
  /** the authors this browser muted */
  muted: ReadonlySet<string>
  /** the entries on the page, to tell whose post a reply answers */
  known: ReadonlyMap<string, Entry>
  /** mutes an author for this browser */
  mute: (author: string) => void
  /** reports an entry with a reason */
  report: (id: string, reason: string) => Promise<unknown>
}

/** Deeper replies stop indenting, so a long conversation stays readable on a phone. */
const MAX_INDENT = 3

export function Post (props: PostProps) {
  const { node, names, now, depth } = props
  const e = node.entry
  const { t } = useI18n()
  const [replying, setReplying] = useState(false)
  const [editing, setEditing] = useState(false)
  const [reporting, setReporting] = useState(false)
  const [reported, setReported] = useState(false)
  const replyButton = useRef<HTMLButtonElement>(null)
  const reportButton = useRef<HTMLButtonElement>(null)
  const wasReplying = useRef(false)
  const wasReporting = useRef(false)
  // closing the reply box hands focus back to its Reply button, not to the page's start
  useEffect(() => {
    if (wasReplying.current && !replying) replyButton.current?.focus()
    wasReplying.current = replying
  }, [replying])
  useEffect(() => {
    if (wasReporting.current && !reporting) reportButton.current?.focus()
    wasReporting.current = reporting
  }, [reporting])
  const someoneElse = props.selfId !== undefined && props.selfId !== e.author
  const parent = e.replyTo === undefined ? undefined : props.known.get(e.replyTo)
  const name = names.get(e.author) ?? e.authorName
  const when = new Date(e.timestamp)
  const prefix = `reply-${e.id.slice(-12)}`
  return (
    <li class="thread">
      <article
        class={e.kind === undefined ? 'post' : `post kind-${e.kind}`}
        id={`e-${e.id}`}
        aria-label={`${name ?? shortId(e.author)}, ${relativeTime(e.timestamp, now, t.time)}`}
      >
        <header class="post-head">
          <KindBadge kind={e.kind} />
          <Author
            id={e.author}
            name={name}
            self={props.selfId === e.author}
            selfLabel={props.selfLabel}
            authorKey={e.authorKey}
            household={e.household}
            unclaimed={e.unclaimed}
          />
          <time
            dateTime={Number.isNaN(when.getTime()) ? undefined : when.toISOString()}
            title={Number.isNaN(when.getTime()) ? undefined : when.toLocaleString()}
          >
            {relativeTime(e.timestamp, now, t.time)}
          </time>
        </header>
        {e.replyTo !== undefined && depth === 0 && (
          parent !== undefined && props.muted.has(parent.author)
            ? <p class="reply-note">A reply to a post by an author you muted.</p>
            : <Parent id={e.replyTo} names={names} now={now} load={props.loadEntry} muted={props.muted} />
        )}
        {editing
          ? (
            <Compose
              idPrefix={`edit-${e.id.slice(-12)}`}
              label={t.editYour(e.type === 'reply')}
              submitLabel={t.save}
              busyLabel={t.saving}
              notDone={t.notSaved}
              initialText={e.text}
              post={async (text) => await props.edit(e.id, text)}
              pair={props.pair}
              autoFocus
              onDone={() => setEditing(false)}
              onCancel={() => setEditing(false)}
            />
          )
          : <HiddenText entry={e} names={names} images />}
        {!editing && <LifeDetails entry={e} own={props.selfId !== undefined && props.selfId === e.author} now={now} />}
        <div class="post-actions">
          {!replying && (
            <button type="button" class="link-button" ref={replyButton} onClick={() => setReplying(true)}>
              {t.reply}
            </button>
          )}
          {props.selfId !== undefined && props.selfId === e.author && (
            <OwnActions entry={e} editing={editing} setEditing={setEditing} remove={props.remove} />
          )}
          {someoneElse && (
            <button
              type="button"
              class="link-button"
              aria-label={t.muteWho(name ?? shortId(e.author))}
              onClick={() => props.mute(e.author)}
            >
              {t.mute}
            </button>
          )}
          {someoneElse && <MessageButton author={e.author} name={name} />}
          {someoneElse && !reporting && (
            <button
              type="button"
              class="link-button"
              ref={reportButton}
              onClick={() => {
                setReported(false)
                setReporting(true)
              }}
            >
              {t.report}
            </button>
          )}
          {reported && <span class="reported" role="status">{t.reportedThanks}</span>}
        </div>
        {reporting && (
          <Compose
            idPrefix={`report-${e.id.slice(-12)}`}
            label={`Why report this ${
              e.type === 'reply' ? 'reply' : 'post'
            }? Moderators see the reason and which box sent it`}
            submitLabel="Send report"
            busyLabel="Sending…"
            notDone="Not reported"
            maxBytes={MAX_REASON_BYTES}
            post={async (reason) => await props.report(e.id, reason)}
            pair={props.pair}
            autoFocus
            onDone={() => {
              setReported(true)
              setReporting(false)
            }}
            onCancel={() => setReporting(false)}
          />
        )}
        {replying && (
          <Compose
            idPrefix={prefix}
            label={t.replyTo(name ?? shortId(e.author))}
            submitLabel={t.sendReply}
            replyTo={e.id}
            photos
            post={props.post}
            pair={props.pair}
            autoFocus
            onDone={() => setReplying(false)}
            onCancel={() => setReplying(false)}
          />
        )}
      </article>
      {node.replies.length > 0 && (
        <ol class={depth + 1 <= MAX_INDENT ? 'replies' : 'replies flat'} aria-label={t.replies}>
          {node.replies.map((r) => <Post key={r.entry.id} {...props} node={r} depth={depth + 1} />)}
        </ol>
      )}
    </li>
  )
}
