import { useEffect, useRef } from 'preact/hooks'
import type { Names } from '../names.js'
import { shortId } from '../text.js'
import { Author } from './Author.js'
import { useI18n } from '../i18n/index.js'

export interface MutedProps {
  /** newest first */
  list: readonly string[]
  names: Names
  unmute: (author: string) => void
}

/** The authors this browser muted, each with Unmute; nothing of it leaves the browser. */
export function Muted ({ list, names, unmute }: MutedProps) {
  const { t } = useI18n()
  const title = useRef<HTMLHeadingElement>(null)
  const panel = useRef<HTMLElement>(null)
  // an Unmute takes its row away: the focus goes to the next row's button, or to the heading
  const refocus = useRef<number | undefined>(undefined)
  useEffect(() => {
    const at = refocus.current
    if (at === undefined) return
    refocus.current = undefined
    const buttons = panel.current?.querySelectorAll<HTMLButtonElement>('.muted-list button') ?? []
    const next = buttons[Math.min(at, buttons.length - 1)]
    if (next !== undefined) next.focus()
    else title.current?.focus()
  }, [list])
  return (
    <section class="panel" id="muted" aria-labelledby="muted-title" ref={panel}>
      <h2 id="muted-title" tabIndex={-1} ref={title}>{t.mutedTitle}</h2>
      <p class="hint">{t.mutedHint}</p>
      {list.length === 0
        ? <p class="muted">{t.nobodyMuted}</p>
        : (
          <ul class="muted-list">
            {list.map((id, i) => {
              const name = names.get(id)
              return (
                <li key={id}>
                  <Author id={id} name={name} self={false} />
                  <button
                    type="button"
                    class="secondary"
                    aria-label={t.unmuteWho(name ?? shortId(id))}
                    onClick={() => {
                      refocus.current = i
                      unmute(id)
                    }}
                  >
                    {t.unmute}
                  </button>
                </li>
              )
            })}
          </ul>
        )}
    </section>
  )
}
