import { type Catalogue, en } from './i18n/en.js'
import { duration } from './time.js'
import type { Peer } from './types.js'

/** The words of this file, from the page's catalogue (English unless given). */
type MeshWords = Catalogue['mesh']

export function sourceText (source: string | null, w: MeshWords = en.mesh): string {
  return source === null ? w.howUnknown : w.sources[source] ?? w.foundBy(source)
}

/**
 * In sync, behind or ahead, as far as the last heads exchange with that
 * neighbour tells; with its age, since gossip may have closed a gap since.
 */
export function syncText (p: Peer, w: MeshWords = en.mesh): { text: string, ok: boolean | undefined } {
  const s = p.sync
  if (s === undefined) return { text: w.noSyncData, ok: undefined }
  if (s.lastSyncError !== undefined) return { text: w.syncFailed(s.lastSyncError), ok: false }
  if (s.syncing === true) return { text: w.syncingNow, ok: undefined }
  const ageMs = s.headsAgeMs ?? s.lastSyncAgoMs
  const asOf = ageMs === undefined ? '' : w.checkedAgo(duration(ageMs))
  const weLack = s.weLack ?? 0
  const theyLack = s.theyLack ?? 0
  if (s.inSync === true || (s.weLack !== undefined && s.theyLack !== undefined && weLack === 0 && theyLack === 0)) {
    return { text: `${w.inSync}${asOf}`, ok: true }
  }
  const parts: string[] = []
  if (weLack > 0) parts.push(w.weLack(weLack))
  if (theyLack > 0) parts.push(w.theyLack(theyLack))
  if (parts.length === 0) return { text: w.notCompared, ok: undefined }
  return { text: `${w.notInSync(parts.join(', '))}${asOf}`, ok: false }
}
