export { ReconcileError, type ReconcileErrorCode } from './errors.js'
export { reconcileInMemory, type LocalOutcome } from './local.js'
export {
  minimalBound,
  MIN_FRAME_SIZE_LIMIT,
  Mode,
  Negentropy,
  PROTOCOL_VERSION,
  type ReconcileResult
} from './negentropy.js'
export {
  addId,
  compareItems,
  FINGERPRINT_BYTES,
  fingerprintOf,
  ID_BYTES,
  MAX_TIMESTAMP,
  SortedItems,
  type Bound,
  type Item,
  type ReconcileStorage
} from './storage.js'
export { encodeVarint } from './varint.js'
