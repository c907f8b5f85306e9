import { segments } from '../text.js'

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
