import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TEMP_SUFFIX, writeFileAtomic } from './index.js'
import { tempDir } from '../test/helpers.js'

describe('writeFileAtomic', () => {
  it('writes or replaces the whole file with exactly the mode asked for, and leaves no temp file', async () => {
    const dir = tempDir()
    const path = join(dir, 'a.key')
    await writeFileAtomic(path, Buffer.from('eins'), 0o600)
    await writeFileAtomic(path, Buffer.from('zwei'), 0o640)
    expect(readFileSync(path, 'utf8')).toBe('zwei')
    expect(statSync(path).mode & 0o777).toBe(0o640)
    expect(readdirSync(dir)).toEqual(['a.key'])
  })

  it('fails without leaving a temp file where the directory is missing', async () => {
    const dir = tempDir()
    await expect(writeFileAtomic(join(dir, 'gone', 'a.key'), Buffer.from('x'), 0o600)).rejects.toMatchObject({
      code: 'ENOENT'
    })
    expect(readdirSync(dir).filter((f) => f.endsWith(TEMP_SUFFIX))).toEqual([])
  })
})
