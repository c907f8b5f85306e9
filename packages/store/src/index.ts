export * from './store.js'
export * from './errors.js'
export type { RecoveryReport, RecoveryAction } from './recovery.js'
export * from './own-feed.js'
