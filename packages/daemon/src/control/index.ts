// The libp2p-free part of the daemon: what a control client (the CLI) needs.
export { defaultDataDir, resolveDataDir, controlSocketPath, DATA_DIR_FILES } from '../paths.js'
export * from './client.js'
export * from './member-client.js'
export * from './message-client.js'
export * from './moderation-client.js'
export * from './types.js'
