import { PairForm } from './PairForm.js'

/** The side panel that pairs this browser, or says it is paired. */
export function PairPanel (
  { paired, pair, linkCode }: { paired: boolean, pair: (code: string) => Promise<void>, linkCode: string | undefined }
) {
  return (
    <section class="panel" aria-labelledby="pair-title">
      <h2 id="pair-title">Pair this browser</h2>
      {paired
        ? <p class="notice">This browser is paired with the box: it can post.</p>
        : (
          <>
            <p class="muted">Posting needs this browser to be paired with the box once.</p>
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
