/**
 * @packageDocumentation
 *
 * The LAN HTTP gateway (Gateway): the web feed page, `/api/v1`, Server-Sent
 * Events, pairing and sessions, Host/Origin checks, CSP, `/metrics`, and the
 * DNS-SD `_http._tcp` announcement (docs/HTTP-API.md).
 *
 * Owns the HTTP surface and its security rules. Talks to the node only
 * through GatewayBackend: must not import libp2p internals, `@kiez/mesh`,
 * `@kiez/replication`, `@kiez/store` or `@kiez/daemon`.
 */
export { HttpAnnouncer, type HttpAnnouncerInit } from './announce.js'
export * from './entry-json.js'
export * from './errors.js'
export { EventStream, type EventStreamInit } from './events.js'
export * from './gateway.js'
export * from './life-json.js'
export { PairingCodes, SessionStore, CODE_ALPHABET, CODE_LENGTH } from './pairing.js'
export { defaultAllowedHosts, HostCheck, SECURITY_HEADERS } from './security.js'
export * from './types.js'
