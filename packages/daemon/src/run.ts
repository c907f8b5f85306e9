import type { Logger } from 'pino'
import { loadConfig, type LoadConfigInit } from './config.js'
import { Daemon } from './daemon.js'
import { DaemonError, exitCodeFor, type DaemonErrorCode } from './errors.js'
import { createLogger } from './logger.js'
import type { NodeFactory } from './node.js'

export interface RunDaemonInit extends LoadConfigInit {
  /**
   * Builds the mesh node once config, identity and store are ready (the CLI passes createMeshNode, over @kiez/mesh).
   *
   * @default none (required)
   */
  createNode: NodeFactory
  /**
   * Where one-line messages for a person go.
   *
   * @default a line on stderr
   */
  printError?: (line: string) => void
  /**
   * How long a signal-triggered stop may take before we give up on it, in milliseconds.
   *
   * @default 4500
   */
  stopTimeoutMs?: number
  /**
   * Process-like source of signals and uncaught errors; injectable for tests.
   *
   * @default process
   */
  signals?: Pick<NodeJS.Process, 'once' | 'off' | 'on'>
}

const USER_ERRORS = new Set<DaemonErrorCode>([
  'invalid_config',
  'data_dir_unusable',
  'address_in_use',
  'listen_failed',
  'already_running',
  'socket_path_too_long',
  'identity_unreadable',
  'psk_unreadable'
])

function oneLine (err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  return msg.replace(/\s*\n\s*/g, ' ').slice(0, 1000)
}

/**
 * `kiez daemon`: loads the config, starts a box in the foreground and runs
 * until SIGINT/SIGTERM. Resolves with the exit status; the caller exits.
 * Start failures print ONE line (no stack: they are the user's to fix) and
 * log the full error as JSON for whoever reads the log.
 */
export async function runDaemon (init: RunDaemonInit): Promise<number> {
  const printError = init.printError ?? ((line: string) => {
    process.stderr.write(line + '\n')
  })
  const signals = init.signals ?? process
  const stopTimeoutMs = init.stopTimeoutMs ?? 4500
  let config
  try {
    config = await loadConfig(init)
  } catch (err) {
    printError(`kiez daemon: ${oneLine(err)}`)
    return exitCodeFor(err)
  }
  const logger: Logger = createLogger({ level: config.logLevel })
  const daemon = new Daemon({ logger, createNode: init.createNode }, { config })
  const starting = daemon.start()
  let resolveExit!: (status: number) => void
  const exit = new Promise<number>((resolve) => {
    resolveExit = resolve
  })

  let stopping = false
  const shutdown = (status: number): void => {
    if (stopping) return
    stopping = true
    signals.off('SIGINT', onSignal)
    signals.off('SIGTERM', onSignal)
    // A second signal means "now": do not wait for a slow stop.
    const force = (): void => {
      logger.warn('second signal: exiting without a clean stop')
      resolveExit(130)
    }
    signals.once('SIGINT', force)
    signals.once('SIGTERM', force)
    // A signal during start-up waits for the start to settle, then stops what it built.
    starting.then(() => {
      const timer = setTimeout(() => {
        logger.error({ stopTimeoutMs }, 'the daemon did not stop in time; exiting anyway')
        resolveExit(1)
      }, stopTimeoutMs)
      daemon.stop().then(() => {
        clearTimeout(timer)
        logger.info('stopped')
        resolveExit(status)
      }, (err: unknown) => {
        clearTimeout(timer)
        logger.error({ err }, 'the daemon did not stop cleanly')
        resolveExit(1)
      })
    }, () => {/* the start failure is reported below */})
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping')
    shutdown(0)
  }
  // A bug somewhere below us: log it as JSON (not a bare stack on stderr), stop cleanly, exit non-zero
  // so a supervisor restarts the box. Data is safe: acknowledged posts are already synced.
  const onFatal = (err: unknown): void => {
    logger.fatal({ err }, 'uncaught error; stopping')
    shutdown(70)
  }
  signals.once('SIGINT', onSignal)
  signals.once('SIGTERM', onSignal)
  signals.on('uncaughtException', onFatal)
  signals.on('unhandledRejection', onFatal)

  try {
    await starting
  } catch (err) {
    signals.off('SIGINT', onSignal)
    signals.off('SIGTERM', onSignal)
    // A user's mistake gets its message logged; only the unexpected get a stack, for whoever debugs it.
    if (err instanceof DaemonError && USER_ERRORS.has(err.code)) {
      logger.fatal({ code: err.code, reason: err.message }, 'the daemon could not start')
    } else {logger.fatal(
        { err, code: err instanceof DaemonError ? err.code : 'start_failed' },
        'the daemon could not start'
      )}
    printError(`kiez daemon: ${oneLine(err)}`)
    return exitCodeFor(err)
  }
  return await exit
}
