// The libp2p-free part of the daemon: what a control client (the CLI) needs.
export * from './types.js'
export * from './client.js'
export { defaultDataDir, resolveDataDir, controlSocketPath, DATA_DIR_FILES } from '../paths.js'
