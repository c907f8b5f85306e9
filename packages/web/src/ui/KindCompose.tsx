import { useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import { useI18n } from '../i18n/index.js'
import { type ComposeKind, type KindPost, MAX_POLL_OPTIONS, MIN_POLL_OPTIONS, SHOWN_KINDS } from '../life.js'
import { Compose } from './Compose.js'
import { EMPTY_DRAFT, type KindDraft, KindFields } from './KindFields.js'

/** A datetime-local value ("2026-12-05T15:00", the reader's time zone) as ms, or undefined when empty or bad. */
function localMs (value: string): number | undefined {
  if (value === '') return undefined
  const ms = new Date(value).getTime()
  return Number.isFinite(ms) ? ms : undefined
}

/**
 * The page's compose box: a kind, then the fields it needs. The checks
 * here only spare a round trip; the box validates every field again.
 */
export function KindCompose (
  { postKind, pair }: { postKind: (body: KindPost) => Promise<unknown>, pair: (code: string) => Promise<void> }
) {
  const { t } = useI18n()
  const [kind, setKind] = useState<ComposeKind>('post')
  const [draft, setDraft] = useState<KindDraft>(EMPTY_DRAFT)
  const refuse = (message: string): never => {
    throw new ApiError('bad_kind_fields', message, 400)
  }

  function body (text: string): KindPost {
    if (kind === 'offer') return draft.price.trim() === '' ? { kind, text } : { kind, text, price: draft.price.trim() }
    if (kind === 'event') {
      const starts = localMs(draft.starts) ?? refuse(t.needStarts)
      const ends = localMs(draft.ends)
      if (draft.place.trim() === '') refuse(t.needPlace)
      if (ends !== undefined && ends < starts) refuse(t.endsBeforeStarts)
      return {
        kind,
        text,
        starts,
        place: draft.place.trim(),
        ...(ends !== undefined ? { ends } : {}),
        ...(draft.description.trim() !== '' ? { description: draft.description.trim() } : {})
      }
    }
    if (kind === 'poll') {
      const options = draft.options.map((o) => o.trim()).filter((o) => o !== '')
      if (options.length < MIN_POLL_OPTIONS || options.length > MAX_POLL_OPTIONS) refuse(t.needOptions)
      const closesAt = localMs(draft.closes)
      if (closesAt !== undefined && closesAt <= Date.now()) refuse(t.closesInPast)
      return { kind, text, options, multiple: draft.multiple, ...(closesAt !== undefined ? { closesAt } : {}) }
    }
    return { kind, text }
  }

  return (
    <div class="kind-compose">
      <p class="field kind-pick">
        <label for="compose-kind">{t.kind}</label>
        <select id="compose-kind" value={kind} onChange={(ev) => setKind(ev.currentTarget.value as ComposeKind)}>
          {(['post', ...SHOWN_KINDS] as const).map((k) => <option key={k} value={k}>{t.kinds[k]}</option>)}
        </select>
      </p>
      <Compose
        idPrefix="compose"
        label={t.textLabel[kind]}
        submitLabel={t.post}
        photos={kind === 'post'}
        post={async (text, _replyTo, images) =>
          await postKind(images === undefined ? body(text) : { ...body(text), images })}
        pair={pair}
        onDone={() => setDraft(EMPTY_DRAFT)}
      >
        <KindFields
          kind={kind}
          draft={draft}
          set={(d) => setDraft((old) => ({ ...old, ...d }))}
          idPrefix="compose"
        />
      </Compose>
    </div>
  )
}
