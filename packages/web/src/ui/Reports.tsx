import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import type { Names } from '../names.js'
import { clean } from '../names.js'
import { relativeTime } from '../time.js'
import type { Entry, Report } from '../types.js'
import { Author } from './Author.js'
import { HiddenText } from './HiddenText.js'
import type { useReports } from './useReports.js'
import { useI18n } from '../i18n/index.js'

export interface ReportsProps {
  state: ReturnType<typeof useReports>
  names: Names
  now: number
  /** the entries on the page: a reported one is quoted from here, and linked */
  known: ReadonlyMap<string, Entry>
  load: (id: string) => Promise<Entry>
  muted: ReadonlySet<string>
}

/**
 * What readers reported, on this box and every box whose reports it holds:
 * the list a moderator works from. Collapsed until opened, so the feed page
 * does not ask for it on every load.
 */
export function Reports ({ state, names, now, known, load, muted }: ReportsProps) {
  const { t } = useI18n()
  const [open, setOpen] = useState(false)
  // one request per reported entry, however often the list re-renders or repeats it
  const fetched = useRef(new Map<string, Promise<Entry>>())
  const fetchOnce = (id: string): Promise<Entry> => {
    let p = fetched.current.get(id)
    if (p === undefined) {
      p = load(id)
      fetched.current.set(id, p)
    }
    return p
  }
  const { reports } = state
  return (
    <section class="panel" id="reports" aria-labelledby="reports-title">
      <h2 id="reports-title">{t.reportsTitle}</h2>
      <div class="row">
        <button
          type="button"
          class="secondary"
          aria-expanded={open}
          aria-controls="reports-body"
          onClick={() => {
            if (!open && reports === undefined) void state.refresh()
            setOpen(!open)
          }}
        >
          {open ? t.hideReports : t.showReports}
        </button>
        {open && (
          <button
            type="button"
            class="secondary"
            disabled={state.busy}
            onClick={() => {
              fetched.current.clear()
              void state.refresh()
            }}
          >
            Refresh
          </button>
        )}
      </div>
      <div id="reports-body" hidden={!open}>
        {open && (
          <>
            {state.error !== undefined && <p class="error" role="alert">{state.error}</p>}
            {reports === undefined && state.error === undefined && <p class="muted">Loading…</p>}
            {reports !== undefined && reports.length === 0 && <p class="muted">No reports on this box.</p>}
            {reports !== undefined && reports.length > 0 && (
              <ol class="report-list" aria-label="Reports, newest first">
                {reports.map((r) => (
                  <ReportItem
                    key={r.id}
                    report={r}
                    names={names}
                    now={now}
                    known={known.get(r.target)}
                    fetch={fetchOnce}
                    muted={muted}
                  />
                ))}
              </ol>
            )}
            {state.next !== undefined && (
              <button
                type="button"
                class="secondary older"
                disabled={state.busy}
                onClick={() => {
                  void state.loadOlder()
                }}
              >
                {state.busy ? t.loading : t.olderReports}
              </button>
            )}
          </>
        )}
      </div>
    </section>
  )
}

interface ReportItemProps {
  report: Report
  names: Names
  now: number
  known: Entry | undefined
  fetch: (id: string) => Promise<Entry>
  muted: ReadonlySet<string>
}

function ReportItem ({ report: r, names, now, known, fetch, muted }: ReportItemProps) {
  const { t } = useI18n()
  const reason = clean(r.reason)
  const when = new Date(r.timestamp)
  return (
    <li class="report" id={`r-${r.id}`}>
      <p class="post-head">
        <Author id={r.author} name={names.get(r.author) ?? r.authorName} self={false} />
        <time
          dateTime={Number.isNaN(when.getTime()) ? undefined : when.toISOString()}
          title={Number.isNaN(when.getTime()) ? undefined : when.toLocaleString()}
        >
          {t.reportedAgo(relativeTime(r.timestamp, now, t.time))}
        </time>
      </p>
      <p class="report-reason">
        {reason === '' ? <span class="muted">{t.noReasonGiven}</span> : (
          <>
            {t.reason} <bdi>{reason}</bdi>
          </>
        )}
      </p>
      <Target id={r.target} names={names} now={now} known={known} fetch={fetch} muted={muted} />
    </li>
  )
}

interface TargetProps {
  id: string
  names: Names
  now: number
  known: Entry | undefined
  fetch: (id: string) => Promise<Entry>
  muted: ReadonlySet<string>
}

/** The reported entry quoted like a reply's parent: from the page if it is there, else asked of the box. */
function Target ({ id, names, now, known, fetch, muted }: TargetProps) {
  const { t } = useI18n()
  const [loaded, setLoaded] = useState<Entry | undefined>()
  const [note, setNote] = useState<string | undefined>()
  useEffect(() => {
    if (known !== undefined) return
    let live = true
    fetch(id).then((e) => {
      if (live) setLoaded(e)
    }, (err: unknown) => {
      if (!live) return
      setNote(
        err instanceof ApiError && err.code === 'entry_not_found'
          ? t.reportedMissing
          : err instanceof ApiError && err.code === 'deleted'
          ? t.reportedDeleted
          : err instanceof ApiError && err.code === 'author_blocked'
          ? t.authorBlocked(err.message)
          : t.couldNotReported(err instanceof ApiError ? err.message : String(err))
      )
    })
    return () => {
      live = false
    }
  }, [id, known === undefined])
  const e = known ?? loaded
  if (e === undefined) {
    return <p class="reply-note">{note ?? 'Loading the reported entry…'}</p>
  }
  return (
    <blockquote class="parent">
      <p class="post-head">
        <Author id={e.author} name={names.get(e.author) ?? e.authorName} self={false} />
        <span class="muted">{relativeTime(e.timestamp, now, t.time)}</span>
        {known !== undefined && !muted.has(e.author) && <a href={`#e-${e.id}`}>{t.inTheFeed}</a>}
      </p>
      {muted.has(e.author)
        ? <p class="reply-note">By an author you muted.</p>
        : <HiddenText entry={e} names={names} />}
    </blockquote>
  )
}
