import { useState } from 'preact/hooks'
import { clean, type Names } from '../names.js'
import { shortId } from '../text.js'
import type { Entry, Hidden } from '../types.js'
import { EntryText } from './PostText.js'
import { useI18n } from '../i18n/index.js'
import { PostImages } from './PostImages.js'

/** Who hid it, for one line: the list author's name (a claim) or its short id. */
export function listName (h: Hidden, names: Names): string | undefined {
  const name = clean(names.get(h.by) ?? h.byName ?? '')
  if (name !== '') return name
  return h.by === '' ? undefined : shortId(h.by)
}

/**
 * An entry's text, or, when a moderation list the box follows hides it, a
 * collapsed note saying whose list and why, with "Show anyway" for this page
 * view. The list's name and reason are untrusted: text nodes only, bidi fenced.
 */
export function HiddenText ({ entry, names, images }: { entry: Entry, names: Names, images?: boolean }) {
  const { t } = useI18n()
  const [shown, setShown] = useState(false)
  const h = entry.hidden
  // photos go with the text: hidden by a list, they stay hidden until "Show anyway"
  const photos = images === true && <PostImages images={entry.images} />
  if (h === undefined) {
    return (
      <>
        <EntryText entry={entry} />
        {photos}
      </>
    )
  }
  const who = listName(h, names)
  const reason = clean(h.reason)
  const textId = `hidden-${entry.id.slice(-12)}`
  return (
    <>
      <div class="hidden-note">
        <p>
          {who === undefined ? t.hiddenByList : (
            <>
              {t.hiddenBy} <bdi class="hidden-by">{who}</bdi>
              {t.hiddenByList2}
            </>
          )}
          {reason === '' ? t.noReason : ': '}
          {reason !== '' && <bdi class="hidden-reason">{reason}</bdi>}
        </p>
        <button
          type="button"
          class="link-button"
          aria-expanded={shown}
          aria-controls={textId}
          onClick={() => setShown(!shown)}
        >
          {shown ? t.hideAgain : t.showAnyway}
        </button>
      </div>
      <div id={textId} hidden={!shown}>
        {shown && <EntryText entry={entry} />}
        {shown && photos}
      </div>
    </>
  )
}
