import type { TokenBucket } from '@kiez/rate'
import { ReplicationError } from './errors.js'

/**
 * Paces what we serve one peer: waits until `n` tokens (at most the bucket's
 * capacity, so a large answer is slow, never impossible) are there, then
 * takes them. An abort while waiting fails with `timeout`.
 */
export async function pace (bucket: TokenBucket, n: number, signal?: AbortSignal): Promise<void> {
  const want = Math.min(n, bucket.capacity)
  while (!bucket.tryTake(want)) await sleep(Math.max(1, bucket.delayFor(want)), signal)
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new ReplicationError('timeout', 'aborted while pacing'))
      return
    }
    const onAbort = (): void => {
      clearTimeout(t)
      reject(new ReplicationError('timeout', 'aborted while pacing'))
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
