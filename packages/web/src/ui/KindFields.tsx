import { useI18n } from '../i18n/index.js'
import { type ComposeKind, MAX_POLL_OPTIONS, MIN_POLL_OPTIONS } from '../life.js'

/** The fields a kind adds to its text, as the compose box holds them (datetime-local strings). */
export interface KindDraft {
  price: string
  starts: string
  ends: string
  place: string
  description: string
  options: string[]
  multiple: boolean
  closes: string
}

export const EMPTY_DRAFT: KindDraft = {
  price: '',
  starts: '',
  ends: '',
  place: '',
  description: '',
  options: ['', ''],
  multiple: false,
  closes: ''
}

/** The inputs of one kind (none for a post and the kinds that are text alone). */
export function KindFields (
  { kind, draft, set, idPrefix }: {
    kind: ComposeKind
    draft: KindDraft
    set: (d: Partial<KindDraft>) => void
    idPrefix: string
  }
) {
  const { t } = useI18n()
  const id = (name: string): string => `${idPrefix}-${name}`
  const field = (name: keyof KindDraft, label: string, type: 'text' | 'datetime-local' = 'text', required = false) => (
    <p class="field">
      <label for={id(name)}>{label}</label>
      <input
        id={id(name)}
        // preact's types split text-like and date-like inputs; both take value and onInput alike
        type={type as 'text'}
        required={required}
        value={draft[name] as string}
        onInput={(ev) => set({ [name]: ev.currentTarget.value })}
      />
    </p>
  )
  if (kind === 'offer') return <div class="kind-fields">{field('price', t.price)}</div>
  if (kind === 'event') {
    return (
      <div class="kind-fields">
        {field('starts', t.starts, 'datetime-local', true)}
        {field('ends', t.ends, 'datetime-local')}
        {field('place', t.place, 'text', true)}
        {field('description', t.details)}
      </div>
    )
  }
  if (kind !== 'poll') return null
  const options = draft.options
  return (
    <div class="kind-fields">
      <ol class="options">
        {options.map((o, i) => (
          <li key={i} class="field">
            <label for={id(`option-${i + 1}`)}>{t.option(i + 1)}</label>
            <input
              id={id(`option-${i + 1}`)}
              type="text"
              required={i < MIN_POLL_OPTIONS}
              value={o}
              onInput={(ev) => {
                const next = [...options]
                next[i] = ev.currentTarget.value
                set({ options: next })
              }}
            />
            {options.length > MIN_POLL_OPTIONS && (
              <button
                type="button"
                class="link-button"
                aria-label={t.removeOption(i + 1)}
                onClick={() => set({ options: options.filter((_, j) => j !== i) })}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ol>
      {options.length < MAX_POLL_OPTIONS && (
        <button
          type="button"
          class="secondary"
          onClick={() => set({ options: [...options, ''] })}
        >
          {t.addOption}
        </button>
      )}
      <p class="field check">
        <input
          id={id('multiple')}
          type="checkbox"
          checked={draft.multiple}
          onChange={(ev) => set({ multiple: ev.currentTarget.checked })}
        />
        <label for={id('multiple')}>{t.multiple}</label>
      </p>
      {field('closes', t.closes, 'datetime-local')}
    </div>
  )
}
