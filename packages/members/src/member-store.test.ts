import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signerFromSeed, signedBytes, PublicKeyCache, verifySignature } from '@kiez/feed'
import { describe, expect, it, onTestFinished } from 'vitest'
import { MAX_MEMBER_NAME_CHARS, MemberError, MemberStore, MEMBERS_DIR, type MemberErrorCode } from './index.js'

function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'kiez-members-'))
  onTestFinished(() => rmSync(d, { recursive: true, force: true }))
  return d
}

async function code (p: Promise<unknown>): Promise<MemberErrorCode | `not a MemberError: ${string}` | undefined> {
  try {
    await p
    return undefined
  } catch (err) {
    return err instanceof MemberError ? err.code : `not a MemberError: ${String(err)}` as const
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const mode = (path: string): number => statSync(path).mode & 0o777

describe('MemberStore', () => {
  it('adds members with their own keys, each in a 0600 file, in a 0700 folder', async () => {
    const dataDir = tempDir()
    const store = await MemberStore.open({ dataDir, now: () => 1000 })
    expect(store.list()).toEqual([])
    const anna = await store.add('Anna')
    const ben = await store.add('Ben')
    expect(anna).toMatchObject({ name: 'Anna', origin: 'created', addedAt: 1000 })
    expect(anna.author).toHaveLength(32)
    expect(hex(anna.author)).not.toBe(hex(ben.author))
    expect(store.list().map((m) => m.name)).toEqual(['Anna', 'Ben'])
    expect(mode(join(dataDir, MEMBERS_DIR))).toBe(0o700)
    for (const m of [anna, ben]) {
      const file = store.keyFile(m)
      expect(file).toBe(join(dataDir, MEMBERS_DIR, `${hex(m.author)}.key`))
      expect(mode(file)).toBe(0o600)
      expect(readFileSync(file)).toHaveLength(32)
    }
    expect(mode(join(dataDir, MEMBERS_DIR, 'index.json'))).toBe(0o600)
  })

  it('signs as the member, with the key in the file, and keeps it all across a reopen', async () => {
    const dataDir = tempDir()
    let store = await MemberStore.open({ dataDir })
    const anna = await store.add('Anna')
    const signer = await store.signer('anna')
    expect(signer.publicKey).toEqual(anna.author)
    const data = signedBytes(Uint8Array.of(1, 2, 3))
    expect(verifySignature(new PublicKeyCache(), anna.author, data, signer.sign(data))).toBe(true)
    const seed = Uint8Array.from(readFileSync(store.keyFile(anna)))
    expect(signerFromSeed(seed).publicKey).toEqual(anna.author)

    store = await MemberStore.open({ dataDir })
    expect(store.list()).toEqual([anna])
    expect((await store.signer('Anna')).publicKey).toEqual(anna.author)
  })

  it('compares names without case or compatibility forms, and keeps them unique', async () => {
    const store = await MemberStore.open({ dataDir: tempDir() })
    const anna = await store.add('Anna')
    expect(await code(store.add('anna'))).toBe('member_exists')
    expect(await code(store.add('ＡＮＮＡ'))).toBe('member_exists') // fullwidth
    expect(store.get('ANNA')).toEqual(anna)
    expect(store.find('Bert')).toBeUndefined()
    expect(await code(Promise.resolve().then(() => store.get('Bert')))).toBe('no_such_member')
    // the same name typed decomposed is the same name, stored in NFC
    const zoe = await store.add('Zoe\u0308')
    expect(zoe.name).toBe('Zoë')
    expect(await code(store.add('Zoë'))).toBe('member_exists')
  })

  it('refuses bad names with bad_name', async () => {
    const store = await MemberStore.open({ dataDir: tempDir() })
    const bad = [
      '',
      'x'.repeat(MAX_MEMBER_NAME_CHARS + 1),
      '€'.repeat(43), // 43 characters, 129 bytes
      ' Anna',
      'Anna ',
      'An\nna',
      'An\u0000na',
      'Anna\u202e',
      42 as unknown as string
    ]
    for (const name of bad) expect(await code(store.add(name)), JSON.stringify(name)).toBe('bad_name')
    expect((await store.add('x'.repeat(MAX_MEMBER_NAME_CHARS))).name).toHaveLength(64)
    expect((await store.add('€'.repeat(42))).name).toHaveLength(42)
    expect((await store.add('Anna von Hof 3 🙂')).name).toBe('Anna von Hof 3 🙂')
    expect(store.list()).toHaveLength(3)
  })

  it('renames a member, keeping the key; a change of case is a rename, another member\'s name is not', async () => {
    const dataDir = tempDir()
    const store = await MemberStore.open({ dataDir })
    const anna = await store.add('Anna')
    await store.add('Ben')
    expect(await store.rename('anna', 'Anna-Lena')).toMatchObject({ name: 'Anna-Lena', author: anna.author })
    expect(await store.rename('anna-lena', 'ANNA-LENA')).toMatchObject({ name: 'ANNA-LENA' })
    expect(await code(store.rename('ANNA-LENA', 'ben'))).toBe('member_exists')
    expect(await code(store.rename('Anna', 'Clara'))).toBe('no_such_member')
    expect(await code(store.rename('Ben', ''))).toBe('bad_name')
    expect((await store.signer('anna-lena')).publicKey).toEqual(anna.author)
    expect((await MemberStore.open({ dataDir })).list().map((m) => m.name)).toEqual(['ANNA-LENA', 'Ben'])
  })

  it('removes a member: the key file is gone, the name is free again', async () => {
    const dataDir = tempDir()
    const store = await MemberStore.open({ dataDir })
    const anna = await store.add('Anna')
    const file = store.keyFile(anna)
    expect(await store.remove('ANNA')).toEqual(anna)
    expect(() => statSync(file)).toThrow(/ENOENT/)
    expect(store.list()).toEqual([])
    expect(await code(store.signer('Anna'))).toBe('no_such_member')
    expect(await code(store.remove('Anna'))).toBe('no_such_member')
    expect(hex((await store.add('Anna')).author)).not.toBe(hex(anna.author))
    expect((await MemberStore.open({ dataDir })).list()).toHaveLength(1)
  })

  it('exports a 24-word phrase that imports as the same author on another box', async () => {
    const home = await MemberStore.open({ dataDir: tempDir() })
    const anna = await home.add('Anna')
    const phrase = await home.exportPhrase('anna')
    expect(phrase.split(' ')).toHaveLength(24)
    const away = await MemberStore.open({ dataDir: tempDir() })
    const moved = await away.import('Anna Schmidt', phrase)
    expect(moved).toMatchObject({ name: 'Anna Schmidt', author: anna.author, origin: 'imported' })
    expect(mode(away.keyFile(moved))).toBe(0o600)
    expect((await away.signer('anna schmidt')).publicKey).toEqual(anna.author)
    // the same key twice is one member; a bad phrase is refused before anything is written
    expect(await code(away.import('Anna 2', phrase))).toBe('author_exists')
    expect(await code(away.import('Bert', phrase.replace(/^\S+/, 'zoo')))).toMatch(/bad_checksum|bad_phrase/)
    expect(await code(away.import('Bert', new Uint8Array(31)))).toBe('bad_phrase')
    const seed = crypto.getRandomValues(new Uint8Array(32))
    expect((await away.import('Bert', seed)).author).toEqual(signerFromSeed(seed).publicKey)
    expect(away.list().map((m) => m.name)).toEqual(['Anna Schmidt', 'Bert'])
  })

  it('refuses to import the box\'s own key as a member', async () => {
    const boxSeed = crypto.getRandomValues(new Uint8Array(32))
    const box = signerFromSeed(boxSeed)
    const store = await MemberStore.open({ dataDir: tempDir(), boxAuthor: box.publicKey })
    expect(await code(store.import('Box', boxSeed))).toBe('author_exists')
    expect(store.list()).toEqual([])
  })

  it('holds at most 64 members, as many as a household names', async () => {
    const store = await MemberStore.open({ dataDir: tempDir() })
    for (let i = 0; i < 64; i++) await store.add(`m${i}`)
    expect(await code(store.add('one more'))).toBe('too_many_members')
  })

  it('serialises concurrent adds: two at once of one name make one member', async () => {
    const store = await MemberStore.open({ dataDir: tempDir() })
    const results = await Promise.allSettled([store.add('Anna'), store.add('anna'), store.add('Ben')])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(store.list().map((m) => m.name)).toEqual(['Anna', 'Ben'])
  })
})

describe('MemberStore after a crash', () => {
  it('ignores and removes a partial temp file, and a key file the index does not name', async () => {
    const dataDir = tempDir()
    const store = await MemberStore.open({ dataDir })
    const anna = await store.add('Anna')
    const dir = join(dataDir, MEMBERS_DIR)
    // a crash while writing the index (its temp file half written), and one between a new key file and the index
    writeFileSync(join(dir, 'index.json.4242.deadbeef.tmp'), '{"version": 1, "members": [{"na')
    const orphan = signerFromSeed(new Uint8Array(32).fill(9))
    writeFileSync(join(dir, `${hex(orphan.publicKey)}.key`), new Uint8Array(32).fill(9), { mode: 0o600 })
    writeFileSync(join(dir, `${hex(orphan.publicKey)}.key.4242.cafe.tmp`), new Uint8Array(7), { mode: 0o600 })

    const reopened = await MemberStore.open({ dataDir })
    expect(reopened.list()).toEqual([anna])
    expect(readdirSync(dir).sort()).toEqual([`${hex(anna.author)}.key`, 'index.json'].sort())
    expect((await reopened.signer('Anna')).publicKey).toEqual(anna.author)
  })

  it('refuses to guess when the index is gone but keys are there, or unreadable', async () => {
    const dataDir = tempDir()
    const store = await MemberStore.open({ dataDir })
    await store.add('Anna')
    const index = join(dataDir, MEMBERS_DIR, 'index.json')
    writeFileSync(index, 'not json')
    expect(await code(MemberStore.open({ dataDir }))).toBe('corrupt')
    writeFileSync(index, JSON.stringify({ version: 7, members: [] }))
    expect(await code(MemberStore.open({ dataDir }))).toBe('corrupt')
    rmSync(index)
    expect(await code(MemberStore.open({ dataDir }))).toBe('corrupt')
  })

  it('refuses a key file others can read, or one holding another key', async () => {
    const dataDir = tempDir()
    const store = await MemberStore.open({ dataDir })
    const anna = await store.add('Anna')
    const ben = await store.add('Ben')
    chmodSync(store.keyFile(anna), 0o644)
    const reopened = await MemberStore.open({ dataDir })
    expect(await code(reopened.signer('Anna'))).toBe('key_permissions')
    writeFileSync(reopened.keyFile(ben), new Uint8Array(32).fill(1))
    expect(await code(reopened.signer('Ben'))).toBe('corrupt')
    expect(await code(reopened.exportPhrase('Ben'))).toBe('corrupt')
  })

  it('reports a data dir it cannot write as io_failed', async () => {
    if (process.getuid?.() === 0) return // root writes anywhere
    const dataDir = tempDir()
    mkdirSync(join(dataDir, MEMBERS_DIR), { mode: 0o500 })
    onTestFinished(() => chmodSync(join(dataDir, MEMBERS_DIR), 0o700))
    expect(await code(MemberStore.open({ dataDir }))).toBe('io_failed')
  })
})
