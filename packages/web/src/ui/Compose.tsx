import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import { useI18n } from '../i18n/index.js'
import { useUpload } from '../images/context.js'
import { type ImageRef, MAX_ALT_BYTES } from '../images/refs.js'
import { MAX_POST_BYTES, utf8Bytes } from '../text.js'
import { PairForm } from './PairForm.js'
import { type Attached, PhotoPicker } from './PhotoPicker.js'

export interface ComposeProps {
  /** unique per form on the page, for label/input ids */
  idPrefix: string
  label: string
  submitLabel: string
  replyTo?: string
  /** `images`: the attached photos, uploaded already (only with `photos`) */
  post: (text: string, replyTo?: string, images?: ImageRef[]) => Promise<unknown>
  pair: (code: string) => Promise<void>
  onDone?: () => void
  onCancel?: () => void
  autoFocus?: boolean
  /** the text to start from (editing a post) */
  initialText?: string
  /** the submit button while the box works on it */
  busyLabel?: string
  /** what a refusal starts with */
  notDone?: string
  /**
   * The UTF-8 limit the box enforces (a report's reason is shorter than a post).
   *
   * @default MAX_POST_BYTES
   */
  maxBytes?: number
  /** offer "add a photo" (a post or a reply), where the page can upload */
  photos?: boolean
  /** more inputs for the same form, below the text (a kind's fields) */
  children?: ComponentChildren
}

/** Statuses and codes by which the gateway says "this browser holds no household credential". */
export function isNotPaired (err: ApiError): boolean {
  return err.status === 401 ||
    ['not_paired', 'unauthorized', 'unauthenticated', 'pairing_required', 'session_required'].includes(err.code)
}

/**
 * Writes a post or a reply. The text stays in the box until the box has
 * accepted it: a refusal (not paired, too long, box unreachable) keeps it.
 */
export function Compose (props: ComposeProps) {
  const { idPrefix } = props
  const { t } = useI18n()
  const [text, setText] = useState(props.initialText ?? '')
  const notDone = props.notDone ?? t.notPosted
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const [needsPairing, setNeedsPairing] = useState(false)
  const [notice, setNotice] = useState<string | undefined>()
  const upload = useUpload()
  const [photos, setPhotos] = useState<Attached[]>([])
  const [preparing, setPreparing] = useState(0)
  const [progress, setProgress] = useState<string | undefined>()
  const area = useRef<HTMLTextAreaElement>(null)
  const submitBtn = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (props.autoFocus === true) area.current?.focus()
  }, [])

  const maxBytes = props.maxBytes ?? MAX_POST_BYTES
  const bytes = utf8Bytes(text)
  const over = bytes > maxBytes

  async function submit (ev: Event): Promise<void> {
    ev.preventDefault()
    setNotice(undefined)
    if (text.trim() === '' && photos.length === 0) {
      setError(t.writeFirst)
      area.current?.focus()
      return
    }
    if (over) {
      setError(t.tooLong(bytes, maxBytes))
      area.current?.focus()
      return
    }
    const longAlt = photos.findIndex((p) => utf8Bytes(p.alt) > MAX_ALT_BYTES)
    if (longAlt >= 0) {
      setError(t.images.altTooLong(longAlt + 1, MAX_ALT_BYTES))
      return
    }
    setBusy(true)
    setError(undefined)
    let failed = notDone
    try {
      let images: ImageRef[] | undefined
      if (photos.length > 0 && upload !== undefined) {
        failed = t.images.notUploaded
        images = await uploadAll(upload)
        failed = notDone
      }
      await props.post(text, props.replyTo, images)
      setText('')
      setPhotos([])
      setNeedsPairing(false)
      props.onDone?.()
    } catch (err) {
      if (err instanceof ApiError) {
        if (isNotPaired(err)) {
          setNeedsPairing(true)
          setError(t.notPairedKept(failed, err.message))
        } else {
          setError(t.refusedKept(failed, err.message, err.code))
        }
      } else {
        setError(t.wentWrongKept(failed))
      }
    } finally {
      setBusy(false)
      setProgress(undefined)
    }
  }

  /** Each photo and its thumbnail to the box, one after the other; what is up already stays up (a retry skips it). */
  async function uploadAll (send: NonNullable<typeof upload>): Promise<ImageRef[]> {
    const out: ImageRef[] = []
    for (const [i, p] of photos.entries()) {
      setProgress(t.images.uploading(i + 1, photos.length))
      const full = p.full ?? await send(p.prepared.full.blob)
      const thumb = p.prepared.thumb === null ? undefined : p.thumb ?? await send(p.prepared.thumb.blob)
      setPhotos((old) => old.map((o) => o.key === p.key ? { ...o, full, thumb } : o))
      const alt = p.alt.trim()
      out.push({ ...full, alt, thumb: thumb === undefined ? null : { ...thumb, alt } })
    }
    return out
  }

  const areaId = `${idPrefix}-text`
  const counterId = `${idPrefix}-count`
  const errorId = `${idPrefix}-error`
  return (
    <div class="compose">
      <form
        onSubmit={(ev) => {
          void submit(ev)
        }}
      >
        <label for={areaId}>{props.label}</label>
        <textarea
          id={areaId}
          ref={area}
          name="text"
          rows={props.replyTo === undefined ? 3 : 2}
          value={text}
          aria-describedby={error !== undefined ? `${counterId} ${errorId}` : counterId}
          aria-invalid={over || undefined}
          onInput={(ev) => {
            setText(ev.currentTarget.value)
            if (error !== undefined && !needsPairing) setError(undefined)
          }}
          onKeyDown={(ev) => {
            if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) void submit(ev)
            if (ev.key === 'Escape' && props.onCancel !== undefined) props.onCancel()
          }}
        />
        {props.children}
        <div class="compose-bar">
          <span id={counterId} class={over ? 'counter over' : 'counter'}>{t.bytesOf(bytes, maxBytes)}</span>
          {props.onCancel !== undefined && (
            <button type="button" class="secondary" onClick={props.onCancel}>{t.cancel}</button>
          )}
          <button type="submit" ref={submitBtn} disabled={busy || preparing > 0}>
            {busy ? props.busyLabel ?? t.posting : props.submitLabel}
          </button>
        </div>
        {/* after Post: the text box's Tab still goes to Post first (a photo is the extra step) */}
        {props.photos === true && upload !== undefined && (
          <PhotoPicker
            idPrefix={idPrefix}
            photos={photos}
            set={setPhotos}
            disabled={busy}
            preparing={preparing}
            setPreparing={setPreparing}
          />
        )}
        {error !== undefined && <p id={errorId} class="error" role="alert">{error}</p>}
        {notice !== undefined && <p class="notice" role="status">{notice}</p>}
        {progress !== undefined && <p class="hint upload-progress" role="status">{progress}</p>}
      </form>
      {needsPairing && (
        <PairForm
          idPrefix={idPrefix}
          pair={props.pair}
          onPaired={() => {
            setNeedsPairing(false)
            setError(undefined)
            setNotice(t.pairedPress(props.submitLabel))
            submitBtn.current?.focus()
          }}
        />
      )}
    </div>
  )
}
