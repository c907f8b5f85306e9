import { concatBytes, HASH_BYTES } from '@kiez/feed'

/**
 * The frames of /kiez/blob/1.0.0 (docs/PROTOCOL.md §9 "Blob exchange"),
 * without libp2p: each frame is an unsigned-varint length then that many
 * bytes, whose first byte is the frame's type.
 *
 *   want  0x01 hash(32) hops(u8)             the asker: "send me this blob"; hops: how many
 *                                            more boxes the server may ask on its behalf (≤ 4)
 *   have  0x02 hash(32) size(u32 BE)         the server: "here it comes, size bytes"
 *   chunk 0x03 data(1..65536)                the blob's bytes, in order, size in all
 *   error 0x04 code(u8) message(UTF-8 ≤ 200) the server: why not (then it closes)
 */

export const BLOB_PROTOCOL = '/kiez/blob/1.0.0'
/** the largest chunk's data */
export const CHUNK_BYTES = 64 * 1024
/** the largest frame body a reader takes: a chunk and its type byte */
export const MAX_FRAME_BYTES = CHUNK_BYTES + 1
export const MAX_ERROR_MESSAGE_BYTES = 200
/** the most boxes a want may be relayed through (a 5-box line: the asker's want reaches 4 more) */
export const MAX_HOPS = 4

export const FRAME = { want: 0x01, have: 0x02, chunk: 0x03, error: 0x04 } as const

/** Why a server does not send a blob (the error frame's code byte). */
export const WIRE_ERROR_CODES = { not_found: 1, busy: 2, bad_request: 3 } as const
export type WireErrorCode = keyof typeof WIRE_ERROR_CODES

export type Frame =
  | { type: 'want', hash: Uint8Array, hops: number }
  | { type: 'have', hash: Uint8Array, size: number }
  | { type: 'chunk', data: Uint8Array }
  | { type: 'error', code: WireErrorCode, message: string }

export class BlobWireError extends Error {
  readonly code = 'malformed_frame'
  constructor (message: string) {
    super(message)
    this.name = 'BlobWireError'
  }
}

/** One frame's body (without its length prefix). */
export function encodeFrame (f: Frame): Uint8Array {
  switch (f.type) {
    case 'want':
      if (!Number.isInteger(f.hops) || f.hops < 0 || f.hops > MAX_HOPS) throw new BlobWireError('bad hops')
      return concatBytes([FRAME.want], hash32(f.hash), [f.hops])
    case 'have': {
      if (!Number.isInteger(f.size) || f.size < 1 || f.size > 0xffffffff) throw new BlobWireError('bad size')
      const size = new Uint8Array(4)
      new DataView(size.buffer).setUint32(0, f.size)
      return concatBytes([FRAME.have], hash32(f.hash), size)
    }
    case 'chunk':
      if (f.data.byteLength < 1 || f.data.byteLength > CHUNK_BYTES) throw new BlobWireError('bad chunk size')
      return concatBytes([FRAME.chunk], f.data)
    case 'error': {
      let msg = Buffer.from(f.message, 'utf8')
      if (msg.byteLength > MAX_ERROR_MESSAGE_BYTES) msg = msg.subarray(0, MAX_ERROR_MESSAGE_BYTES)
      return concatBytes([FRAME.error, WIRE_ERROR_CODES[f.code]], msg)
    }
  }
}

/** Reads one frame's body; every byte checked (it came from the network). */
export function decodeFrame (b: Uint8Array): Frame {
  if (b.byteLength < 1 || b.byteLength > MAX_FRAME_BYTES) throw new BlobWireError('frame size out of bounds')
  const body = b.subarray(1)
  switch (b[0]) {
    case FRAME.want:
      if (body.byteLength !== HASH_BYTES + 1) throw new BlobWireError('a want holds a 32-byte hash and a hops byte')
      if ((body[HASH_BYTES] as number) > MAX_HOPS) throw new BlobWireError(`a want's hops is at most ${MAX_HOPS}`)
      return { type: 'want', hash: body.slice(0, HASH_BYTES), hops: body[HASH_BYTES] as number }
    case FRAME.have: {
      if (body.byteLength !== HASH_BYTES + 4) throw new BlobWireError('a have holds a hash and a 4-byte size')
      const size = new DataView(body.buffer, body.byteOffset + HASH_BYTES, 4).getUint32(0)
      if (size < 1) throw new BlobWireError('a have names a size of at least 1')
      return { type: 'have', hash: body.slice(0, HASH_BYTES), size }
    }
    case FRAME.chunk:
      if (body.byteLength < 1) throw new BlobWireError('an empty chunk')
      return { type: 'chunk', data: body.slice() }
    case FRAME.error: {
      const code = (Object.keys(WIRE_ERROR_CODES) as WireErrorCode[]).find((k) => WIRE_ERROR_CODES[k] === body[0])
      if (code === undefined) throw new BlobWireError('an unknown error code')
      const text = body.subarray(1)
      if (text.byteLength > MAX_ERROR_MESSAGE_BYTES) throw new BlobWireError('an error message over 200 bytes')
      return { type: 'error', code, message: new TextDecoder('utf-8', { fatal: false }).decode(text) }
    }
    default:
      throw new BlobWireError(`unknown frame type ${String(b[0])}`)
  }
}

/** The unsigned-varint length prefix a frame travels with (as @libp2p/utils lpStream writes it). */
export function lengthPrefix (n: number): Uint8Array {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return Uint8Array.from(out)
}

function hash32 (h: Uint8Array): Uint8Array {
  if (h.byteLength !== HASH_BYTES) throw new BlobWireError('a blob hash is 32 bytes')
  return h
}
