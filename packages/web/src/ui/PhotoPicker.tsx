import { useRef, useState } from 'preact/hooks'
import { useI18n } from '../i18n/index.js'
import { MAX_IMAGES, PrepareError, type PreparedImage, prepareImage } from '../images/prepare.js'
import type { BlobRef } from '../images/refs.js'

/** A photo attached to a compose box: prepared, previewed, described; its blobs once uploaded. */
export interface Attached {
  key: number
  prepared: PreparedImage
  /** a data: URL of the thumbnail (the CSP's img-src allows data:, not blob:) */
  preview: string
  alt: string
  /** set once uploaded, so a retry after a refused post does not upload again */
  full?: BlobRef
  thumb?: BlobRef
}

let nextKey = 0

async function dataUrl (blob: Blob): Promise<string> {
  return await new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(typeof r.result === 'string' ? r.result : '')
    r.onerror = () => reject(r.error ?? new Error('could not read the prepared photo'))
    r.readAsDataURL(blob)
  })
}

export interface PhotoPickerProps {
  idPrefix: string
  photos: Attached[]
  set: (update: (old: Attached[]) => Attached[]) => void
  disabled: boolean
  /** how many photos are being prepared (the compose box waits for them before it sends) */
  preparing: number
  setPreparing: (update: (n: number) => number) => void
}

/**
 * "Take a photo" (the camera, on a phone) and "Add a photo" (the gallery or
 * files), up to four; each is prepared here at once (images/prepare.ts) and
 * shown as it will be sent, with its description and Remove. The note on
 * re-encoding and location data is always in view beside the buttons.
 */
export function PhotoPicker ({ idPrefix, photos, set, disabled, preparing, setPreparing }: PhotoPickerProps) {
  const { t } = useI18n()
  const camera = useRef<HTMLInputElement>(null)
  const gallery = useRef<HTMLInputElement>(null)
  const [error, setError] = useState<string | undefined>()
  const full = photos.length + preparing >= MAX_IMAGES
  const noteId = `${idPrefix}-photo-note`

  async function add (files: FileList | null): Promise<void> {
    const list = [...(files ?? [])]
    setError(undefined)
    const room = MAX_IMAGES - photos.length - preparing
    if (list.length > room) setError(t.images.tooMany(MAX_IMAGES))
    const taken = list.slice(0, Math.max(0, room))
    setPreparing((n) => n + taken.length)
    for (const file of taken) {
      try {
        const prepared = await prepareImage(file)
        const preview = await dataUrl(prepared.thumb?.blob ?? prepared.full.blob)
        set((old) => [...old, { key: nextKey++, prepared, preview, alt: '' }])
      } catch (err) {
        const why = err instanceof PrepareError ? t.images.errors[err.code] : t.images.errors.decode_failed
        setError(t.images.notAdded(why))
      } finally {
        setPreparing((n) => n - 1)
      }
    }
  }

  const input = (ref: typeof camera, capture: boolean) => (
    <input
      ref={ref}
      type="file"
      accept="image/*"
      capture={capture ? 'environment' : undefined}
      multiple={!capture}
      hidden
      tabIndex={-1}
      aria-hidden="true"
      class={capture ? 'photo-camera' : 'photo-files'}
      onChange={(ev) => {
        const el = ev.currentTarget
        void add(el.files).finally(() => {
          el.value = ''
        })
      }}
    />
  )

  return (
    <div class="photos">
      {input(camera, true)}
      {input(gallery, false)}
      <div class="photo-buttons">
        <button
          type="button"
          class="secondary"
          disabled={disabled || full}
          aria-describedby={noteId}
          onClick={() => camera.current?.click()}
        >
          {t.images.takePhoto}
        </button>
        <button
          type="button"
          class="secondary"
          disabled={disabled || full}
          aria-describedby={noteId}
          onClick={() => gallery.current?.click()}
        >
          {t.images.choosePhoto}
        </button>
        {photos.length > 0 && <span class="muted">{t.images.attached(photos.length, MAX_IMAGES)}</span>}
      </div>
      <p id={noteId} class="hint photo-note">{t.images.privacy}</p>
      {preparing > 0 && <p class="hint" role="status">{t.images.preparing}</p>}
      {error !== undefined && <p class="error" role="alert">{error}</p>}
      {photos.length > 0 && (
        <ul class="photo-previews">
          {photos.map((p, i) => {
            const altId = `${idPrefix}-alt-${p.key}`
            return (
              <li key={p.key} class="photo-preview">
                <img
                  src={p.preview}
                  alt={t.images.preview(i + 1)}
                  width={(p.prepared.thumb ?? p.prepared.full).width}
                  height={(p.prepared.thumb ?? p.prepared.full).height}
                />
                <label for={altId}>{t.images.alt(i + 1)}</label>
                <input
                  id={altId}
                  type="text"
                  class="photo-alt"
                  value={p.alt}
                  disabled={disabled}
                  onInput={(ev) => {
                    const alt = ev.currentTarget.value
                    set((old) => old.map((o) => o.key === p.key ? { ...o, alt } : o))
                  }}
                />
                <button
                  type="button"
                  class="link-button"
                  disabled={disabled}
                  onClick={() => set((old) => old.filter((o) => o.key !== p.key))}
                >
                  {t.images.remove(i + 1)}
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </div>
  )
}
