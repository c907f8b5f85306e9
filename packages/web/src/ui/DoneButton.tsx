import { useState } from 'preact/hooks'
import { useI18n } from '../i18n/index.js'
import { message } from './message.js'
import { useLife } from './life-context.js'

/** "Mark as given away" on the writer's own open offer or request. */
export function DoneButton ({ id, kind }: { id: string, kind: 'offer' | 'request' }) {
  const { t } = useI18n()
  const life = useLife()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  return (
    <p class="done-action">
      <button
        type="button"
        class="secondary"
        disabled={busy}
        onClick={() => {
          setBusy(true)
          setError(undefined)
          life.done(id).catch((err: unknown) => setError(`${t.notDone}: ${message(err)}`)).finally(() => setBusy(false))
        }}
      >
        {t.markDone[kind]}
      </button>
      {error !== undefined && <span class="error" role="alert">{error}</span>}
    </p>
  )
}
