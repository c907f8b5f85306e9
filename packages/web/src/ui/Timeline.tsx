import type { Names } from '../names.js'
import type { ThreadNode } from '../thread.js'
import type { Entry } from '../types.js'
import type { ImageRef } from '../images/refs.js'
import { useI18n } from '../i18n/index.js'
import { Post } from './Post.js'

export interface TimelineProps {
  tree: ThreadNode[]
  names: Names
  selfId: string | undefined
  selfLabel?: string | undefined
  now: number
  /** a cursor for older posts: there are more to load */
  next: string | undefined
  loadedOnce: boolean
  loadingOlder: boolean
  error: string | undefined
  loadOlder: () => void
  post: (text: string, replyTo?: string, images?: ImageRef[]) => Promise<Entry>
  pair: (code: string) => Promise<void>
  loadEntry: (id: string) => Promise<Entry>
  edit: (id: string, text: string) => Promise<Entry>
  remove: (id: string) => Promise<void>
  muted: ReadonlySet<string>
  known: ReadonlyMap<string, Entry>
  mute: (author: string) => void
  report: (id: string, reason: string) => Promise<unknown>
  /** what an empty timeline says (a filter that matches nothing says so) */
  empty?: string
}

/** The threads, newest first, and the button for older posts. */
export function Timeline (p: TimelineProps) {
  const { tree, next } = p
  const { t } = useI18n()
  return (
    <>
      {p.error !== undefined && <p class="error" role="alert">{p.error}</p>}
      {p.loadedOnce && tree.length === 0 && p.error === undefined && <p class="muted empty">{p.empty ?? t.noPosts}</p>}
      <ol class="timeline" aria-label={t.postsNewestFirst}>
        {tree.map((n) => (
          <Post
            key={n.entry.id}
            node={n}
            names={p.names}
            selfId={p.selfId}
            selfLabel={p.selfLabel}
            now={p.now}
            depth={0}
            post={p.post}
            pair={p.pair}
            loadEntry={p.loadEntry}
            edit={p.edit}
            remove={p.remove}
            muted={p.muted}
            known={p.known}
            mute={p.mute}
            report={p.report}
          />
        ))}
      </ol>
      {next !== undefined && (
        <button type="button" class="older" disabled={p.loadingOlder} onClick={p.loadOlder}>
          {p.loadingOlder ? t.loading : t.olderPosts}
        </button>
      )}
      {p.loadedOnce && next === undefined && tree.length > 0 && <p class="muted end">{t.everything}</p>}
    </>
  )
}
