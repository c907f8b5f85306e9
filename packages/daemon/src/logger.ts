import { pino, type DestinationStream, type Logger } from 'pino'
import type { LogLevel } from './config.js'

export interface LoggerInit {
  /**
   * Lowest level written.
   *
   * @default 'info'
   */
  level?: LogLevel
  /**
   * Where JSON lines go.
   *
   * @default stdout (synchronous writes)
   */
  destination?: DestinationStream
}

/**
 * JSON lines on stdout. Synchronous writes: a daemon that exits right after
 * logging why (a bad port, a signal) must not lose that line.
 */
export function createLogger (init: LoggerInit = {}): Logger {
  return pino(
    { level: init.level ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    init.destination ?? pino.destination({ dest: 1, sync: true })
  )
}
