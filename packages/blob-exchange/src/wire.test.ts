import { describe, expect, it } from 'vitest'
import { BlobWireError, CHUNK_BYTES, decodeFrame, encodeFrame, lengthPrefix, MAX_FRAME_BYTES } from './wire.js'

const hash = new Uint8Array(32).fill(7)

describe('blob wire frames', () => {
  it('round-trips every frame type', () => {
    for (
      const f of [
        { type: 'want', hash, hops: 3 },
        { type: 'have', hash, size: 1024 * 1024 },
        { type: 'chunk', data: new Uint8Array(CHUNK_BYTES).fill(1) },
        { type: 'error', code: 'busy', message: 'later' }
      ] as const
    ) expect(decodeFrame(encodeFrame(f))).toEqual(f)
  })

  it('bounds what it writes and reads: chunk size, frame size, hash size, message size', () => {
    expect(() => encodeFrame({ type: 'chunk', data: new Uint8Array(CHUNK_BYTES + 1) })).toThrow(BlobWireError)
    expect(() => encodeFrame({ type: 'want', hash: new Uint8Array(31), hops: 0 })).toThrow(BlobWireError)
    expect(() => decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1).fill(3))).toThrow(BlobWireError)
    const long = encodeFrame({ type: 'error', code: 'not_found', message: 'x'.repeat(500) })
    expect(long.byteLength).toBe(2 + 200)
    try {
      decodeFrame(Uint8Array.of(9))
    } catch (err) {
      expect(err).toMatchObject({ code: 'malformed_frame' })
    }
  })

  it('writes the unsigned-varint length prefix', () => {
    expect([...lengthPrefix(34)]).toEqual([34])
    expect([...lengthPrefix(MAX_FRAME_BYTES)]).toEqual([0x81, 0x80, 0x04])
  })
})
