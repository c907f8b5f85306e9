import { afterAll, describe, expect, it } from 'vitest'
import { chmod, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { verifySignature, PublicKeyCache } from '@kiez/feed'
import { loadOrCreateIdentity, feedSignerFromKey, IDENTITY_FILE } from './identity.js'
import { MeshError } from './errors.js'
import { makeBox, makeDataDir, removeDataDirs } from './test-helpers.js'

const isCode = (code: string) => (e: unknown) => e instanceof MeshError && e.code === code

describe('identity', () => {
  afterAll(removeDataDirs)

  it('is created once with mode 0600 and reloaded unchanged', async () => {
    const dir = await makeDataDir()
    const first = await loadOrCreateIdentity(dir)
    expect(first.created).toBe(true)
    expect((await stat(join(dir, IDENTITY_FILE))).mode & 0o777).toBe(0o600)
    expect((await readdir(dir)).filter(f => f.endsWith('.tmp'))).toEqual([])
    const second = await loadOrCreateIdentity(dir)
    expect(second.created).toBe(false)
    expect(second.privateKey.equals(first.privateKey)).toBe(true)
  })

  it('survives a node restart: same peer id', async () => {
    const box = await makeBox()
    try {
      const before = box.node.peerId
      await box.restart()
      expect(box.node.peerId).toBe(before)
      expect((await stat(join(box.dataDir, IDENTITY_FILE))).mode & 0o777).toBe(0o600)
    } finally {
      await box.close()
    }
  })

  it('refuses a key file with loose permissions', async () => {
    const dir = await makeDataDir()
    await loadOrCreateIdentity(dir)
    await chmod(join(dir, IDENTITY_FILE), 0o644)
    await expect(loadOrCreateIdentity(dir)).rejects.toSatisfy(isCode('identity_permissions'))
  })

  it('refuses a corrupt key file', async () => {
    const dir = await makeDataDir()
    await writeFile(join(dir, IDENTITY_FILE), Buffer.from('not a key'), { mode: 0o600 })
    await expect(loadOrCreateIdentity(dir)).rejects.toSatisfy(isCode('identity_unreadable'))
  })

  it('refuses an unreadable key file', async () => {
    if (process.getuid?.() === 0) return // root reads everything; permissions cannot make it fail
    const dir = await makeDataDir()
    await loadOrCreateIdentity(dir)
    await chmod(join(dir, IDENTITY_FILE), 0o000)
    await expect(loadOrCreateIdentity(dir)).rejects.toSatisfy(isCode('identity_unreadable'))
  })

  it('gives a feed signer whose public key is the libp2p public key', async () => {
    const { privateKey } = await loadOrCreateIdentity(await makeDataDir())
    const signer = feedSignerFromKey(privateKey)
    expect(Buffer.from(signer.publicKey)).toEqual(Buffer.from(privateKey.publicKey.raw))
    const msg = new TextEncoder().encode('hello kiez')
    const sig = signer.sign(msg)
    expect(verifySignature(new PublicKeyCache(), signer.publicKey, msg, sig)).toBe(true)
    // and libp2p agrees: the same key, the same signature scheme
    expect(await privateKey.publicKey.verify(msg, sig)).toBe(true)
  })
})
