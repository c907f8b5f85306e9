import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import { useI18n } from '../i18n/index.js'

export interface PairFormProps {
  pair: (code: string) => Promise<void>
  onPaired: () => void
  idPrefix: string
  /** pre-filled code (from a `#pair=CODE` link, the QR code `kiez pair` shows) */
  initialCode?: string
  autoFocus?: boolean
}

/** Enter the one-time code that `kiez pair` prints on the box; the gateway answers with a session cookie. */
export function PairForm ({ pair, onPaired, idPrefix, initialCode, autoFocus }: PairFormProps) {
  const { t } = useI18n()
  const [code, setCode] = useState(initialCode ?? '')
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (autoFocus === true) input.current?.focus()
  }, [])
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const id = `${idPrefix}-pair-code`

  async function submit (ev: Event): Promise<void> {
    ev.preventDefault()
    const c = code.trim()
    if (c === '') {
      setError(t.enterCode)
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      await pair(c)
      setCode('')
      onPaired()
    } catch (err) {
      setError(t.pairingFailed(err instanceof ApiError ? `${err.message} (${err.code})` : undefined))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      class="pair-form"
      onSubmit={(ev) => {
        void submit(ev)
      }}
    >
      <label for={id}>{t.pairingCode}</label>
      <p class="hint" id={`${id}-hint`}>
        {t.pairHintBefore}
        <code>kiez pair</code>
        {t.pairHintAfter}
      </p>
      <div class="row">
        <input
          id={id}
          ref={input}
          name="code"
          value={code}
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck={false}
          aria-describedby={`${id}-hint`}
          onInput={(ev) => setCode(ev.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>{busy ? t.pairing : t.pairButton}</button>
      </div>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
    </form>
  )
}
