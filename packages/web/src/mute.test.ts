import { describe, expect, it } from 'vitest'
import { asEntry, asReport } from './api.js'
import { isAuthorId, loadMuted, MAX_MUTED, MUTED_KEY, parseMuted, saveMuted, withMuted, withoutMuted } from './mute.js'

const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'

/** A Storage over a Map; `broken` makes every call throw, as a browser with storage blocked does. */
function memoryStorage (broken = false): Storage {
  const m = new Map<string, string>()
  const check = (): void => {
    if (broken) throw new Error('SecurityError')
  }
  return {
    get length () {
      return m.size
    },
    clear: () => m.clear(),
    key: (i) => [...m.keys()][i] ?? null,
    getItem: (k) => {
      check()
      return m.get(k) ?? null
    },
    setItem: (k, v) => {
      check()
      m.set(k, v)
    },
    removeItem: (k) => m.delete(k)
  }
}

describe('muted authors in storage', () => {
  it('reads a JSON array of author ids', () => {
    expect(parseMuted(JSON.stringify([A, B]))).toEqual([A, B])
  })

  it('ignores what is malformed: not JSON, not an array, odd members, duplicates', () => {
    for (const raw of [null, undefined, '', '{', 'null', '42', '"x"', '{"a":1}', '[[]]']) {
      expect(parseMuted(raw)).toEqual([])
    }
    expect(parseMuted(JSON.stringify([A, 1, null, {}, '', 'x y', '<img src=x>', 'a'.repeat(129), A, B]))).toEqual([
      A,
      B
    ])
  })

  it('keeps at most MAX_MUTED, the newest first', () => {
    const many = Array.from({ length: MAX_MUTED + 5 }, (_, i) => `author${i}`)
    expect(parseMuted(JSON.stringify(many))).toHaveLength(MAX_MUTED)
    let list: string[] = []
    for (const a of many) list = withMuted(list, a)
    expect(list).toHaveLength(MAX_MUTED)
    expect(list[0]).toBe(`author${MAX_MUTED + 4}`)
    expect(list).not.toContain('author0')
  })

  it('mutes once, unmutes, and refuses what is no author id', () => {
    expect(withMuted(withMuted([A], B), A)).toEqual([A, B])
    expect(withoutMuted([A, B], A)).toEqual([B])
    expect(withMuted([A], '"><script>')).toEqual([A])
    expect(isAuthorId(A)).toBe(true)
    expect(isAuthorId('')).toBe(false)
  })

  it('saves and loads through the storage, and survives a storage that throws', () => {
    const store = memoryStorage()
    expect(saveMuted([A, B], store)).toBe(true)
    expect(store.getItem(MUTED_KEY)).toBe(JSON.stringify([A, B]))
    expect(loadMuted(store)).toEqual([A, B])
    store.setItem(MUTED_KEY, 'not json')
    expect(loadMuted(store)).toEqual([])
    const broken = memoryStorage(true)
    expect(loadMuted(broken)).toEqual([])
    expect(saveMuted([A], broken)).toBe(false)
    expect(saveMuted([A], undefined)).toBe(false)
  })
})

describe('moderation in the API answers', () => {
  const base = { id: 'bafyreiX', author: A, seq: 1, timestamp: 1, type: 'post', text: 't' }

  it('keeps `hidden` with the list and the reason', () => {
    const e = asEntry({ ...base, hidden: { by: B, byName: 'Hofrat', entry: 'bafyreiH', reason: 'private address' } })
    expect(e?.hidden).toEqual({ by: B, byName: 'Hofrat', entry: 'bafyreiH', reason: 'private address' })
    expect(asEntry(base)?.hidden).toBeUndefined()
  })

  it('treats an odd `hidden` as hidden by an unnamed list, never as shown', () => {
    expect(asEntry({ ...base, hidden: 'yes' })?.hidden).toEqual({ by: '', entry: '', reason: '' })
    expect(asEntry({ ...base, hidden: { by: 5 } })?.hidden).toEqual({ by: '', entry: '', reason: '' })
  })

  it('reads a report, and refuses one without its target', () => {
    const r = { id: 'bafyreiR', author: B, seq: 3, timestamp: 5, type: 'report', target: 'bafyreiX', reason: 'spam' }
    expect(asReport({ ...r, authorName: 'Bea' })).toEqual({ ...r, type: undefined, authorName: 'Bea' })
    expect(asReport({ ...r, target: undefined })).toBeUndefined()
    expect(asReport({ ...r, reason: 7 })?.reason).toBe('')
  })
})
