import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../api.js'

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
      setError('Enter the code that `kiez pair` printed on the box.')
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      await pair(c)
      setCode('')
      onPaired()
    } catch (err) {
      setError(err instanceof ApiError ? `Pairing failed: ${err.message} (${err.code})` : 'Pairing failed.')
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
      <label for={id}>Pairing code</label>
      <p class="hint" id={`${id}-hint`}>
        On the box, run <code>kiez pair</code> and type the code it shows.
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
        <button type="submit" disabled={busy}>{busy ? 'Pairing…' : 'Pair this browser'}</button>
      </div>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
    </form>
  )
}
