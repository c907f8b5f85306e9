import { useEffect, useRef, useState } from 'preact/hooks'
import { useI18n } from '../i18n/index.js'
import { blobUrl, type ImageRef } from '../images/refs.js'

/**
 * A post's photos as thumbnails (the thumb blob, or the photo itself when it
 * has none), loaded lazily; a thumbnail opens the full photo in a modal
 * <dialog>, which the box fetches only then. Escape (the dialog's own) or
 * Close shuts it, and focus goes back to the thumbnail. Alt texts are
 * untrusted plain text: attributes and text nodes only.
 */
export function PostImages ({ images }: { images: ImageRef[] | undefined }) {
  const { t } = useI18n()
  const [open, setOpen] = useState<number | undefined>()
  const dialog = useRef<HTMLDialogElement>(null)
  const opener = useRef<HTMLButtonElement | null>(null)

  useEffect(() => {
    const d = dialog.current
    if (d === null) return
    if (open !== undefined && !d.open) d.showModal()
    if (open === undefined && d.open) d.close()
  }, [open])

  if (images === undefined || images.length === 0) return null
  const shown = open === undefined ? undefined : images[open]
  return (
    <div class="post-images">
      <ul class={`thumbs thumbs-${images.length}`}>
        {images.map((img, i) => {
          const small = img.thumb ?? img
          return (
            <li key={img.cid + String(i)}>
              <button
                type="button"
                class="thumb"
                aria-label={t.images.open(img.alt)}
                aria-haspopup="dialog"
                onClick={(ev) => {
                  opener.current = ev.currentTarget
                  setOpen(i)
                }}
              >
                <img
                  src={blobUrl(small.cid)}
                  alt={img.alt}
                  width={small.width}
                  height={small.height}
                  loading="lazy"
                  decoding="async"
                />
              </button>
            </li>
          )
        })}
      </ul>
      <dialog
        ref={dialog}
        class="photo-viewer"
        aria-label={shown === undefined || shown.alt === '' ? t.images.viewer : shown.alt}
        onClose={() => {
          setOpen(undefined)
          opener.current?.focus()
        }}
        onClick={(ev) => {
          // a click on the backdrop (the dialog itself, outside the figure) closes it
          if (ev.target === ev.currentTarget) dialog.current?.close()
        }}
      >
        {shown !== undefined && (
          <figure>
            <img src={blobUrl(shown.cid)} alt={shown.alt} width={shown.width} height={shown.height} />
            <figcaption>
              <bdi>{shown.alt === '' ? t.images.noAlt : shown.alt}</bdi>
              <button type="button" class="secondary" autofocus onClick={() => dialog.current?.close()}>
                {t.images.close}
              </button>
            </figcaption>
          </figure>
        )}
      </dialog>
    </div>
  )
}
