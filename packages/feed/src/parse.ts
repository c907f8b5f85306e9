import {
  ENTRY_VERSION,
  HASH_BYTES,
  isKnownKind,
  KIND_PATTERN,
  MAX_ENTRY_BYTES,
  PUBLIC_KEY_BYTES,
  RSVP_ANSWERS,
  SIGNATURE_BYTES,
  type KnownKind,
  type RsvpAnswer
} from './constants.js'
import { LIFE_SHAPES, messageBody, type Decoded, type EntryBody, type EntryHeader } from './encoding.js'
import type { ValidationCode } from './errors.js'
import type { ImageRef, ImageThumb } from './images.js'

/**
 * The hot-path entry parser. It reads the one shape an entry may have and
 * accepts only the canonical (shortest, definite-length) form, so it needs no
 * re-encoding to prove canonicity: catch-up ingest spends most of its CPU
 * here. It reads payloads the same way. `decodeEnvelope`/`decodeHeader`/
 * `decodeBody` in encoding.ts are the cborg-based reference it is
 * differentially tested against.
 */

class ParseError extends Error {
  constructor (readonly code: ValidationCode, message: string, options?: ErrorOptions) {
    super(message, options)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const MAX_DEPTH = 16

class Reader {
  pos = 0
  /** items of the payload array not yet read (parseKnown), -1 outside one */
  left = -1
  constructor (readonly b: Uint8Array) {}

  /** Reads an item head; returns [major type, argument]. Enforces the shortest argument encoding. */
  head (): [number, number] {
    const b = this.b
    if (this.pos >= b.length) throw new ParseError('bad_encoding', 'unexpected end of data')
    const ib = b[this.pos++] as number
    const major = ib >> 5
    const ai = ib & 31
    if (ai < 24) return [major, ai]
    if (major === 7 && ai >= 25 && ai <= 27) {
      throw new ParseError('bad_encoding', 'floating-point values are not allowed')
    }
    let n: number
    if (ai === 24) {
      n = this.byte()
      if (n < 24) this.nonMinimal()
    } else if (ai === 25) {
      n = this.byte() * 0x100 + this.byte()
      if (n < 0x100) this.nonMinimal()
    } else if (ai === 26) {
      n = ((this.byte() * 0x100 + this.byte()) * 0x100 + this.byte()) * 0x100 + this.byte()
      if (n < 0x10000) this.nonMinimal()
    } else if (ai === 27) {
      const hi = ((this.byte() * 0x100 + this.byte()) * 0x100 + this.byte()) * 0x100 + this.byte()
      const lo = ((this.byte() * 0x100 + this.byte()) * 0x100 + this.byte()) * 0x100 + this.byte()
      if (hi === 0) this.nonMinimal()
      if (hi >= 0x200000) throw new ParseError('bad_encoding', 'integer beyond 2^53-1')
      n = hi * 0x100000000 + lo
    } else if (ai === 31 && major >= 2 && major <= 5) {
      throw new ParseError('non_canonical', 'indefinite-length items are not canonical')
    } else {
      throw new ParseError('bad_encoding', 'reserved additional information')
    }
    return [major, n]
  }

  private nonMinimal (): never {
    throw new ParseError('non_canonical', 'integer or length not in its shortest form')
  }

  private byte (): number {
    if (this.pos >= this.b.length) throw new ParseError('bad_encoding', 'unexpected end of data')
    return this.b[this.pos++] as number
  }

  take (len: number): Uint8Array {
    if (len > this.b.length - this.pos) throw new ParseError('bad_encoding', 'unexpected end of data')
    // a plain Uint8Array view, whatever subclass (Buffer) the input was
    const out = new Uint8Array(this.b.buffer, this.b.byteOffset + this.pos, len)
    this.pos += len
    return out
  }

  uint (what: string): number {
    const [major, n] = this.head()
    if (major !== 0) throw new ParseError('bad_encoding', `${what} must be an unsigned integer`)
    return n
  }

  bytes (what: string, len?: number): Uint8Array {
    const [major, n] = this.head()
    if (major !== 2) throw new ParseError('bad_encoding', `${what} must be a byte string`)
    if (len !== undefined && n !== len) throw new ParseError('bad_encoding', `${what} must be ${len} bytes`)
    return this.take(n)
  }

  /** A text string, or undefined (position unchanged) when the next item is something else. */
  text (): string | undefined {
    if (this.pos >= this.b.length || (this.b[this.pos] as number) >> 5 !== 3) return undefined
    const [, n] = this.head()
    try {
      return utf8.decode(this.take(n))
    } catch (err) {
      if (err instanceof ParseError) throw err
      throw new ParseError('bad_encoding', 'text is not valid UTF-8')
    }
  }

  /** A 32-byte byte string, or undefined (position unchanged) when the next item is something else. */
  hash (): Uint8Array | undefined {
    if (this.b[this.pos] !== 0x58 || this.b[this.pos + 1] !== HASH_BYTES) return undefined
    this.pos += 2
    return this.take(HASH_BYTES)
  }

  /** Reads one item of the payload array with `read`, counting it as read when it matched. */
  item<T> (read: () => T | undefined): T | undefined {
    const v = read()
    if (v !== undefined) this.left--
    return v
  }

  array (what: string): number {
    const [major, n] = this.head()
    if (major !== 4) throw new ParseError('bad_encoding', `${what} must be an array`)
    return n
  }

  /**
   * Skips one well-formed canonical item of any type (the payload of an
   * unknown kind, or the rest of a malformed one): shortest forms, definite
   * lengths, valid UTF-8, map keys that are integers or strings, in strictly
   * ascending bytewise order of their encodings (RFC 8949 §4.2.1; equal keys
   * are duplicates), no tags, no
   * floats, no simple values but false, true and null.
   */
  skip (depth = 0): void {
    if (depth > MAX_DEPTH) throw new ParseError('bad_encoding', 'nesting too deep')
    const [major, n] = this.head()
    switch (major) {
      case 0:
      case 1:
        return
      case 2:
        this.take(n)
        return
      case 3:
        try {
          utf8.decode(this.take(n))
        } catch (err) {
          if (err instanceof ParseError) throw err
          throw new ParseError('bad_encoding', 'text is not valid UTF-8')
        }
        return
      case 4:
        for (let i = 0; i < n; i++) this.skip(depth + 1)
        return
      case 5: {
        let prev: Uint8Array | undefined
        for (let i = 0; i < n; i++) {
          const at = this.pos
          if (at < this.b.length && (this.b[at] as number) >> 5 > 3) {
            throw new ParseError('bad_encoding', 'map keys must be integers, byte strings or text strings')
          }
          this.skip(depth + 1)
          const key = this.b.subarray(at, this.pos)
          if (prev !== undefined) {
            const c = Buffer.compare(prev, key)
            if (c === 0) throw new ParseError('bad_encoding', 'duplicate map key')
            if (c > 0) throw new ParseError('non_canonical', 'map keys are not in canonical order')
          }
          prev = key
          this.skip(depth + 1)
        }
        return
      }
      case 6:
        throw new ParseError('bad_encoding', 'tags are not allowed')
      default:
        if (n < 20 || n > 22) throw new ParseError('bad_encoding', 'only false, true and null are allowed')
    }
  }

  end (): void {
    if (this.pos !== this.b.length) throw new ParseError('bad_encoding', 'trailing bytes after the item')
  }
}

export interface ParsedEntry {
  header: Uint8Array
  signature: Uint8Array
  value: EntryHeader
}

function failure (err: unknown, what: string): { ok: false, code: ValidationCode, message: string } {
  if (err instanceof ParseError) return { ok: false, code: err.code, message: err.message }
  return { ok: false, code: 'bad_encoding', message: `${what} could not be parsed` }
}

/** Parses a whole entry (envelope and header). Total: never throws. */
export function parseEntry (bytes: Uint8Array): Decoded<ParsedEntry> {
  if (!(bytes instanceof Uint8Array)) return { ok: false, code: 'bad_encoding', message: 'entry is not a byte array' }
  if (bytes.byteLength > MAX_ENTRY_BYTES) {
    return {
      ok: false,
      code: 'content_too_large',
      message: `entry is ${bytes.byteLength} bytes, over the ${MAX_ENTRY_BYTES}-byte limit`
    }
  }
  try {
    const env = new Reader(bytes)
    if (env.array('entry') !== 2) throw new ParseError('bad_encoding', 'entry must be an array of 2 items')
    const header = env.bytes('entry header')
    const signature = env.bytes('signature', SIGNATURE_BYTES)
    env.end()
    return { ok: true, value: { header, signature, value: parseHeader(header) } }
  } catch (err) {
    return failure(err, 'entry')
  }
}

function parseHeader (bytes: Uint8Array): EntryHeader {
  const r = new Reader(bytes)
  if (r.array('header') !== 8) throw new ParseError('bad_encoding', 'header must be an array of 8 items')
  const version = r.uint('version')
  if (version !== ENTRY_VERSION) throw new ParseError('bad_encoding', `unsupported entry version ${version}`)
  const author = r.bytes('author', PUBLIC_KEY_BYTES)
  const seq = r.uint('seq')
  if (seq < 1) throw new ParseError('bad_encoding', 'seq must be an integer from 1 to 2^53-1')
  let previous: Uint8Array | null = null
  if (r.b[r.pos] === 0xf6) r.pos++
  else previous = r.bytes('previous', HASH_BYTES)
  const timestamp = r.uint('timestamp')
  const kind = r.text()
  if (kind === undefined || !KIND_PATTERN.test(kind)) {
    throw new ParseError('bad_encoding', 'kind must be 1 to 32 of [a-z0-9_-], starting with a letter')
  }
  const payloadHash = r.bytes('payloadHash', HASH_BYTES)
  const payloadSize = r.uint('payloadSize')
  if (payloadSize < 1) throw new ParseError('bad_encoding', 'payloadSize must be an integer from 1 to 2^53-1')
  r.end()
  return { author, seq, previous, timestamp, kind, payloadHash, payloadSize }
}

/**
 * Parses a payload of the given kind: any canonical item for a kind this
 * version does not know, the kind's shape for a known one (not the text
 * limits: entry.ts applies those). Total: never throws.
 */
export function parseBody (kind: string, bytes: Uint8Array): Decoded<EntryBody> {
  try {
    const r = new Reader(bytes)
    if (!isKnownKind(kind)) {
      r.skip()
      r.end()
      return { ok: true, value: { type: 'unknown', kind } }
    }
    const body = parseKnown(kind, r)
    r.end()
    return { ok: true, value: body }
  } catch (err) {
    return failure(err, 'payload')
  }
}

const SHAPES: Record<KnownKind, string> = {
  household: '[name, members: [* bstr(32)]]',
  vouch: '[box: bstr(32), seenAt: uint]',
  post: '[text, images?]',
  reply: '[text, replyTo: bstr(32), images?]',
  profile: '[name] or [name, about, household: bstr(32) / null, dmKey?: bstr(32) / null]',
  message: '[envelope: bstr]',
  delete: '[target: bstr(32)]',
  edit: '[target: bstr(32), text]',
  'mod-block': '[author: bstr(32), reason]',
  'mod-hide': '[target: bstr(32), reason]',
  report: '[target: bstr(32), reason]',
  ...LIFE_SHAPES
}

function parseKnown (kind: KnownKind, r: Reader): EntryBody {
  // A malformed payload must still be well-formed to the end, so that encoding errors win over content errors.
  const malformed = (): never => {
    skipRest(r)
    throw new ParseError('malformed_content', `${kind} payload must be ${SHAPES[kind]}`)
  }
  if (((r.b[r.pos] ?? 0) >> 5) !== 4) return malformed()
  const n = r.array('payload')
  r.left = n
  switch (kind) {
    case 'household': {
      const name = n >= 2 ? r.item(() => r.text()) : undefined
      const members = name === undefined ? undefined : r.item(() => readKeys(r))
      if (name === undefined || members === undefined || members === null) return malformed()
      skipLater(r)
      return { type: kind, name, members }
    }
    case 'vouch': {
      const box = n >= 2 ? r.item(() => r.hash()) : undefined
      const seenAt = box === undefined ? undefined : r.item(() => readUint(r))
      if (box === undefined || seenAt === undefined) return malformed()
      skipLater(r)
      return { type: kind, box, seenAt }
    }
    case 'post': {
      const text = n === 1 || n === 2 ? r.item(() => r.text()) : undefined
      if (text === undefined) return malformed()
      if (n === 1) return { type: kind, text }
      const images = r.item(() => readImages(r))
      return images === undefined || images === null ? malformed() : { type: kind, text, images }
    }
    case 'reply': {
      const text = n === 2 || n === 3 ? r.item(() => r.text()) : undefined
      const replyTo = text === undefined ? undefined : r.item(() => r.hash())
      if (text === undefined || replyTo === undefined) return malformed()
      if (n === 2) return { type: kind, text, replyTo }
      const images = r.item(() => readImages(r))
      return images === undefined || images === null ? malformed() : { type: kind, text, replyTo, images }
    }
    case 'profile': {
      const name = n === 1 || n >= 3 ? r.item(() => r.text()) : undefined
      if (name === undefined) return malformed()
      if (n === 1) return { type: kind, name }
      const about = r.item(() => r.text())
      const household = about === undefined ? undefined : r.item(() => readKeyOrNull(r))
      if (about === undefined || household === undefined) return malformed()
      // the fourth item, when there is one, is the member's X25519 key for messages (or null)
      const dmKey = r.left > 0 ? r.item(() => readKeyOrNull(r)) : null
      if (dmKey === undefined) return malformed()
      skipLater(r)
      return dmKey === null ? { type: kind, name, about, household } : { type: kind, name, about, household, dmKey }
    }
    case 'message': {
      const envelope = n === 1 && ((r.b[r.pos] ?? 0) >> 5) === 2 ? r.item(() => r.bytes('envelope')) : undefined
      if (envelope === undefined) return malformed()
      const m = messageBody(envelope)
      if (!m.ok) throw new ParseError(m.code, m.message)
      return m.value
    }
    case 'delete': {
      const target = n === 1 ? r.item(() => r.hash()) : undefined
      return target === undefined ? malformed() : { type: kind, target }
    }
    case 'edit': {
      const target = n === 2 ? r.item(() => r.hash()) : undefined
      const text = target === undefined ? undefined : r.item(() => r.text())
      return target === undefined || text === undefined ? malformed() : { type: kind, target, text }
    }
    case 'mod-block': {
      // an ed25519 key is 32 bytes like a hash: the same bstr(32) reader
      const author = n === 2 ? r.item(() => r.hash()) : undefined
      const reason = author === undefined ? undefined : r.item(() => r.text())
      return author === undefined || reason === undefined ? malformed() : { type: kind, author, reason }
    }
    case 'mod-hide':
    case 'report': {
      const target = n === 2 ? r.item(() => r.hash()) : undefined
      const reason = target === undefined ? undefined : r.item(() => r.text())
      return target === undefined || reason === undefined ? malformed() : { type: kind, target, reason }
    }
    // neighbourhood life: items after the ones named are for later versions (skipLater)
    case 'offer': {
      const text = n >= 2 ? r.item(() => r.text()) : undefined
      const price = text === undefined ? undefined : r.item(() => readTextOrNull(r))
      if (text === undefined || price === undefined) return malformed()
      skipLater(r)
      return { type: kind, text, price }
    }
    case 'request':
    case 'lost':
    case 'found':
    case 'recommendation':
    case 'alert': {
      const text = n >= 1 ? r.item(() => r.text()) : undefined
      if (text === undefined) return malformed()
      skipLater(r)
      return { type: kind, text }
    }
    case 'event': {
      const title = n >= 5 ? r.item(() => r.text()) : undefined
      const starts = title === undefined ? undefined : r.item(() => readUint(r))
      const ends = starts === undefined ? undefined : r.item(() => readUintOrNull(r))
      const place = ends === undefined ? undefined : r.item(() => r.text())
      const text = place === undefined ? undefined : r.item(() => r.text())
      if (title === undefined || starts === undefined || ends === undefined || place === undefined) return malformed()
      if (text === undefined) return malformed()
      skipLater(r)
      return { type: kind, title, starts, ends, place, text }
    }
    case 'poll': {
      const question = n >= 4 ? r.item(() => r.text()) : undefined
      const options = question === undefined ? undefined : r.item(() => readTexts(r))
      const multiple = options === undefined || options === null ? undefined : r.item(() => readBool(r))
      const closesAt = multiple === undefined ? undefined : r.item(() => readUint(r))
      if (question === undefined || options === undefined || options === null) return malformed()
      if (multiple === undefined || closesAt === undefined) return malformed()
      skipLater(r)
      return { type: kind, question, options, multiple, closesAt }
    }
    case 'vote': {
      const poll = n >= 2 ? r.item(() => r.hash()) : undefined
      const choices = poll === undefined ? undefined : r.item(() => readUints(r))
      if (poll === undefined || choices === undefined || choices === null) return malformed()
      skipLater(r)
      return { type: kind, poll, choices }
    }
    case 'rsvp': {
      const event = n >= 2 ? r.item(() => r.hash()) : undefined
      const answer = event === undefined ? undefined : r.item(() => r.text())
      if (event === undefined || answer === undefined) return malformed()
      skipLater(r)
      if (!(RSVP_ANSWERS as readonly string[]).includes(answer)) {
        r.end()
        throw new ParseError('malformed_content', 'an rsvp answer is "going", "maybe" or "no"')
      }
      return { type: kind, event, answer: answer as RsvpAnswer }
    }
    case 'done': {
      const target = n >= 1 ? r.item(() => r.hash()) : undefined
      if (target === undefined) return malformed()
      skipLater(r)
      return { type: kind, target }
    }
  }
}

/** A text or null, or undefined (position unchanged) when the next item is something else. */
function readTextOrNull (r: Reader): string | null | undefined {
  if (r.b[r.pos] !== 0xf6) return r.text()
  r.pos++
  return null
}

/**
 * A post's or reply's images: [[hash, type, bytes, width, height, alt, thumb|null], …] (thumb: the same
 * minus its own thumb). Undefined (position unchanged) when the next item is not an array; null when it
 * is one of another shape, read to its end (so that an encoding error in it still wins), as readKeys.
 */
function readImages (r: Reader): ImageRef[] | null | undefined {
  if (((r.b[r.pos] ?? 0) >> 5) !== 4) return undefined
  const start = r.pos
  r.skip(1)
  const end = r.pos
  r.pos = start
  const out: ImageRef[] = []
  const one = (withThumb: boolean): ImageRef | ImageThumb | undefined => {
    if (((r.b[r.pos] ?? 0) >> 5) !== 4 || r.array('image') !== (withThumb ? 7 : 6)) return undefined
    const hash = r.hash()
    const type = hash === undefined ? undefined : r.text()
    const bytes = type === undefined ? undefined : readUint(r)
    const width = bytes === undefined ? undefined : readUint(r)
    const height = width === undefined ? undefined : readUint(r)
    const alt = height === undefined ? undefined : r.text()
    if (
      hash === undefined || type === undefined || bytes === undefined || width === undefined ||
      height === undefined || alt === undefined
    ) return undefined
    const base = { hash, type, bytes, width, height, alt }
    if (!withThumb) return base
    if (r.b[r.pos] === 0xf6) {
      r.pos++
      return { ...base, thumb: null }
    }
    const thumb = one(false)
    return thumb === undefined ? undefined : { ...base, thumb }
  }
  const n = r.array('images')
  for (let i = 0; i < n; i++) {
    const img = one(true)
    if (img === undefined) {
      r.pos = end
      return null
    }
    out.push(img as ImageRef)
  }
  return out
}

/** An unsigned integer or null, or undefined (position unchanged) when the next item is something else. */
function readUintOrNull (r: Reader): number | null | undefined {
  if (r.b[r.pos] !== 0xf6) return readUint(r)
  r.pos++
  return null
}

/** false or true, or undefined (position unchanged) when the next item is something else. */
function readBool (r: Reader): boolean | undefined {
  const b = r.b[r.pos]
  if (b !== 0xf4 && b !== 0xf5) return undefined
  r.pos++
  return b === 0xf5
}

/**
 * An array of items each read by `one`; undefined (position unchanged) when the next item is not an
 * array, null when it is one holding something else (read to its end, as readKeys).
 */
function readArrayOf<T> (r: Reader, what: string, one: () => T | undefined): T[] | null | undefined {
  if (((r.b[r.pos] ?? 0) >> 5) !== 4) return undefined
  const n = r.array(what)
  const out: T[] = []
  let shaped = true
  for (let i = 0; i < n; i++) {
    const v = shaped ? one() : undefined
    if (v !== undefined) out.push(v)
    else {
      shaped = false
      r.skip(2)
    }
  }
  return shaped ? out : null
}

function readTexts (r: Reader): string[] | null | undefined {
  return readArrayOf(r, 'options', () => r.text())
}

function readUints (r: Reader): number[] | null | undefined {
  return readArrayOf(r, 'choices', () => readUint(r))
}

/** Skips the items a later version appends to a household, vouch or long profile: well-formed, canonical, ignored. */
function skipLater (r: Reader): void {
  for (; r.left > 0; r.left--) r.skip(1)
}

/** An unsigned integer, or undefined (position unchanged) when the next item is something else. */
function readUint (r: Reader): number | undefined {
  if (r.pos >= r.b.length || (r.b[r.pos] as number) >> 5 !== 0) return undefined
  return r.uint('seenAt')
}

/** A 32-byte key or null, or undefined (position unchanged) when the next item is something else. */
function readKeyOrNull (r: Reader): Uint8Array | null | undefined {
  if (r.b[r.pos] !== 0xf6) return r.hash()
  r.pos++
  return null
}

/**
 * An array of 32-byte keys; undefined (position unchanged) when the next item
 * is not an array, null when it is one holding something else (read to its end,
 * so that an encoding error further on still wins over the wrong shape).
 */
function readKeys (r: Reader): Uint8Array[] | null | undefined {
  if (((r.b[r.pos] ?? 0) >> 5) !== 4) return undefined
  const n = r.array('members')
  const keys: Uint8Array[] = []
  let shaped = true
  for (let i = 0; i < n; i++) {
    const key = shaped ? r.hash() : undefined
    if (key !== undefined) keys.push(key)
    else {
      shaped = false
      r.skip(2)
    }
  }
  return shaped ? keys : null
}

/** Skips what is left of the payload array (r.left items), or the whole item when the payload is not an array. */
function skipRest (r: Reader): void {
  if (r.left < 0) r.skip()
  else for (; r.left > 0; r.left--) r.skip(1)
  r.end()
}
