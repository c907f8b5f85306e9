import { decode, encode } from 'cborg'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  MAX_DEPTH,
  MAX_NEIGHBOURS,
  MAX_PEER_ID_CHARS,
  MAX_REPORTS,
  SOURCES,
  WIRE_VERSION,
  type NeighbourSource
} from './constants.js'
import { TopologyError } from './errors.js'

export interface TopologyRequest {
  /** how many further hops the answering box should relay (0..MAX_DEPTH) */
  depth: number
}

export interface Neighbour {
  peerId: string
  connected: boolean
  source: NeighbourSource | null
  latencyMs?: number
}

/** One box's own neighbour list (a claim: signed by nobody but the stream it came on). */
export interface Report {
  peerId: string
  neighbours: Neighbour[]
}

export interface TopologyAnswer {
  /** the answering box's clock, ms since the epoch */
  clockMs: number
  /** reports[0] is the answering box itself; the rest are relayed */
  reports: Report[]
}

/** Strict decoding: no tags, indefinite lengths, undefined, bigints or non-finite floats. */
const DECODE_OPTIONS = {
  strict: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowBigInt: false,
  allowInfinity: false,
  allowNaN: false,
  tags: [],
  useMaps: false,
  rejectDuplicateMapKeys: true
} as const

export function encodeRequest (r: TopologyRequest): Uint8Array {
  return encode({ v: WIRE_VERSION, depth: r.depth })
}

export function encodeAnswer (a: TopologyAnswer): Uint8Array {
  return encode({
    v: WIRE_VERSION,
    clock: Math.round(a.clockMs),
    reports: a.reports.slice(0, MAX_REPORTS).map((r) => ({
      id: r.peerId,
      n: r.neighbours.slice(0, MAX_NEIGHBOURS).map((n) => ({
        id: n.peerId,
        c: n.connected,
        s: n.source,
        l: n.latencyMs ?? null
      }))
    }))
  })
}

export function decodeRequest (frame: Uint8Array): TopologyRequest {
  const m = map(cbor(frame), 'request')
  version(m)
  const depth = m.depth
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 0 || depth > MAX_DEPTH) {
    bad(`depth must be an integer 0..${MAX_DEPTH}`)
  }
  return { depth }
}

export function decodeAnswer (frame: Uint8Array): TopologyAnswer {
  const m = map(cbor(frame), 'answer')
  version(m)
  const clock = m.clock
  if (typeof clock !== 'number' || !Number.isSafeInteger(clock) || clock < 0) {
    bad('clock must be a non-negative integer')
  }
  const reports = m.reports
  if (!Array.isArray(reports) || reports.length === 0 || reports.length > MAX_REPORTS) {
    bad(`reports must be an array of 1..${MAX_REPORTS}`)
  }
  return { clockMs: clock, reports: reports.map(decodeReport) }
}

function decodeReport (v: unknown): Report {
  const m = map(v, 'report')
  const n = m.n
  if (!Array.isArray(n) || n.length > MAX_NEIGHBOURS) bad(`a report's n must be an array of at most ${MAX_NEIGHBOURS}`)
  return { peerId: peerId(m.id), neighbours: n.map(decodeNeighbour) }
}

function decodeNeighbour (v: unknown): Neighbour {
  const m = map(v, 'neighbour')
  if (typeof m.c !== 'boolean') bad('c must be a boolean')
  const s = m.s
  if (s !== null && !(SOURCES as readonly unknown[]).includes(s)) bad('s must be a known source or null')
  const out: Neighbour = { peerId: peerId(m.id), connected: m.c, source: s as NeighbourSource | null }
  const l = m.l
  if (l !== null) {
    if (typeof l !== 'number' || !(l >= 0 && l <= 600_000)) bad('l must be null or a latency 0..600000 ms')
    out.latencyMs = l
  }
  return out
}

function peerId (v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_PEER_ID_CHARS) bad('a peer id must be a short string')
  try {
    // round-trip: only the canonical text form is accepted, so one box has one name
    if (peerIdFromString(v).toString() !== v) bad('peer id not in canonical form')
  } catch (err) {
    if (err instanceof TopologyError) throw err
    bad('not a peer id')
  }
  return v
}

function cbor (frame: Uint8Array): unknown {
  try {
    return decode(frame, DECODE_OPTIONS)
  } catch (err) {
    return bad(`not well-formed CBOR: ${(err as Error).message}`)
  }
}

function map (v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`a ${what} is a CBOR map`)
  return v as Record<string, unknown>
}

function version (m: Record<string, unknown>): void {
  if (m.v !== WIRE_VERSION) bad(`unsupported version ${String(m.v)}`)
}

function bad (message: string): never {
  throw new TopologyError('bad_message', message)
}
