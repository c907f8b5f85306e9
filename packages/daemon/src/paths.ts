import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** Files a daemon keeps in its data dir; the CLI finds the control socket the same way. */
export const DATA_DIR_FILES = {
  config: 'config.json',
  feed: 'feed',
  identity: 'identity.key',
  controlSocket: 'control.sock',
  /** SHA-256 hashes of paired browsers' session tokens */
  httpSessions: 'http-sessions.json',
  /** the household's members: index.json and one 0600 key file each (@kiez/members' MEMBERS_DIR) */
  members: 'members',
  /** the search index's LevelDB (@kiez/search): term hashes → entry ids, rebuilt from the feed when missing */
  search: 'search',
  /** image blobs, one file per sha-256 (@kiez/blobs), within their share of the storage budget */
  blobs: 'blobs'
} as const

/**
 * The data dir when no flag names one: KIEZ_DATA_DIR, else the XDG data home,
 * else ~/.local/share/kiez. Daemon and client share this so `kiez status`
 * finds the default daemon without flags.
 */
export function defaultDataDir (env: NodeJS.ProcessEnv = process.env): string {
  if (env.KIEZ_DATA_DIR !== undefined && env.KIEZ_DATA_DIR !== '') return resolve(env.KIEZ_DATA_DIR)
  const xdg = env.XDG_DATA_HOME
  // XDG says relative paths in XDG_DATA_HOME are invalid and must be ignored.
  if (xdg !== undefined && xdg.startsWith('/')) return join(xdg, 'kiez')
  return join(env.HOME ?? homedir(), '.local', 'share', 'kiez')
}

export function resolveDataDir (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag !== undefined && flag !== '' ? resolve(flag) : defaultDataDir(env)
}

export function controlSocketPath (dataDir: string): string {
  return join(dataDir, DATA_DIR_FILES.controlSocket)
}

/** sun_path is 108 bytes on Linux (104 on BSDs), including the NUL. */
export const MAX_SOCKET_PATH_BYTES = 107
