import { useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import { MAX_NAME_BYTES, utf8Bytes } from '../text.js'
import { isNotPaired } from './Compose.js'
import { PairForm } from './PairForm.js'
import { useI18n } from '../i18n/index.js'

export interface ProfileProps {
  current: string | undefined
  /** the browser posts as a member: the name is theirs, not the box's */
  member?: boolean
  setName: (name: string) => Promise<unknown>
  pair: (code: string) => Promise<void>
}

/** Sets the box author's display name: a signed profile entry that travels like a post. */
export function Profile ({ current, member, setName, pair }: ProfileProps) {
  const { t } = useI18n()
  const whose = member === true ? t.whoseYou : t.whoseBox
  const [name, setNameText] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const [done, setDone] = useState<string | undefined>()
  const [needsPairing, setNeedsPairing] = useState(false)

  async function submit (ev: Event): Promise<void> {
    ev.preventDefault()
    setDone(undefined)
    const n = name.trim()
    if (n === '') {
      setError(t.enterName)
      return
    }
    if (utf8Bytes(n) > MAX_NAME_BYTES) {
      setError(t.nameTooLong(MAX_NAME_BYTES))
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      await setName(n)
      setNameText('')
      setNeedsPairing(false)
      setDone(member === true ? t.seenAs(n) : t.boxCalled(n))
    } catch (err) {
      if (err instanceof ApiError && isNotPaired(err)) {
        setNeedsPairing(true)
        setError(t.notSavedUnpaired(err.message))
      } else {
        setError(t.notSavedWhy(err instanceof ApiError ? `${err.message} (${err.code})` : undefined))
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="panel" id="profile" aria-labelledby="profile-title">
      <h2 id="profile-title">{t.profileTitle}</h2>
      <p class="muted">
        {current !== undefined
          ? (
            <>
              {t.neighboursSee} {whose} {t.neighboursSeeAs} <bdi class="author-name">{current}</bdi>.
            </>
          )
          : t.noDisplayName(member === true)}
      </p>
      <form
        onSubmit={(ev) => {
          void submit(ev)
        }}
      >
        <label for="profile-name">{t.displayName}</label>
        <div class="row">
          <input
            id="profile-name"
            name="name"
            value={name}
            autocomplete="nickname"
            onInput={(ev) => setNameText(ev.currentTarget.value)}
          />
          <button type="submit" disabled={busy}>{busy ? t.saving : t.saveName}</button>
        </div>
        {error !== undefined && <p class="error" role="alert">{error}</p>}
        {done !== undefined && <p class="notice" role="status">{done}</p>}
      </form>
      {needsPairing && (
        <PairForm
          idPrefix="profile"
          pair={pair}
          onPaired={() => {
            setNeedsPairing(false)
            setError(undefined)
            setDone(t.pairedSaveAgain)
          }}
        />
      )}
    </section>
  )
}
