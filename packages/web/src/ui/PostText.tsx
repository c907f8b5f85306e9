import { segments } from '../text.js'
import type { Entry } from '../types.js'
import { useI18n } from '../i18n/index.js'

/**
 * Post text as text nodes only: preact puts strings into Text nodes, and the
 * only element we create is an <a> whose href passed safeHref (http/https).
 */
export function PostText ({ text }: { text: string }) {
  return (
    <p class="post-text" dir="auto">
      {segments(text).map((s, i) =>
        s.kind === 'text'
          ? s.text
          : <a key={i} href={s.href} rel="noopener noreferrer nofollow ugc" target="_blank">{s.text}</a>
      )}
    </p>
  )
}

/**
 * An entry's text with what the gateway says about it: a payload this box
 * does not hold yet (only the signed header came) shows a note instead of an
 * empty paragraph, an edited post says so.
 */
export function EntryText ({ entry }: { entry: Entry }) {
  const { t } = useI18n()
  if (entry.payloadMissing === true) {
    return <p class="post-text muted">{t.noText}</p>
  }
  return (
    <>
      <PostText text={entry.text ?? ''} />
      {entry.edited === true && <p class="muted edited">{t.edited}</p>}
    </>
  )
}
