import { readFile, writeFile } from 'node:fs/promises'
import { checkPsk, generatePsk } from '@kiez/mesh'
import { DaemonError } from './errors.js'

const HOW = 'make one with `kiez psk FILE` and copy it to every box of the mesh'

/** Reads and checks a private network key file, so a wrong file fails at start and says why. */
export async function readPskFile (path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw new DaemonError(
      'psk_unreadable',
      `cannot read the private network key ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      { cause: err }
    )
  }
  try {
    checkPsk(bytes)
  } catch (err) {
    throw new DaemonError(
      'invalid_config',
      `--psk ${path} is not a private network key file (/key/swarm/psk/1.0.0/ with a base16 key): ${HOW}`,
      { cause: err }
    )
  }
  return bytes
}

/** Writes a fresh key file (mode 0600); never overwrites one, which would split a mesh. */
export async function createPskFile (path: string): Promise<void> {
  try {
    await writeFile(path, generatePsk(), { mode: 0o600, flag: 'wx' })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      throw new DaemonError('psk_exists', `${path} already exists; not overwriting a key other boxes may share`, {
        cause: err
      })
    }
    throw new DaemonError('psk_unreadable', `cannot write ${path} (${code ?? (err as Error).message})`, { cause: err })
  }
}
