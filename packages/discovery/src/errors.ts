/** Every error this package throws carries a stable `code` callers can switch on. */
export class KiezMdnsError extends Error {
  readonly code: string
  constructor (code: string, message: string) {
    super(message)
    this.name = 'KiezMdnsError'
    this.code = code
  }
}

/** Thrown synchronously by `kiezMdns()` for options that could never work. */
export class InvalidMdnsInitError extends KiezMdnsError {
  constructor (message: string) {
    super('ERR_INVALID_MDNS_INIT', message)
    this.name = 'InvalidMdnsInitError'
  }
}
