/** Stable codes of this package's errors; snake_case like every Kiez code. */
export type KiezMdnsErrorCode = 'invalid_mdns_init'

/** Every error this package throws carries a stable `code` callers can switch on. */
export class KiezMdnsError extends Error {
  readonly code: KiezMdnsErrorCode
  constructor (code: KiezMdnsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'KiezMdnsError'
    this.code = code
  }
}

/** Thrown synchronously by `kiezMdns()` for options that could never work. */
export class InvalidMdnsInitError extends KiezMdnsError {
  constructor (message: string, options?: ErrorOptions) {
    // was ERR_INVALID_MDNS_INIT: thrown at construction only, never shown on the wire or in --json
    super('invalid_mdns_init', message, options)
    this.name = 'InvalidMdnsInitError'
  }
}
