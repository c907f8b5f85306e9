import { shortId } from '../text.js'
import type { Household } from '../types.js'
import { useI18n } from '../i18n/index.js'

export interface AuthorProps {
  id: string
  name: string | undefined
  self: boolean
  /**
   * The mark beside one's own name.
   *
   * @default 'this box'
   */
  selfLabel?: string
  /** the author's key, hex: its first 8 characters are the fingerprint that tells two Annas apart */
  authorKey?: string | undefined
  /** the box whose household names the author: "Anna · Hof 3" */
  household?: Household | undefined
  /** no household claims the author */
  unclaimed?: boolean | undefined
}

/** The 8 hex characters people compare: enough to tell two Annas on one street apart at a glance. */
export function fingerprint (authorKey: string): string {
  return authorKey.slice(0, 8)
}

/**
 * A display name (a claim) always with a short fingerprint (the fact) beside
 * it, the household that claims the author, and how many neighbouring boxes
 * see that household's box. Every string is text, never markup.
 */
export function Author ({ id, name, self, selfLabel, authorKey, household, unclaimed }: AuthorProps) {
  const { t } = useI18n()
  const seenBy = household?.seenBy ?? 0
  return (
    <span class="author">
      {name !== undefined && <bdi class="author-name">{name}</bdi>}
      {household !== undefined && (
        <span class="household">
          <span aria-hidden="true">·</span> <span class="sr-only">{t.of}</span> <bdi>{household.name}</bdi>
        </span>
      )}
      <code class="short-id" title={id}>
        {authorKey === undefined ? shortId(id) : fingerprint(authorKey)}
      </code>
      {seenBy > 0 && (
        <span class="author-mark seen-by" title={t.seenByTitle}>
          {t.seenBy(seenBy)}
        </span>
      )}
      {unclaimed === true && <span class="author-mark unclaimed" title={t.unclaimedTitle}>{t.unclaimed}</span>}
      {self && <span class="badge">{selfLabel ?? t.selfBox}</span>}
    </span>
  )
}
