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
  const whose = member === true ? 'you' : 'this box'
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
      setError('Enter a name.')
      return
    }
    if (utf8Bytes(n) > MAX_NAME_BYTES) {
      setError(`Too long: a name is at most ${MAX_NAME_BYTES} bytes (UTF-8).`)
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      await setName(n)
      setNameText('')
      setNeedsPairing(false)
      setDone(member === true ? `Neighbours now see you as “${n}”.` : `Your box is now called “${n}”.`)
    } catch (err) {
      if (err instanceof ApiError && isNotPaired(err)) {
        setNeedsPairing(true)
        setError(`Not saved: this browser is not paired with the box. (${err.message})`)
      } else {
        setError(err instanceof ApiError ? `Not saved: ${err.message} (${err.code})` : 'Not saved.')
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
              Neighbours see {whose} as <bdi class="author-name">{current}</bdi>.
            </>
          )
          : `${member === true ? 'You have' : 'This box has'} no display name yet.`}
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
            setDone('Paired. Press “Save name” again.')
          }}
        />
      )}
    </section>
  )
}
