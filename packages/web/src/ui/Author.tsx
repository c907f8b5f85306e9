import { shortId } from '../text.js'

export interface AuthorProps {
  id: string
  name: string | undefined
  self: boolean
}

/** A display name (a claim) always with the short id (the fact) beside it. */
export function Author ({ id, name, self }: AuthorProps) {
  return (
    <span class="author">
      {name !== undefined && <bdi class="author-name">{name}</bdi>}
      <code class="short-id" title={id}>{shortId(id)}</code>
      {self && <span class="badge">this box</span>}
    </span>
  )
}
