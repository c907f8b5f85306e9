import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { MAX_FRAME_BYTES } from './constants.js'
import { ReplicationError } from './errors.js'
import { decodeMessage, encodeMessage, type SyncMessage } from './messages.js'

/** A sync stream as typed messages: varint length prefix, size capped before any allocation. */
export class Framed {
  private readonly lp: LengthPrefixedStream<Stream>
  /** bytes of frames read / written, prefixes excluded */
  bytesIn = 0
  bytesOut = 0

  constructor (readonly stream: Stream, private readonly maxFrameBytes = MAX_FRAME_BYTES) {
    // The buffer bound also caps what a peer can make us hold while we are busy.
    this.lp = lpStream(stream, {
      maxDataLength: maxFrameBytes,
      maxBufferSize: maxFrameBytes + 64 * 1024,
      lengthDecoder: prefixDecoder(maxFrameBytes)
    })
  }

  async send (m: SyncMessage, signal?: AbortSignal): Promise<void> {
    const bytes = encodeMessage(m)
    this.bytesOut += bytes.byteLength
    await this.lp.write(bytes, { signal })
  }

  /**
   * The next message, or undefined once the remote has finished sending. An
   * end cut inside a frame also yields undefined: either way no answer is owed.
   */
  async recv (signal?: AbortSignal): Promise<SyncMessage | undefined> {
    let frame
    try {
      frame = await this.lp.read({ signal })
    } catch (err) {
      if ((err as Error)?.name === 'UnexpectedEOFError') return undefined
      throw toReplicationError(err, this.maxFrameBytes)
    }
    this.bytesIn += frame.byteLength
    return decodeMessage(frame.subarray())
  }
}

/**
 * An unsigned-varint decoder that refuses a prefix longer than the cap needs.
 * lpStream checks its own `maxLengthLength` only once a varint decodes, so an
 * endless run of continuation bytes (0x80 0x80 …) would hold the stream until
 * the session deadline, buffering every byte (found by the adversarial suite).
 */
function prefixDecoder (maxFrameBytes: number): (data: Uint8ArrayList) => number {
  let maxPrefixBytes = 1
  while (2 ** (7 * maxPrefixBytes) <= maxFrameBytes) maxPrefixBytes++
  return (data) => {
    let value = 0
    for (let i = 0; i < data.byteLength; i++) {
      if (i >= maxPrefixBytes) {
        throw new ReplicationError('too_large', `frame length prefix over ${maxPrefixBytes} bytes`)
      }
      const b = data.get(i)
      value += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) return value
    }
    // incomplete: lpStream reads another byte on a RangeError
    throw new RangeError('incomplete varint')
  }
}

/**
 * Maps stream-level failures to our stable codes. A frame over the cap gets
 * the text docs/SYNC.md §6 shows, not it-length-prefixed's own wording
 * ("Message length too long - …"), so a client can rely on the documented bytes.
 */
function toReplicationError (err: unknown, maxFrameBytes: number): unknown {
  const name = (err as Error)?.name
  if (name === 'InvalidDataLengthError') {
    return new ReplicationError('too_large', `frame over ${maxFrameBytes} bytes`, { cause: err })
  }
  if (name === 'InvalidDataLengthLengthError' || name === 'StreamBufferError') {
    return new ReplicationError('too_large', (err as Error).message, { cause: err })
  }
  if (name === 'InvalidMessageLengthError') {
    return new ReplicationError('bad_message', (err as Error).message, { cause: err })
  }
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new ReplicationError('timeout', 'sync stream timed out', { cause: err })
  }
  return err
}
