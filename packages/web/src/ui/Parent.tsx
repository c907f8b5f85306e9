import { useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import type { Names } from '../names.js'
import { shortId } from '../text.js'
import { relativeTime } from '../time.js'
import { useI18n } from '../i18n/index.js'
import type { Entry } from '../types.js'
import { Author } from './Author.js'
import { HiddenText } from './HiddenText.js'

export interface ParentProps {
  id: string
  names: Names
  now: number
  load: (id: string) => Promise<Entry>
  /** authors this browser muted: their post is not quoted */
  muted?: ReadonlySet<string>
  /** what the note before the button calls it */
  what?: string
}

/**
 * A reply whose post is not on the loaded pages (older, or not replicated
 * here yet): offer to fetch that one post and quote it, rather than page back.
 */
export function Parent ({ id, names, now, load, muted, what = 'reply to' }: ParentProps) {
  const { t } = useI18n()
  const [parent, setParent] = useState<Entry | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)

  async function show (): Promise<void> {
    setBusy(true)
    try {
      setParent(await load(id))
      setError(undefined)
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'entry_not_found'
          ? t.parentMissing
          : err instanceof ApiError && err.code === 'deleted'
          ? t.parentDeleted
          : err instanceof ApiError && err.code === 'author_blocked'
          ? t.authorBlocked(err.message)
          : t.couldNotLoad(err instanceof ApiError ? err.message : String(err))
      )
    } finally {
      setBusy(false)
    }
  }

  if (parent !== undefined && muted?.has(parent.author) === true) {
    return <p class="reply-note">A post by an author you muted.</p>
  }
  if (parent !== undefined) {
    return (
      <blockquote class="parent">
        <p class="post-head">
          <Author id={parent.author} name={names.get(parent.author) ?? parent.authorName} self={false} />
          <span class="muted">{relativeTime(parent.timestamp, now, t.time)}</span>
        </p>
        <HiddenText entry={parent} names={names} />
      </blockquote>
    )
  }
  return (
    <p class="reply-note">
      {what} <code title={id}>{shortId(id)}</code>{' '}
      <button
        type="button"
        class="link-button"
        disabled={busy}
        onClick={() => {
          void show()
        }}
      >
        show that post
      </button>
      {error !== undefined && <span role="alert">{error}</span>}
    </p>
  )
}
