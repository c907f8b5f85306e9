/**
 * Helpers for the issue-3 acceptance tests: real `kiez daemon`s in lab
 * namespaces, observed through `kiez … --json` and the daemons' JSON logs.
 */
import { eventually } from '@kiez/testing'
import { ControlClient, controlSocketPath } from '@kiez/daemon/control'
import type {
  DhtFindJson,
  EntryJson,
  FeedJson,
  PeerJson,
  PeersJson,
  PingJson,
  StatusJson,
  SyncJson
} from '@kiez/daemon/control'
import type { Lab, LogLine } from '../lab/index.ts'

export type { DhtFindJson, EntryJson, FeedJson, PeerJson, PeersJson, PingJson, StatusJson, SyncJson }

/** A daemon log line's `msg` (pino JSON), or undefined for anything else. */
export function msgOf (line: LogLine): string | undefined {
  const j = line.json as { msg?: unknown } | undefined
  return typeof j?.msg === 'string' ? j.msg : undefined
}

/** The daemon's own timestamp of a log line (pino isoTime, ms). Independent of how late the runner read it. */
export function logTimeMs (line: LogLine): number {
  const t = (line.json as { time?: unknown } | undefined)?.time
  const ms = typeof t === 'string' ? Date.parse(t) : typeof t === 'number' ? t : NaN
  if (!Number.isFinite(ms)) throw new Error(`log line has no time: ${line.text}`)
  return ms
}

export const isMsg = (msg: string, extra?: (j: Record<string, unknown>) => boolean) => (line: LogLine): boolean =>
  msgOf(line) === msg && (extra === undefined || extra(line.json as Record<string, unknown>))

/** `kiez <args> --json` in the box; throws with the CLI's stderr on a non-zero exit. */
export async function kiezJson<T> (lab: Lab, box: number, args: string[], timeoutMs = 30_000): Promise<T> {
  const r = await lab.kiez(box, [...args, '--json'], { timeoutMs })
  if (r.code !== 0) {
    throw new Error(`box ${box}: kiez ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`)
  }
  return JSON.parse(r.stdout) as T
}

/** Starts the daemon in each box (all at once) and waits until each has logged 'daemon started'. */
export async function startDaemons (
  lab: Lab,
  boxes: number[],
  args: (box: number) => string[] = () => []
): Promise<void> {
  for (const b of boxes) lab.start(b, { args: args(b) })
  await Promise.all(boxes.map(async (b) => await lab.waitForLog(b, isMsg('daemon started'), 30_000)))
}

export async function status (lab: Lab, box: number): Promise<StatusJson> {
  return await kiezJson<StatusJson>(lab, box, ['status'])
}

export async function peerIds (lab: Lab, boxes: number[]): Promise<string[]> {
  return await Promise.all(boxes.map(async (b) => (await status(lab, b)).peerId))
}

export async function connectedPeers (lab: Lab, box: number): Promise<PeerJson[]> {
  return (await kiezJson<PeersJson>(lab, box, ['peers'])).peers.filter((p) => p.connected)
}

/** Waits until `box` has a connection to every peer id in `ids`. */
export async function waitConnected (lab: Lab, box: number, ids: string[], timeoutMs = 30_000): Promise<PeerJson[]> {
  return await eventually(async () => {
    const peers = await connectedPeers(lab, box)
    const missing = ids.filter((id) => !peers.some((p) => p.peerId === id))
    if (missing.length > 0) {
      throw new Error(
        `box ${box} lacks ${missing.join(' ')}; has ${peers.map((p) => `${p.peerId}(${String(p.source)})`).join(' ')}`
      )
    }
    return peers
  }, { what: `box ${box} connected to ${ids.length} peer(s)`, timeoutMs, intervalMs: 500 })
}

/** Texts of the newest `limit` entries on a box. */
export async function feedTexts (lab: Lab, box: number, limit = 500): Promise<string[]> {
  const page = await kiezJson<FeedJson>(lab, box, ['feed', '--limit', String(limit)])
  return page.entries.map((e) => e.text ?? '')
}

export async function post (lab: Lab, box: number, text: string): Promise<EntryJson> {
  return await kiezJson<EntryJson>(lab, box, ['post', text])
}

/** Waits until each box's feed holds every text. */
export async function waitFeedsHave (lab: Lab, boxes: number[], texts: string[], timeoutMs: number): Promise<void> {
  await Promise.all(boxes.map(async (b) =>
    await eventually(async () => {
      const have = new Set(await feedTexts(lab, b))
      const missing = texts.filter((t) => !have.has(t))
      return missing.length === 0 ? true : false
    }, { what: `box ${b} to have ${JSON.stringify(texts)}`, timeoutMs, intervalMs: 750 })
  ))
}

/** Waits until each box's status counts `entries` entries. */
export async function waitEntryCount (lab: Lab, boxes: number[], entries: number, timeoutMs: number): Promise<void> {
  await Promise.all(boxes.map(async (b) =>
    await eventually(async () => {
      const n = (await status(lab, b)).counts.entries
      // thrown, so the timeout error shows the last count
      if (n !== entries) throw new Error(`box ${b} counts ${n} entries`)
      return true
    }, { what: `box ${b} to count ${entries} entries`, timeoutMs, intervalMs: 1000 })
  ))
}

/**
 * The control API client of a box (HTTP on the unix socket in its data dir;
 * the namespace does not matter for a unix socket). Used where spawning one
 * `kiez post` per entry would be too slow: it is the same endpoint the CLI calls.
 */
export function control (lab: Lab, box: number): ControlClient {
  return new ControlClient({ socketPath: controlSocketPath(lab.dataDir(box)), timeoutMs: 60_000 })
}

/** Posts `count` entries through the control API with `concurrency` calls in flight; resolves with their ids in order. */
export async function postMany (
  client: ControlClient,
  count: number,
  text: (i: number) => string,
  concurrency = 32
): Promise<string[]> {
  const ids: string[] = Array.from({ length: count }, () => '')
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++
      ids[i] = (await client.post({ text: text(i) })).id
    }
  }))
  return ids
}
