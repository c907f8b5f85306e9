import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Every file under `dir` whose raw bytes hold `marker` (LevelDB tables and
 * logs, the inbox, blobs): how the tests prove deleted text left the disk.
 * A file LevelDB removes between the listing and the read (a log or table a
 * compaction let go) holds nothing; any other read error fails the test.
 */
export function filesHolding (dir: string, marker: string): string[] {
  const needle = Buffer.from(marker)
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .filter((f) => bytesOf(f)?.includes(needle) === true)
}

function bytesOf (file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}
