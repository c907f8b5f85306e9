import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'

/** The suffix of a file being written; one left behind by a crash is never read, and removed at open. */
export const TEMP_SUFFIX = '.tmp'

/**
 * temp file + fsync + rename + fsync(dir): after a crash the file is either
 * the old one or the whole new one, never a part. For the small files a box
 * keeps beside its database: the identity key (@kiez/mesh), the members' key
 * files and index (@kiez/members).
 */
export async function writeFileAtomic (path: string, bytes: Uint8Array, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`
  const fh = await open(tmp, 'wx', mode)
  try {
    await fh.writeFile(bytes)
    await fh.chmod(mode) // the umask may have narrowed or the fs widened `mode`
    await fh.sync()
  } catch (err) {
    await fh.close()
    await unlink(tmp).catch(() => {})
    throw err
  }
  await fh.close()
  await rename(tmp, path)
  await syncDir(dirname(path))
}

/** Makes a rename or unlink in `dir` durable. */
export async function syncDir (dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
