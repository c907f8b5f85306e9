import { useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import { MAX_NAME_BYTES, utf8Bytes } from '../text.js'
import type { Member, Session } from '../types.js'
import { fingerprint } from './Author.js'
import { useI18n } from '../i18n/index.js'

export interface NameFormProps {
  idPrefix: string
  label: string
  hint: string
  submitLabel: string
  /** makes the member; throws ApiError on a refusal (bad_name, member_exists, …) */
  create: (name: string) => Promise<void>
}

/** A name for a new member of the household: the first one on a fresh box, or "I am new here". */
export function NameForm ({ idPrefix, label, hint, submitLabel, create }: NameFormProps) {
  const { t } = useI18n()
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const id = `${idPrefix}-name`

  async function submit (ev: Event): Promise<void> {
    ev.preventDefault()
    const n = name.trim()
    if (n === '') {
      setError(t.typeName)
      return
    }
    if (utf8Bytes(n) > MAX_NAME_BYTES) {
      setError(t.nameTooLong(MAX_NAME_BYTES))
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      await create(n)
      setName('')
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err.code === 'member_exists'
            ? t.nameTaken(n)
            : t.notDoneWhy(`${err.message} (${err.code})`)
          : t.notDoneWhy(undefined)
      )
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      class="name-form"
      onSubmit={(ev) => {
        void submit(ev)
      }}
    >
      <label for={id}>{label}</label>
      <p class="hint" id={`${id}-hint`}>{hint}</p>
      <div class="row">
        <input
          id={id}
          name="name"
          value={name}
          autocomplete="nickname"
          aria-describedby={`${id}-hint`}
          onInput={(ev) => setName(ev.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>{busy ? t.oneMoment : submitLabel}</button>
      </div>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
    </form>
  )
}

export interface PeopleProps {
  session: Session | undefined
  /** the box's own display name, for a box that posts as itself */
  boxName: string | undefined
  newMember: (name: string) => Promise<void>
  switchTo: (author: string) => Promise<void>
  logout: () => Promise<void>
}

function label (m: Member): string {
  return m.authorKey === '' ? m.name : `${m.name} (${fingerprint(m.authorKey)})`
}

/**
 * Who this browser posts as, always in sight above the compose box: "posting
 * as Anna", a switcher when the browser holds several members, "I am new
 * here", and logging this browser out. On a fresh box, the first browser is
 * asked for a name: it becomes the household's first member.
 */
export function People ({ session, boxName, newMember, switchTo, logout }: PeopleProps) {
  const { t } = useI18n()
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const [adding, setAdding] = useState(false)
  if (session?.paired !== true) return null
  const members = session.members
  const current = members?.find((m) => m.author === session.current)

  async function run (what: () => Promise<void>): Promise<void> {
    setBusy(true)
    setError(undefined)
    try {
      await what()
    } catch (err) {
      setError(err instanceof ApiError ? `${err.message} (${err.code})` : t.didNotWork)
    } finally {
      setBusy(false)
    }
  }

  const logoutButton = (
    <button
      type="button"
      class="link-button logout"
      disabled={busy}
      onClick={() => {
        void run(logout)
      }}
    >
      {t.logout}
    </button>
  )

  if (session.firstMember === true && (members?.length ?? 0) === 0) {
    return (
      <div class="people first-member">
        <NameForm
          idPrefix="first"
          label={t.welcome}
          hint={t.firstHint}
          submitLabel={t.thatIsMe}
          create={newMember}
        />
        {logoutButton}
        {error !== undefined && <p class="error" role="alert">{error}</p>}
      </div>
    )
  }

  return (
    <div class="people">
      <div class="row posting-as-row">
        {current !== undefined
          ? (
            <p class="posting-as" aria-live="polite">
              {t.postingAs} <bdi class="author-name">{current.name}</bdi>{' '}
              <code class="short-id" title={current.author}>{fingerprint(current.authorKey)}</code>
            </p>
          )
          : members === undefined
          ? (
            <p class="posting-as">
              {t.postingAsBox}
              {boxName !== undefined && (
                <>
                  {' '}(<bdi>{boxName}</bdi>)
                </>
              )}
            </p>
          )
          : <p class="posting-as notice">{t.postsAsNoOne}</p>}
        {members !== undefined && members.length > 1 && (
          <label class="switch">
            <span class="sr-only">{t.postAs}</span>
            <select
              value={session.current}
              disabled={busy}
              onChange={(ev) => {
                const to = ev.currentTarget.value
                void run(async () => await switchTo(to))
              }}
            >
              {members.map((m) => <option key={m.author} value={m.author}>{label(m)}</option>)}
            </select>
          </label>
        )}
      </div>
      {members !== undefined && (adding || current === undefined
        ? (
          <NameForm
            idPrefix="new-member"
            label={t.newHere}
            hint={t.newHint}
            submitLabel={t.becomeMember}
            create={async (name) => {
              await newMember(name)
              setAdding(false)
            }}
          />
        )
        : (
          <div class="row people-actions">
            <button type="button" class="link-button new-here" onClick={() => setAdding(true)}>
              {t.newHere}
            </button>
            {logoutButton}
          </div>
        ))}
      {(members === undefined || adding || current === undefined) && logoutButton}
      {error !== undefined && <p class="error" role="alert">{error}</p>}
    </div>
  )
}
