import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signerFromSeed, validateEntry, PublicKeyCache, type AuthorState } from '@kiez/feed'
import { afterAll, describe, expect, it } from 'vitest'
import { FeedStore } from './index.js'

const CHILD = new URL('../test/crash-child.mjs', import.meta.url).pathname
const EVICT_CHILD = new URL('../test/evict-child.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'kiez-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the child until it has acknowledged at least one entry, then kills it with SIGKILL after a random delay. */
async function runAndKill (path: string, seedHex: string, delayMs: number, child_ = CHILD): Promise<number> {
  const child = spawn(process.execPath, [child_, path, seedHex], { stdio: ['ignore', 'pipe', 'pipe'] })
  let maxAck = 0
  let buf = ''
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  await new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const l of lines) {
        if (l.startsWith('ack ')) maxAck = Math.max(maxAck, Number(l.slice(4)))
      }
      if (maxAck > 0 && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
    })
    child.on(
      'exit',
      (code, signal) => signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`))
    )
  })
  return maxAck
}

describe('crash safety', () => {
  it('loses no acknowledged entry, payload or delete over 20 kill -9s at random moments', async () => {
    const seedHex = '07'.repeat(32)
    const author = signerFromSeed(Buffer.from(seedHex, 'hex')).publicKey
    const path = join(dir, 'db')
    let acknowledged = 0
    let totalDeletes = 0
    for (let i = 0; i < 20; i++) {
      const acked = await runAndKill(path, seedHex, Math.floor(Math.random() * 150))
      acknowledged = Math.max(acknowledged, acked)
      // Every acknowledged entry is there, and the whole log is one valid chain.
      const store = await FeedStore.open({ path })
      const head = store.head(author)
      expect(head?.seq ?? 0).toBeGreaterThanOrEqual(acknowledged)
      expect(store.recovery?.unrepairable).toEqual([])
      const keys = new PublicKeyCache()
      let state: AuthorState | undefined
      for (const bytes of await store.rangeBytes(author, 1, undefined, { maxEntries: 1_000_000, maxBytes: 1e9 })) {
        const r = validateEntry(bytes, { keys, state })
        expect(r.ok).toBe(true)
        if (r.ok) state = { seq: r.entry.seq, hash: r.entry.hash }
      }
      expect(state?.seq).toBe(head?.seq)
      // Header, payload and tombstone went in one batch: every entry has its payload, but a deleted
      // post, which has its fate instead; every delete is applied.
      let deletes = 0
      for (const e of await store.range(author, 1, undefined, { maxEntries: 1_000_000, maxBytes: 1e9 })) {
        if (e.body?.type === 'delete') {
          deletes++
          const target = await store.get(e.body.target)
          expect(target?.payload).toBeUndefined()
          expect(target?.fate).toEqual({ reason: 'deleted', by: e.hash })
        } else if (e.fate === undefined) {
          expect(e.body?.type).toBe('post')
        }
      }
      expect(await store.missingPayloads()).toEqual([])
      totalDeletes = Math.max(totalDeletes, deletes)
      await store.close()
    }
    expect(acknowledged).toBeGreaterThan(20)
    expect(totalDeletes).toBeGreaterThan(0)
  })

  it('a kill -9 during eviction loses nothing that was not being evicted: own entries whole, every chain intact', async () => {
    const seedHex = '09'.repeat(32)
    const own = signerFromSeed(Buffer.from(seedHex, 'hex')).publicKey
    const path = join(dir, 'evict')
    let acknowledged = 0
    let farAuthors = 0
    for (let i = 0; i < 8; i++) {
      acknowledged = Math.max(
        acknowledged,
        await runAndKill(path, seedHex, 100 + Math.floor(Math.random() * 250), EVICT_CHILD)
      )
      const store = await FeedStore.open({ path })
      expect(store.recovery?.unrepairable).toEqual([])
      expect(store.recovery?.repaired).toEqual([]) // a head and its entries (or their removal) went in one batch
      const keys = new PublicKeyCache()
      for (const head of store.heads()) {
        const own_ = Buffer.compare(head.author, own) === 0
        if (!own_ && head.seq > 0) farAuthors++
        // each log is whole from seq 1 to its head and one valid chain, each entry found by its id
        const log = await store.range(head.author, 1, undefined, { maxEntries: 1_000_000, maxBytes: 1e9 })
        expect(log).toHaveLength(head.seq)
        let state: AuthorState | undefined
        for (const e of log) {
          const r = validateEntry(e.bytes, { keys, state })
          expect(r.ok).toBe(true)
          if (r.ok) state = { seq: r.entry.seq, hash: r.entry.hash }
          expect((await store.get(e.hash))?.seq).toBe(e.seq)
          if (own_) expect(e.payload).toBeDefined() // never evicted
        }
      }
      expect(store.head(own)?.seq ?? 0).toBeGreaterThanOrEqual(acknowledged)
      // no index record outlived its entry: the whole timeline resolves
      let listed = 0
      let page = await store.timeline({ limit: 500 })
      for (;;) {
        listed += page.entries.length
        if (page.next === undefined) break
        page = await store.timeline({ limit: 500, before: page.next })
      }
      expect(listed).toBe(store.stats().entries)
      const bytes = await store.authorBytes()
      for (const head of store.heads()) {
        expect(bytes.get(Buffer.from(head.author).toString('hex'))?.entries ?? 0).toBe(head.seq)
      }
      await store.close()
    }
    expect(acknowledged).toBeGreaterThan(20)
    expect(farAuthors).toBeGreaterThan(0)
  })
})
