/** Prepended to the payload before signing, so a Kiez signature can never be replayed as another protocol's. */
export const SIGNATURE_DOMAIN = new TextEncoder().encode('kiez/entry/1\0')

export const ENTRY_VERSION = 1

/** Limit on the UTF-8 bytes of an entry's user content (text or display name). */
export const MAX_CONTENT_BYTES = 8192

/** Upper bound on a whole encoded entry, checked before any decoding work. 8 KiB content + generous framing. */
export const MAX_ENTRY_BYTES = 10240

/** Default tolerance for author clocks running ahead of ours. */
export const DEFAULT_MAX_FUTURE_MS = 10 * 60 * 1000

export const HASH_BYTES = 32
export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
/** Display names are short by nature; the 8 KiB content limit still applies first. */
export const MAX_PROFILE_NAME_BYTES = 128

export const KNOWN_TYPES = ['post', 'reply', 'profile'] as const
export type EntryType = typeof KNOWN_TYPES[number]
