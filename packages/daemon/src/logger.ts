import { pino, type DestinationStream, type Logger } from 'pino'
import type { LogLevel } from './config.js'

export interface LoggerInit {
  level?: LogLevel
  /** where JSON lines go; stdout by default */
  destination?: DestinationStream
}

/**
 * JSON lines on stdout. Synchronous writes: a daemon that exits right after
 * logging why (a bad port, a signal) must not lose that line.
 */
export function createLogger (init: LoggerInit = {}): Logger {
  return pino({ level: init.level ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    init.destination ?? pino.destination({ dest: 1, sync: true }))
}
