import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { Api, ApiError } from '../api.js'
import { follow, type LiveState } from '../live.js'
import { Names } from '../names.js'
import { threads } from '../thread.js'
import type { Entry, Peer, Session, Status } from '../types.js'
import { Around } from './Around.js'
import { MeshMap } from './MeshMap.js'
import type { MeshMap as MeshMapData } from '../meshmap.js'
import { Messages } from './Messages.js'
import { Muted } from './Muted.js'
import { MuteNotice } from './MuteNotice.js'
import { Reports } from './Reports.js'
import { PairPanel } from './PairPanel.js'
import { People } from './People.js'
import { Profile } from './Profile.js'
import { Timeline } from './Timeline.js'
import { TopBar } from './TopBar.js'
import { message } from './message.js'
import { useFeed } from './useFeed.js'
import { useMuted } from './useMuted.js'
import { useReports } from './useReports.js'
import { FILTERS, type FilterName, type KindPost } from '../life.js'
import { AlertBanner } from './AlertBanner.js'
import { Filters } from './Filters.js'
import { KindCompose } from './KindCompose.js'
import type { LifeActions } from './life-context.js'
import { Providers } from './Providers.js'
import { OpenTrades } from './OpenTrades.js'
import { Search } from './Search.js'
import { Upcoming } from './Upcoming.js'
import { loadKinds } from './useKinds.js'
import { useLang } from './useLang.js'
import { useUnread } from './useUnread.js'
import type { Upload } from '../images/context.js'
import type { ImageRef } from '../images/refs.js'

const PEERS_EVERY_MS = 10_000
const CLOCK_EVERY_MS = 30_000

export function App ({ api: given }: { api?: Api }) {
  const api = useMemo(() => given ?? new Api(), [given])
  const names = useRef(new Names()).current
  const muted = useMuted()
  const mutedNow = useRef(muted.set)
  mutedNow.current = muted.set
  const [status, setStatus] = useState<Status | undefined>()
  const [session, setSession] = useState<Session | undefined>()
  const [peers, setPeers] = useState<Peer[] | undefined>()
  const [peersError, setPeersError] = useState<string | undefined>()
  const [meshMap, setMeshMap] = useState<MeshMapData | undefined>()
  const [mapError, setMapError] = useState<string | undefined>()
  const [live, setLive] = useState<LiveState>('connecting')
  // `kiez pair` shows a QR code of <url>#pair=CODE: pre-fill the code, and take it out of the address bar
  const [linkCode] = useState(() => /^#pair=([A-Za-z0-9-]{4,32})$/.exec(location.hash)?.[1])
  const [now, setNow] = useState(Date.now())
  // bumped by the stream's `messages` event: the Messages panel loads again
  const [messagesTick, setMessagesTick] = useState(0)
  const i18n = useLang()
  const { t } = i18n
  const {
    entries,
    next,
    loadedOnce,
    loadingOlder,
    feedError,
    announce,
    add,
    drop,
    queue,
    loadFirst,
    loadOlder,
    stopFlush
  } = useFeed(api, names, mutedNow, t)
  const reports = useReports(api, t)
  // the author just muted, while the notice with Undo shows
  const [justMuted, setJustMuted] = useState<string | undefined>()
  const feedTitle = useRef<HTMLHeadingElement>(null)
  const unread = useUnread(t)
  const [filter, setFilter] = useState<FilterName>('all')

  async function loadPeers (): Promise<void> {
    try {
      setPeers(await api.peers())
      setPeersError(undefined)
    } catch (err) {
      setPeersError(t.couldNotNeighbours(message(err)))
    }
  }

  async function loadSession (): Promise<void> {
    try {
      const s = await api.session()
      setSession(s)
      setStatus((st) => st === undefined ? st : { ...st, paired: s.paired })
    } catch {
      // the page works without it: it posts and learns from the answer
    }
  }

  async function loadMap (): Promise<void> {
    try {
      setMeshMap(await api.topology())
      setMapError(undefined)
    } catch (err) {
      setMapError(t.couldNotMesh(message(err)))
    }
  }

  useEffect(() => {
    if (linkCode !== undefined) history.replaceState(null, '', location.pathname + location.search)
    api.status().then(setStatus, () => {})
    void loadSession()
    loadFirst()
    loadKinds(api, add)
    void loadPeers()
    void loadMap()
    let peerTimer: ReturnType<typeof setTimeout> | undefined
    const stop = follow({
      onEntry: (e) => {
        queue(e)
        if (e.type === 'post' || e.type === 'reply') unread.note(e.id)
      },
      // a delete or edit from elsewhere (the CLI, another page, the author's box), or a text that came late
      onChanged: (id) => {
        api.entry(id).then((e) => add([e]), (err: unknown) => {
          if (err instanceof ApiError && (err.code === 'deleted' || err.code === 'entry_not_found')) drop(id)
        })
      },
      // peer events come in bursts (connect, identify, latency): one refresh per burst
      onPeer: () => {
        clearTimeout(peerTimer)
        peerTimer = setTimeout(() => {
          void loadPeers()
        }, 300)
      },
      // the gateway crawls the mesh while we listen and says when a box or link came or went
      onTopology: () => {
        void loadMap()
      },
      // a member added, removed or renamed (here, in another browser, or with `kiez member`)
      onMembers: () => {
        void loadSession()
      },
      onMessages: () => setMessagesTick((n) => n + 1),
      // (re)connected: a change may have come between our first GET and the stream
      onState: (s) => {
        setLive(s)
        if (s === 'live') void loadMap()
      },
      onReset: () => {
        loadFirst()
        loadKinds(api, add)
        void loadPeers()
        void loadMap()
      }
    })
    const peersEvery = setInterval(() => {
      void loadPeers()
    }, PEERS_EVERY_MS)
    const clock = setInterval(() => setNow(Date.now()), CLOCK_EVERY_MS)
    return () => {
      stop()
      clearInterval(peersEvery)
      clearInterval(clock)
      clearTimeout(peerTimer)
      stopFlush()
    }
  }, [api])

  // a member's own posts are theirs to edit and delete; a box without members owns its own
  const selfId = session?.current ?? status?.author ?? status?.peerId
  const selfLabel = session?.current !== undefined ? t.selfYou : t.selfBox
  const boxId = status?.author ?? status?.peerId
  /** A refusal that means this browser's session is gone (revoked, logged out elsewhere): back to pairing. */
  const signedOut = (err: unknown): void => {
    if (err instanceof ApiError && (err.status === 401 || err.code === 'member_required')) void loadSession()
  }
  // a muted author's posts and replies leave the page; a reply to one of them stands alone, with a note
  const tree = useMemo(
    () => threads([...entries.values()].filter((e) => !muted.set.has(e.author))),
    [entries, muted.set]
  )
  const post = async (text: string, replyTo?: string, images?: ImageRef[]): Promise<Entry> => {
    const e = await api.post(text, replyTo, images).catch((err: unknown) => {
      signedOut(err)
      throw err
    })
    add([e])
    setNow(Date.now())
    return e
  }
  const postKind = async (body: KindPost): Promise<Entry> => {
    const e = await api.postKind(body).catch((err: unknown) => {
      signedOut(err)
      throw err
    })
    add([e])
    setNow(Date.now())
    return e
  }
  // a vote, an RSVP or a done changes its target's counts: the page GETs the target again
  const answerThen = async (target: string, send: () => Promise<void>): Promise<void> => {
    await send().catch((err: unknown) => {
      signedOut(err)
      throw err
    })
    add([await api.entry(target)])
  }
  const lifeActions = useMemo<LifeActions>(() => ({
    vote: async (poll, choices) =>
      await answerThen(poll, async () => await api.answer({ kind: 'vote', target: poll, choices })),
    rsvp: async (event, answer) =>
      await answerThen(event, async () => await api.answer({ kind: 'rsvp', target: event, answer })),
    done: async (target) => await answerThen(target, async () => await api.answer({ kind: 'done', target }))
  }), [api])
  // photos for a post or reply (images/prepare.ts made them), one blob each
  const upload = useMemo<Upload>(() => async (blob) =>
    await api.uploadBlob(blob).catch((err: unknown) => {
      signedOut(err)
      throw err
    }), [api])
  const kinds = FILTERS[filter]
  const shown = kinds === undefined
    ? tree
    : tree.filter((n) => (kinds as readonly string[]).includes(n.entry.kind ?? ''))
  const edit = async (id: string, text: string): Promise<Entry> => {
    const e = await api.editEntry(id, text)
    add([e])
    return e
  }
  const remove = async (id: string): Promise<void> => {
    try {
      await api.deleteEntry(id)
    } catch (err) {
      // deleted already (say with `kiez delete`): the page only lagged behind
      if (!(err instanceof ApiError && err.code === 'deleted')) throw err
    }
    drop(id)
  }
  const setName = async (name: string): Promise<void> => {
    const e = await api.profile(name)
    if (e !== undefined) add([e])
    // a member's profile is theirs; the box's name is the box's
    if (session?.current === undefined) setStatus((s) => s === undefined ? s : { ...s, authorName: name })
    else await loadSession()
  }
  const report = async (id: string, reason: string): Promise<void> => {
    reports.add(await api.report(id, reason))
  }
  const mute = (author: string): void => {
    muted.mute(author)
    setJustMuted(author)
  }
  const pair = async (code: string): Promise<void> => {
    await api.pair(code)
    setStatus((s) => s === undefined ? s : { ...s, paired: true })
    await loadSession()
  }
  const newMember = async (name: string): Promise<void> => {
    await api.newMember(name)
    await loadSession()
  }
  const switchTo = async (author: string): Promise<void> => {
    setSession(await api.switchMember(author))
  }
  const logout = async (): Promise<void> => {
    await api.logout()
    setSession({ paired: false })
    setStatus((s) => s === undefined ? s : { ...s, paired: false })
  }
  const boxName = boxId === undefined ? undefined : names.get(boxId) ?? status?.authorName
  const selfName = session?.current !== undefined
    ? session.members?.find((m) => m.author === session.current)?.name
    : boxName

  return (
    <Providers i18n={i18n} life={lifeActions} upload={upload}>
      <a class="skip" href="#compose-text">{t.skipToCompose}</a>
      <TopBar selfId={boxId} selfName={boxName} live={live} />
      <AlertBanner entries={entries.values()} names={names} now={now} />
      <div class="layout">
        <main id="feed" aria-labelledby="feed-title">
          <h2 id="feed-title" class="sr-only" tabIndex={-1} ref={feedTitle}>{t.feedHeading}</h2>
          <p class="sr-only" aria-live="polite">{announce}</p>
          <section class="panel">
            <People
              session={session}
              boxName={boxName}
              newMember={newMember}
              switchTo={switchTo}
              logout={logout}
            />
            <KindCompose postKind={postKind} pair={pair} />
          </section>
          <Search api={api} names={names} now={now} known={entries} />
          <Filters
            value={filter}
            set={(f) => {
              setFilter(f)
              const more = FILTERS[f]
              if (more !== undefined) loadKinds(api, add, more)
            }}
          />
          {justMuted !== undefined && (
            <MuteNotice
              author={justMuted}
              names={names}
              undo={() => {
                muted.unmute(justMuted)
                setJustMuted(undefined)
                feedTitle.current?.focus()
              }}
              close={() => {
                setJustMuted(undefined)
                feedTitle.current?.focus()
              }}
            />
          )}
          <Timeline
            tree={shown}
            empty={kinds === undefined ? undefined : t.noneOfKind}
            names={names}
            selfId={selfId}
            selfLabel={selfLabel}
            now={now}
            next={next}
            loadedOnce={loadedOnce}
            loadingOlder={loadingOlder}
            error={feedError}
            loadOlder={() => {
              void loadOlder()
            }}
            post={post}
            pair={pair}
            loadEntry={async (id) => await api.entry(id)}
            edit={edit}
            remove={remove}
            muted={muted.set}
            known={entries}
            mute={mute}
            report={report}
          />
        </main>
        <aside class="side">
          <Messages api={api} names={names} member={session?.current !== undefined} tick={messagesTick} now={now} />
          <Upcoming entries={entries.values()} now={now} />
          <OpenTrades entries={entries.values()} />
          <Around peers={peers} names={names} error={peersError} />
          <MeshMap map={meshMap} peers={peers} names={names} error={mapError} />
          <Reports
            state={reports}
            names={names}
            now={now}
            known={entries}
            load={async (id) => await api.entry(id)}
            muted={muted.set}
          />
          <Muted list={muted.list} names={names} unmute={muted.unmute} />
          <Profile current={selfName} member={session?.current !== undefined} setName={setName} pair={pair} />
          <PairPanel paired={(session?.paired ?? status?.paired) === true} pair={pair} linkCode={linkCode} />
        </aside>
      </div>
    </Providers>
  )
}
