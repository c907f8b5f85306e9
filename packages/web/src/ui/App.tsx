import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { Api, ApiError } from '../api.js'
import { follow, type LiveState } from '../live.js'
import { Names } from '../names.js'
import { threads } from '../thread.js'
import { admit } from '../window.js'
import type { Entry, Peer, Status } from '../types.js'
import { Around } from './Around.js'
import { MeshMap } from './MeshMap.js'
import type { MeshMap as MeshMapData } from '../meshmap.js'
import { Compose } from './Compose.js'
import { PairPanel } from './PairPanel.js'
import { Profile } from './Profile.js'
import { Timeline } from './Timeline.js'
import { TopBar } from './TopBar.js'

const PAGE = 30
/** Entries held while the page is open; past this the page falls back to the newest page. */
const MAX_ENTRIES = 2000
const LIVE_BATCH_MS = 100
const PEERS_EVERY_MS = 10_000
const CLOCK_EVERY_MS = 30_000

function message (err: unknown): string {
  return err instanceof ApiError ? `${err.message} (${err.code})` : String(err)
}

export function App ({ api: given }: { api?: Api }) {
  const api = useMemo(() => given ?? new Api(), [given])
  const names = useRef(new Names()).current
  const [entries, setEntries] = useState<ReadonlyMap<string, Entry>>(new Map())
  const [next, setNext] = useState<string | undefined>()
  const [loadedOnce, setLoadedOnce] = useState(false)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const [feedError, setFeedError] = useState<string | undefined>()
  const [status, setStatus] = useState<Status | undefined>()
  const [peers, setPeers] = useState<Peer[] | undefined>()
  const [peersError, setPeersError] = useState<string | undefined>()
  const [meshMap, setMeshMap] = useState<MeshMapData | undefined>()
  const [mapError, setMapError] = useState<string | undefined>()
  const [live, setLive] = useState<LiveState>('connecting')
  const [announce, setAnnounce] = useState('')
  // `kiez pair` shows a QR code of <url>#pair=CODE: pre-fill the code, and take it out of the address bar
  const [linkCode] = useState(() => /^#pair=([A-Za-z0-9-]{4,32})$/.exec(location.hash)?.[1])
  const known = useRef<ReadonlyMap<string, Entry>>(entries)
  known.current = entries
  const [now, setNow] = useState(Date.now())

  function add (list: Entry[]): void {
    setEntries((prev) => {
      const m = new Map(prev)
      for (const e of list) {
        names.learn(e)
        if (e.type === 'post' || e.type === 'reply') m.set(e.id, e)
      }
      return m
    })
  }

  /** Back to the newest page alone, with a cursor that pages on from there. */
  function replaceWithFirstPage (): void {
    api.feed({ limit: PAGE }).then((page) => {
      for (const e of page.entries) names.learn(e)
      setEntries(new Map(page.entries.filter((e) => e.type === 'post' || e.type === 'reply').map((e) => [e.id, e])))
      setNext(page.next)
    }, (err) => setFeedError(`Could not load the feed: ${message(err)}`))
  }

  // Live entries are applied in batches: a catch-up can deliver thousands a second.
  const pending = useRef<Entry[]>([])
  const flushTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const nextRef = useRef(next)
  nextRef.current = next

  function queue (e: Entry): void {
    pending.current.push(e)
    if (pending.current.length > MAX_ENTRIES) pending.current.splice(0, pending.current.length - MAX_ENTRIES)
    flushTimer.current ??= setTimeout(flush, LIVE_BATCH_MS)
  }

  function flush (): void {
    flushTimer.current = undefined
    const batch = pending.current
    pending.current = []
    for (const e of batch) names.learn(e)
    const { add: inWindow, fresh, overflow } = admit(batch, known.current, nextRef.current !== undefined, MAX_ENTRIES)
    if (overflow) { replaceWithFirstPage(); return }
    // screen readers hear about posts that arrive live (not about re-sent ones)
    const one = fresh[0]
    if (fresh.length === 1 && one !== undefined) {
      setAnnounce(`New ${one.type === 'reply' ? 'reply' : 'post'} from ${names.get(one.author) ?? one.authorName ?? 'a neighbour'}`)
    } else if (fresh.length > 1) {
      setAnnounce(`${fresh.length} new posts`)
    }
    add(inWindow)
  }

  async function loadPeers (): Promise<void> {
    try { setPeers(await api.peers()); setPeersError(undefined) } catch (err) { setPeersError(`Could not ask the box about neighbours: ${message(err)}`) }
  }

  async function loadMap (): Promise<void> {
    try { setMeshMap(await api.topology()); setMapError(undefined) } catch (err) { setMapError(`Could not draw the mesh: ${message(err)}`) }
  }

  async function loadOlder (): Promise<void> {
    setLoadingOlder(true)
    try {
      const page = await api.feed({ limit: PAGE, before: next })
      add(page.entries)
      setNext(page.next)
      setFeedError(undefined)
    } catch (err) {
      setFeedError(`Could not load older posts: ${message(err)}`)
    } finally {
      setLoadingOlder(false)
    }
  }

  function loadFirst (): void {
    api.feed({ limit: PAGE }).then((page) => { add(page.entries); setNext((n) => n ?? page.next); setLoadedOnce(true); setFeedError(undefined) },
      (err) => { setFeedError(`Could not load the feed: ${message(err)}`); setLoadedOnce(true) })
  }

  useEffect(() => {
    if (linkCode !== undefined) history.replaceState(null, '', location.pathname + location.search)
    api.status().then(setStatus, () => {})
    loadFirst()
    void loadPeers()
    void loadMap()
    let peerTimer: ReturnType<typeof setTimeout> | undefined
    const stop = follow({
      onEntry: queue,
      // peer events come in bursts (connect, identify, latency): one refresh per burst
      onPeer: () => {
        clearTimeout(peerTimer)
        peerTimer = setTimeout(() => { void loadPeers() }, 300)
      },
      // the gateway crawls the mesh while we listen and says when a box or link came or went
      onTopology: () => { void loadMap() },
      // (re)connected: a change may have come between our first GET and the stream
      onState: (s) => { setLive(s); if (s === 'live') void loadMap() },
      onReset: () => { loadFirst(); void loadPeers(); void loadMap() }
    })
    const peersEvery = setInterval(() => { void loadPeers() }, PEERS_EVERY_MS)
    const clock = setInterval(() => setNow(Date.now()), CLOCK_EVERY_MS)
    return () => { stop(); clearInterval(peersEvery); clearInterval(clock); clearTimeout(peerTimer); clearTimeout(flushTimer.current) }
  }, [api])

  const selfId = status?.author ?? status?.peerId
  const tree = useMemo(() => threads(entries.values()), [entries])
  const post = async (text: string, replyTo?: string): Promise<Entry> => {
    const e = await api.post(text, replyTo)
    add([e])
    setNow(Date.now())
    return e
  }
  const setName = async (name: string): Promise<void> => {
    const e = await api.profile(name)
    if (e !== undefined) add([e])
    setStatus((s) => s === undefined ? s : { ...s, authorName: name })
  }
  const pair = async (code: string): Promise<void> => {
    await api.pair(code)
    setStatus((s) => s === undefined ? s : { ...s, paired: true })
  }
  const selfName = selfId === undefined ? undefined : names.get(selfId) ?? status?.authorName

  return (
    <>
      <a class='skip' href='#compose-text'>Skip to writing a post</a>
      <TopBar selfId={selfId} selfName={selfName} live={live} />
      <div class='layout'>
        <main id='feed' aria-labelledby='feed-title'>
          <h2 id='feed-title' class='sr-only'>Feed</h2>
          <p class='sr-only' aria-live='polite'>{announce}</p>
          <section class='panel'>
            <Compose idPrefix='compose' label='Write to your neighbours' submitLabel='Post' post={post} pair={pair} />
          </section>
          <Timeline tree={tree} names={names} selfId={selfId} now={now} next={next} loadedOnce={loadedOnce} loadingOlder={loadingOlder} error={feedError}
            loadOlder={() => { void loadOlder() }} post={post} pair={pair} loadEntry={async (id) => await api.entry(id)} />
        </main>
        <aside class='side'>
          <Around peers={peers} names={names} error={peersError} />
          <MeshMap map={meshMap} peers={peers} names={names} error={mapError} />
          <Profile current={selfName} setName={setName} pair={pair} />
          <PairPanel paired={status?.paired === true} pair={pair} linkCode={linkCode} />
        </aside>
      </div>
    </>
  )
}
