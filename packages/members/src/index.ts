/**
 * @packageDocumentation
 *
 * The people of a household on one box (issue 14, "People, not boxes"): each
 * member has their own ed25519 author key, kept in the data dir in a file of
 * its own (mode 0600, written atomically), with a 24-word BIP39 recovery
 * phrase to take it to another box; the body of the box's household entry;
 * the per-member self-fork guard that holds an imported member's posts
 * until their feed is learned from the mesh; and the claims index, what a
 * reader makes of households, profiles and vouches (who claims whom, "seen by
 * N neighbouring boxes").
 *
 * Imports `@kiez/feed` and, for the guard, `@kiez/store` only among Kiez
 * packages; the daemon wires it in.
 */
export * from './claims.js'
export * from './errors.js'
export * from './household.js'
export * from './member-guard.js'
export * from './member-store.js'
export * from './names.js'
export * from './recovery.js'
