/**
 * @packageDocumentation
 *
 * Private messages (docs/PROTOCOL.md §2, "Private messages"): the sealed
 * envelope a `message` entry carries, trial decryption against the box's
 * members' keys, and each member's conversations with read markers and
 * blocks. Depends on @kiez/feed's types and @noble's primitives; the store
 * and the members' keys are passed in.
 */
export * from './envelope.js'
export * from './errors.js'
export * from './inbox.js'
export * from './vectors.js'
