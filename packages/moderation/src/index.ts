/**
 * @packageDocumentation
 *
 * The box owner's moderation: authors the owner blocked and the moderation
 * lists the owner follows (mod-block / mod-hide entries of chosen authors),
 * turned into what the store takes (`gate`), what replication forwards
 * (`forwards`) and what the gateway shows (`blockedBy`, `hiddenBy`).
 *
 * Imports `@kiez/feed` and `@kiez/store` only among Kiez packages; must not
 * import libp2p or an HTTP server.
 */
export * from './author-id.js'
export * from './moderation.js'
