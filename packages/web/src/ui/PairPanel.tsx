import { PairForm } from './PairForm.js'
import { useI18n } from '../i18n/index.js'

/** The side panel that pairs this browser, or says it is paired. */
export function PairPanel (
  { paired, pair, linkCode }: { paired: boolean, pair: (code: string) => Promise<void>, linkCode: string | undefined }
) {
  const { t } = useI18n()
  return (
    <section class="panel" aria-labelledby="pair-title">
      <h2 id="pair-title">{t.pairTitle}</h2>
      {paired
        ? <p class="notice">{t.pairedNotice}</p>
        : (
          <>
            <p class="muted">{t.pairNeeded}</p>
            <PairForm
              idPrefix="side"
              pair={pair}
              onPaired={() => {}}
              initialCode={linkCode}
              autoFocus={linkCode !== undefined}
            />
          </>
        )}
    </section>
  )
}
