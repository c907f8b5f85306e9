import { ReconcileError } from './errors.js'

/** Negentropy varints: unsigned base 128, most significant group first, high bit set on all but the last byte. */
export function encodeVarint (n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`)
  const groups: number[] = [n % 128]
  for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.push((v % 128) | 0x80)
  return new Uint8Array(groups.reverse())
}

/** At most 8 bytes (56 bits): anything longer cannot be a safe integer, and is refused before it is summed. */
const MAX_VARINT_BYTES = 8

/** A cursor over a peer's message; every read checks the bytes left. */
export class Reader {
  private pos = 0
  constructor (private readonly buf: Uint8Array) {}

  get remaining (): number {
    return this.buf.byteLength - this.pos
  }

  byte (): number {
    if (this.pos >= this.buf.byteLength) throw new ReconcileError('bad_message', 'message ends inside a field')
    return this.buf[this.pos++] as number
  }

  bytes (n: number): Uint8Array {
    if (n > this.remaining) throw new ReconcileError('bad_message', 'message ends inside a field')
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  varint (): number {
    let v = 0
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.byte()
      if (i === 0 && b === 0x80) throw new ReconcileError('bad_message', 'varint with a leading zero group')
      v = v * 128 + (b & 0x7f)
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(v)) throw new ReconcileError('bad_message', 'varint beyond 2^53 - 1')
        return v
      }
    }
    throw new ReconcileError('bad_message', `varint longer than ${MAX_VARINT_BYTES} bytes`)
  }
}

export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

/** A growable byte buffer for building messages. */
export class Writer {
  private buf = new Uint8Array(256)
  length = 0

  push (bytes: Uint8Array | readonly number[]): void {
    const need = this.length + bytes.length
    if (need > this.buf.byteLength) {
      const next = new Uint8Array(Math.max(need, this.buf.byteLength * 2))
      next.set(this.buf.subarray(0, this.length))
      this.buf = next
    }
    this.buf.set(bytes, this.length)
    this.length = need
  }

  bytes (): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}
