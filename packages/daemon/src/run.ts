import type { Logger } from 'pino'
import { loadConfig, type LoadConfigInit } from './config.js'
import { Daemon } from './daemon.js'
import { DaemonError, exitCodeFor } from './errors.js'
import { createLogger } from './logger.js'
import type { NodeFactory } from './node.js'

export interface RunDaemonInit extends LoadConfigInit {
  createNode: NodeFactory
  /** one-line messages for a person (stderr by default) */
  printError?: (line: string) => void
  /** how long a signal-triggered stop may take before we give up on it */
  stopTimeoutMs?: number
  /** process-like event source for signals; `process` by default */
  signals?: Pick<NodeJS.Process, 'once' | 'off'>
}

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
  const printError = init.printError ?? ((line: string) => { process.stderr.write(line + '\n') })
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
  try {
    await daemon.start()
  } catch (err) {
    const code = err instanceof DaemonError ? err.code : 'start_failed'
    logger.fatal({ err, code }, 'the daemon could not start')
    printError(`kiez daemon: ${oneLine(err)}`)
    return exitCodeFor(err)
  }

  return await new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signals.off('SIGINT', onSignal)
      signals.off('SIGTERM', onSignal)
      // A second signal means "now": do not wait for a slow stop.
      const force = (): void => { logger.warn('second signal: exiting without a clean stop'); resolve(130) }
      signals.once('SIGINT', force)
      signals.once('SIGTERM', force)
      logger.info({ signal }, 'stopping')
      const timer = setTimeout(() => { logger.error({ stopTimeoutMs }, 'the daemon did not stop in time; exiting anyway'); resolve(1) }, stopTimeoutMs)
      daemon.stop().then(() => {
        clearTimeout(timer)
        logger.info('stopped')
        resolve(0)
      }, (err: unknown) => {
        clearTimeout(timer)
        logger.error({ err }, 'the daemon did not stop cleanly')
        resolve(1)
      })
    }
    signals.once('SIGINT', onSignal)
    signals.once('SIGTERM', onSignal)
  })
}
