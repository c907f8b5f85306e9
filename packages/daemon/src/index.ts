/**
 * @packageDocumentation
 *
 * The composition root (Daemon, runDaemon): config (defaults < file < env <
 * flags, loadConfig), the data dir, identity, logging, metrics, the control
 * socket and its API, and the lifecycle that starts store, node and gateway
 * and stops them in reverse. `@kiez/daemon/control` is its libp2p-free part
 * for control clients.
 *
 * The only package allowed to import every other one; no Kiez package but
 * `@kiez/cli` may import it.
 */
export * from './config.js'
export * from './control/index.js'
export {
  ControlServer,
  type ControlApi,
  type ControlServerInit,
  type ControlServerComponents
} from './control/server.js'
export * from './daemon.js'
export * from './datadir.js'
export * from './entry-json.js'
export * from './errors.js'
export * from './logger.js'
export { createMeshNode } from './mesh-node.js'
export * from './node.js'
export * from './paths.js'
export * from './psk.js'
export * from './run.js'
export * from './sync-json.js'
