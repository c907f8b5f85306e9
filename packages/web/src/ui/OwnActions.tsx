import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import type { Entry } from '../types.js'
import { isNotPaired } from './Compose.js'
import { message } from './message.js'
import { useI18n } from '../i18n/index.js'

export interface OwnActionsProps {
  entry: Entry
  editing: boolean
  setEditing: (on: boolean) => void
  remove: (id: string) => Promise<void>
}

/**
 * Edit and Delete on this box's own posts and replies. A delete is for good
 * (every box that gets it drops the text), so it asks first, in the page
 * rather than a dialog box, and keeps the question reachable by keyboard.
 */
export function OwnActions ({ entry, editing, setEditing, remove }: OwnActionsProps) {
  const { t } = useI18n()
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const editButton = useRef<HTMLButtonElement>(null)
  const deleteButton = useRef<HTMLButtonElement>(null)
  const confirmButton = useRef<HTMLButtonElement>(null)
  const wasEditing = useRef(false)
  const wasConfirming = useRef(false)
  // the question takes the focus; closing the editor or the question hands it back to its button
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus()
    wasEditing.current = editing
  }, [editing])
  useEffect(() => {
    if (confirming) confirmButton.current?.focus()
    else if (wasConfirming.current) deleteButton.current?.focus()
    wasConfirming.current = confirming
  }, [confirming])

  const what = entry.type === 'reply' ? 'reply' : 'post'

  async function confirm (): Promise<void> {
    setBusy(true)
    setError(undefined)
    try {
      await remove(entry.id)
    } catch (err) {
      setError(
        err instanceof ApiError && isNotPaired(err)
          ? t.notDeletedUnpaired(err.message)
          : t.notDeleted(message(err))
      )
      setBusy(false)
    }
  }

  return (
    <>
      {!editing && entry.payloadMissing !== true && (
        <button
          type="button"
          class="link-button"
          ref={editButton}
          onClick={() => {
            setConfirming(false)
            setEditing(true)
          }}
        >
          {t.edit}
        </button>
      )}
      {!confirming && (
        <button type="button" class="link-button" ref={deleteButton} onClick={() => setConfirming(true)}>
          {t.delete}
        </button>
      )}
      {confirming && (
        <div
          class="confirm"
          role="group"
          aria-label={t.deleteWhat(what === 'reply')}
          onKeyDown={(ev) => {
            if (ev.key === 'Escape') setConfirming(false)
          }}
        >
          <span>{t.deleteForGood(what === 'reply')}</span>
          <button
            type="button"
            class="danger"
            ref={confirmButton}
            disabled={busy}
            onClick={() => {
              void confirm()
            }}
          >
            {busy ? t.deleting : t.yesDelete}
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setConfirming(false)
              setError(undefined)
            }}
          >
            {t.keepIt}
          </button>
        </div>
      )}
      {error !== undefined && <p class="error" role="alert">{error}</p>}
    </>
  )
}
