import { mkdir, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { DaemonError } from './errors.js'

export interface DataDirReport {
  path: string
  created: boolean
  /** octal mode of an existing dir that others may enter; we warn but never chmod a dir we did not make */
  looseMode?: string
}

function reason (err: unknown): string {
  const e = err as NodeJS.ErrnoException
  return e.code ?? e.message
}

/**
 * Makes sure the data dir exists, is a directory only its owner can enter
 * (it holds the identity key and the control socket), and is writable.
 * A dir we create is 0700; an existing one (say /tmp/x) is left as it is. We
 * probe with a real write because access(W_OK) says yes to root even on a
 * read-only mount.
 */
export async function prepareDataDir (path: string): Promise<DataDirReport> {
  const fail = (what: string, err?: unknown): DaemonError =>
    new DaemonError(
      'data_dir_unusable',
      `data dir ${path} is not usable: ${what}${err !== undefined ? ` (${reason(err)})` : ''}`,
      { cause: err }
    )
  let created = false
  let st
  try {
    st = await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fail('cannot inspect it', err)
  }
  if (st === undefined) {
    try {
      await mkdir(path, { recursive: true, mode: 0o700 })
      created = true
    } catch (err) {
      throw fail('cannot create it', await realMkdirError(path, err))
    }
    st = await stat(path)
  }
  if (!st.isDirectory()) throw fail('it exists and is not a directory')
  const report: DataDirReport = { path, created }
  if ((st.mode & 0o077) !== 0) report.looseMode = (st.mode & 0o777).toString(8)
  const probe = join(path, `.write-probe-${process.pid}`)
  try {
    await writeFile(probe, 'kiez', { mode: 0o600 })
  } catch (err) {
    throw fail('cannot write to it', err)
  } finally {
    await rm(probe, { force: true }).catch(() => {})
  }
  return report
}

/**
 * A recursive mkdir can report ENOENT when the real cause is a read-only or
 * forbidden parent. Retry the first missing level alone to learn the real code.
 */
async function realMkdirError (path: string, original: unknown): Promise<unknown> {
  let missing = path
  for (let parent = dirname(path); parent !== missing; missing = parent, parent = dirname(parent)) {
    const exists = await stat(parent).then(() => true, () => false)
    if (!exists) continue
    try {
      await mkdir(missing, { mode: 0o700 })
      await rmdir(missing)
    } catch (err) {
      return err
    }
    break
  }
  return original
}
