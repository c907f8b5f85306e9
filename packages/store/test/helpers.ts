import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signerFromSeed, type Entry, type KnownBody, type Signer } from '@kiez/feed'
import { NOW } from '@kiez/testing'
import { onTestFinished } from 'vitest'
import { FeedStore, type FeedStoreInit } from '../src/index.js'

/** An author's log, and the fixed clock the stores here run on, from the shared test toolbox. */
export { Log, NOW } from '@kiez/testing'
export const post = (text: string): KnownBody => ({ type: 'post', text })
export const signer = (n: number): Signer => signerFromSeed(new Uint8Array(32).fill(n))

/** A fresh directory, removed when the test finishes, after the stores in it closed (teardown runs newest first). */
export function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'kiez-store-'))
  onTestFinished(() => rmSync(d, { recursive: true, force: true }))
  return d
}

/** A store that is closed when the test finishes, failed or not; a test may close it earlier (close is idempotent). */
export async function openStore (path = tempDir(), init: Partial<FeedStoreInit> = {}): Promise<FeedStore> {
  const store = await FeedStore.open({ path, now: () => NOW, ...init })
  onTestFinished(async () => await store.close())
  return store
}

/** The item form with payload, for ingest and ingestRange. */
export const full = (e: Entry): { entry: Uint8Array, payload: Uint8Array } => ({
  entry: e.bytes,
  payload: e.payload as Uint8Array
})

/** The arguments of ingest with payload. */
export const pair = (e: Entry): [Uint8Array, Uint8Array] => [e.bytes, e.payload as Uint8Array]

export const hex = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString('hex')

export { filesHolding } from '@kiez/testing/files'
