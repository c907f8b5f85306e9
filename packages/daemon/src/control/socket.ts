import { connect } from 'node:net'
import { rm } from 'node:fs/promises'
import { DaemonError } from '../errors.js'
import { MAX_SOCKET_PATH_BYTES } from '../paths.js'

/** Resolves true when something accepts a connection on the unix socket at `path`. */
export async function socketAnswers (path: string, timeoutMs = 1000): Promise<boolean> {
  return await new Promise((resolve) => {
    const sock = connect({ path })
    const done = (v: boolean): void => {
      sock.destroy()
      clearTimeout(timer)
      resolve(v)
    }
    // A live daemon accepts at once; a hung one that never accepts counts as alive (we must not steal its socket).
    const timer = setTimeout(() => done(true), timeoutMs)
    sock.once('connect', () => done(true))
    sock.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'EAGAIN'))
  })
}

/**
 * Prepares `path` for listening: refuses when another daemon answers there,
 * removes a stale socket left by a crashed (kill -9) one.
 */
export async function claimSocketPath (path: string, dataDir: string): Promise<void> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new DaemonError(
      'socket_path_too_long',
      `the control socket path ${path} is longer than the ${MAX_SOCKET_PATH_BYTES}-byte limit of unix sockets: use a shorter --data-dir`
    )
  }
  if (await socketAnswers(path)) {
    throw new DaemonError(
      'already_running',
      `a daemon is already running for data dir ${dataDir} (its control socket ${path} answers)`
    )
  }
  await rm(path, { force: true })
}
