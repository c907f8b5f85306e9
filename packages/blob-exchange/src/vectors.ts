import { sha256 } from '@kiez/feed'
import { encodeFrame, lengthPrefix, MAX_HOPS, type Frame } from './wire.js'

/** A frame as JSON: bytes as hex. */
export type FrameJson =
  | { type: 'want', hash: string, hops: number }
  | { type: 'have', hash: string, size: number }
  | { type: 'chunk', data: string }
  | { type: 'error', code: 'not_found' | 'busy' | 'bad_request', message: string }

export interface BlobFrameVector {
  description: string
  frame: FrameJson
  /** the frame's body: type byte and fields */
  body: string
  /** as it travels: the unsigned-varint length, then the body */
  wire: string
}

export interface BlobBadFrameVector {
  description: string
  body: string
}

export interface BlobVectors {
  protocol: string
  /** the blob the frames move: its bytes (hex) and sha2-256 */
  blob: { bytes: string, sha256: string }
  frames: BlobFrameVector[]
  /** bodies a reader must refuse (malformed_frame) */
  invalid: BlobBadFrameVector[]
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export function frameFromJson (f: FrameJson): Frame {
  switch (f.type) {
    case 'want':
      return { type: 'want', hash: Uint8Array.from(Buffer.from(f.hash, 'hex')), hops: f.hops }
    case 'have':
      return { type: 'have', hash: Uint8Array.from(Buffer.from(f.hash, 'hex')), size: f.size }
    case 'chunk':
      return { type: 'chunk', data: Uint8Array.from(Buffer.from(f.data, 'hex')) }
    case 'error':
      return f
  }
}

/** test/vectors/blob-protocol.json (docs/PROTOCOL.md §11): one exchange of a small blob, refusals, bad frames. */
export function buildBlobVectors (): BlobVectors {
  const blob = new TextEncoder().encode('Kiez blob\n')
  const hash = hex(sha256(blob))
  const one = (description: string, frame: FrameJson): BlobFrameVector => {
    const body = encodeFrame(frameFromJson(frame))
    return { description, frame, body: hex(body), wire: hex(lengthPrefix(body.byteLength)) + hex(body) }
  }
  return {
    protocol: '/kiez/blob/1.0.0',
    blob: { bytes: hex(blob), sha256: hash },
    frames: [
      one(`want: the asker wants the blob, relayable ${MAX_HOPS} boxes further`, {
        type: 'want',
        hash,
        hops: MAX_HOPS
      }),
      one('want: hops 0 (the server answers from what it holds)', { type: 'want', hash, hops: 0 }),
      one('have: the server sends 10 bytes', { type: 'have', hash, size: blob.byteLength }),
      one('chunk: all 10 bytes in one chunk (a blob over 65536 bytes takes several)', {
        type: 'chunk',
        data: hex(blob)
      }),
      one('have: a 900 KiB blob (sent as 15 chunks: 14 of 65536 bytes, one of 4096)', {
        type: 'have',
        hash,
        size: 900 * 1024
      }),
      one('error: not_found', { type: 'error', code: 'not_found', message: 'this box does not hold that blob' }),
      one('error: busy', { type: 'error', code: 'busy', message: 'serving too many blobs; ask again later' }),
      one('error: bad_request, no message', { type: 'error', code: 'bad_request', message: '' })
    ],
    invalid: [
      { description: 'empty body', body: '' },
      { description: 'unknown frame type 0x05', body: '05' },
      { description: 'want with a 31-byte hash and no hops', body: '01' + hash.slice(0, 62) },
      { description: `want with hops ${MAX_HOPS + 1}`, body: '01' + hash + '05' },
      { description: 'have with size 0', body: '02' + hash + '00000000' },
      { description: 'have without its size', body: '02' + hash },
      { description: 'empty chunk', body: '03' },
      { description: 'error with unknown code 9', body: '0409' },
      { description: 'error with no code', body: '04' }
    ]
  }
}
