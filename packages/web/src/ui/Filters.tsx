import { useI18n } from '../i18n/index.js'
import { FILTERS, type FilterName } from '../life.js'

/** Which kinds the timeline shows: toggle buttons, one pressed. */
export function Filters ({ value, set }: { value: FilterName, set: (f: FilterName) => void }) {
  const { t } = useI18n()
  return (
    <div class="filters" role="group" aria-label={t.filters}>
      {(Object.keys(FILTERS) as FilterName[]).map((f) => (
        <button
          key={f}
          type="button"
          class="chip"
          aria-pressed={value === f}
          onClick={() => set(f)}
        >
          {t.filter[f]}
        </button>
      ))}
    </div>
  )
}
