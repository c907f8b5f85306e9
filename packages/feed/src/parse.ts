import {
  ENTRY_VERSION,
  HASH_BYTES,
  KNOWN_TYPES,
  MAX_ENTRY_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  type EntryType
} from './constants.js'
import type { Decoded, EntryBody, EntryPayload } from './encoding.js'
import type { ValidationCode } from './errors.js'

/**
 * The hot-path entry parser. It reads the one shape an entry may have and
 * accepts only the canonical (shortest, definite-length) form, so it needs no
 * re-encoding to prove canonicity: catch-up ingest spends most of its CPU
 * here. `decodeEnvelope`/`decodePayload` in encoding.ts are the cborg-based
 * reference it is differentially tested against.
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

  array (what: string): number {
    const [major, n] = this.head()
    if (major !== 4) throw new ParseError('bad_encoding', `${what} must be an array`)
    return n
  }

  /** Skips one well-formed canonical item of any type (the content of an unknown type). */
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
        this.take(n)
        return
      case 4:
        for (let i = 0; i < n; i++) this.skip(depth + 1)
        return
      case 5:
        for (let i = 0; i < 2 * n; i++) this.skip(depth + 1)
        return
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
  payload: Uint8Array
  signature: Uint8Array
  value: EntryPayload
}

/** Parses a whole entry (envelope and payload). Total: never throws. */
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
    const payload = env.bytes('entry payload')
    const signature = env.bytes('signature', SIGNATURE_BYTES)
    env.end()
    return { ok: true, value: { payload, signature, value: parsePayload(payload) } }
  } catch (err) {
    if (err instanceof ParseError) return { ok: false, code: err.code, message: err.message }
    return { ok: false, code: 'bad_encoding', message: 'entry could not be parsed' }
  }
}

function parsePayload (bytes: Uint8Array): EntryPayload {
  const r = new Reader(bytes)
  if (r.array('payload') !== 7) throw new ParseError('bad_encoding', 'payload must be an array of 7 items')
  const version = r.uint('version')
  if (version !== ENTRY_VERSION) throw new ParseError('bad_encoding', `unsupported entry version ${version}`)
  const author = r.bytes('author', PUBLIC_KEY_BYTES)
  const seq = r.uint('seq')
  if (seq < 1) throw new ParseError('bad_encoding', 'seq must be an integer from 1 to 2^53-1')
  let previous: Uint8Array | null = null
  if (r.b[r.pos] === 0xf6) r.pos++
  else previous = r.bytes('previous', HASH_BYTES)
  const timestamp = r.uint('timestamp')
  const type = r.text()
  if (type === undefined) throw new ParseError('bad_encoding', 'type must be a text string')
  if (!(KNOWN_TYPES as readonly string[]).includes(type)) {
    if ((r.b[r.pos] ?? 0) >> 5 !== 4) throw new ParseError('bad_encoding', 'content must be an array')
    r.skip()
    r.end()
    throw new ParseError('unknown_type', `unknown entry type "${type.slice(0, 32)}"`)
  }
  const n = r.array('content')
  const body = parseContent(type as EntryType, r, n)
  r.end()
  return { author, seq, previous, timestamp, body }
}

function parseContent (type: EntryType, r: Reader, n: number): EntryBody {
  const malformed = (m: string): never => {
    // the rest must still be well-formed, so that encoding errors win over content errors
    throw new ParseError('malformed_content', m)
  }
  switch (type) {
    case 'post': {
      const text = n === 1 ? r.text() : undefined
      if (text === undefined) {
        skipRest(r, n)
        malformed('post content must be [text]')
      }
      return { type, text: text as string }
    }
    case 'reply': {
      const text = n === 2 ? r.text() : undefined
      if (text === undefined) {
        skipRest(r, n)
        malformed('reply content must be [text, replyTo: bstr(32)]')
      }
      const at = r.pos
      const [major, len] = r.head()
      if (major !== 2 || len !== HASH_BYTES) {
        r.pos = at
        skipRest(r, 1)
        malformed('reply content must be [text, replyTo: bstr(32)]')
      }
      return { type, text: text as string, replyTo: r.take(HASH_BYTES) }
    }
    case 'profile': {
      const name = n === 1 ? r.text() : undefined
      if (name === undefined) {
        skipRest(r, n)
        malformed('profile content must be [name]')
      }
      return { type, name: name as string }
    }
  }
}

function skipRest (r: Reader, n: number): void {
  for (let i = 0; i < n; i++) r.skip(1)
  r.end()
}
