import { mkdtempSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed, type Entry, type Signer } from '@kiez/feed'
import { FeedStore, type FeedStoreInit } from '@kiez/store'
import { onTestFinished } from 'vitest'

export const NOW = 1_800_000_000_000

export const signer = (n: number): Signer => {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, n + 1)
  return signerFromSeed(seed)
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'kiez-quota-'))
  onTestFinished(() => rmSync(d, { recursive: true, force: true }))
  return d
}

export async function openStore (path: string, init: Partial<FeedStoreInit> = {}): Promise<FeedStore> {
  const store = await FeedStore.open({ path, now: () => NOW, ...init })
  onTestFinished(async () => await store.close())
  return store
}

/**
 * `count` entries of author `n` from seq `from`, each a post of `textBytes`
 * random (incompressible) characters, timestamps `t0 + seq`.
 */
export function entriesOf (
  n: number,
  count: number,
  textBytes: number,
  t0 = NOW - 1_000_000,
  from = 1,
  prev?: Entry
): Entry[] {
  const s = signer(n)
  const out: Entry[] = []
  for (let seq = from; seq < from + count; seq++) {
    const text = textBytes > 0 ? randomBytes(Math.ceil(textBytes * 3 / 4)).toString('base64').slice(0, textBytes) : '.'
    const e = createEntry(s, { seq, previous: prev?.hash ?? null, timestamp: t0 + seq, body: { type: 'post', text } })
    out.push(e)
    prev = e
  }
  return out
}

export const full = (e: Entry): { entry: Uint8Array, payload: Uint8Array } => ({
  entry: e.bytes,
  payload: e.payload as Uint8Array
})
