/**
 * @packageDocumentation
 *
 * The entry format of Kiez (format 2): a small signed header and a separate
 * payload, canonical CBOR bytes, ed25519 signing and verification, the
 * validation rules, fork proofs and range authentication (docs/PROTOCOL.md).
 * Pure and synchronous: readEntry, readPayload and checkEntry return a result
 * object for hostile input and never throw; createEntry signs a new one.
 *
 * Owns the bytes every other package trusts. Must not import any other
 * `@kiez/*` package, libp2p, an HTTP server or storage: it is the bottom layer.
 */
export * from './bytes.js'
export * from './constants.js'
export * from './crypto.js'
export {
  encodeHeader,
  encodeBody,
  encodeEnvelope,
  decodeEnvelope,
  decodeHeader,
  decodeBody,
  type EntryBody,
  type KnownBody,
  type LifeBody,
  type LifeTextKind,
  type UnknownBody,
  type EntryHeader,
  type Decoded
} from './encoding.js'
export * from './entry.js'
export * from './errors.js'
export * from './images.js'
export { checkLifeContent, fallbackText } from './life.js'
export * from './validate.js'
export * from './vectors-household.js'
export * from './vectors-images.js'
export * from './vectors-life.js'
export * from './vectors.js'
