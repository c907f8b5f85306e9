import { useEffect, useRef } from 'preact/hooks'
import type { Names } from '../names.js'
import { shortId } from '../text.js'
import { useI18n } from '../i18n/index.js'

export interface MuteNoticeProps {
  author: string
  names: Names
  undo: () => void
  close: () => void
}

/**
 * Said right after a Mute took a post off the page: the focus lands on Undo
 * (the button that was pressed is gone with the post).
 */
export function MuteNotice ({ author, names, undo, close }: MuteNoticeProps) {
  const { t } = useI18n()
  const undoButton = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    undoButton.current?.focus()
  }, [author])
  const who = names.get(author) ?? shortId(author)
  return (
    <div
      class="notice mute-notice"
      role="status"
      onKeyDown={(ev) => {
        if (ev.key === 'Escape') close()
      }}
    >
      <span>
        {t.mutedWho} <bdi>{who}</bdi>
        {t.mutedTheir}
      </span>
      <button type="button" class="secondary" ref={undoButton} onClick={undo}>{t.undo}</button>
      <button type="button" class="link-button" onClick={close}>{t.ok}</button>
    </div>
  )
}
