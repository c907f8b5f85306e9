/** Prepended to the header before signing, so a Kiez signature can never be replayed as another protocol's. */
export const SIGNATURE_DOMAIN = new TextEncoder().encode('kiez/entry/2\0')

export const ENTRY_VERSION = 2

/** Limit on the UTF-8 bytes of an entry's user text (post, reply, edit) or display name. */
export const MAX_CONTENT_BYTES = 8192

/** Upper bound on a payload, any kind: 8 KiB text + framing, and room for kinds to come. */
export const MAX_PAYLOAD_BYTES = 10240

/**
 * Upper bound on an entry (header and signature, never the payload), checked
 * before any decoding work. The largest valid entry is 228 bytes: header =
 * 1 (array) + 1 (version) + 34 (author) + 9 (seq) + 34 (previous) + 9
 * (timestamp) + 34 (32-byte kind) + 34 (payloadHash) + 3 (payloadSize) = 159;
 * entry = 1 (array) + 2 + 159 (header bstr) + 2 + 64 (signature) = 228.
 */
export const MAX_ENTRY_BYTES = 256

/** Default tolerance for author clocks running ahead of ours. */
export const DEFAULT_MAX_FUTURE_MS = 10 * 60 * 1000

export const HASH_BYTES = 32
export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
/** Display names are short by nature; the 8 KiB content limit still applies first. */
export const MAX_PROFILE_NAME_BYTES = 128
/** A moderation entry's or report's reason: a line, not an essay (may be empty). */
export const MAX_REASON_BYTES = 280

/** A kind is 1 … 32 bytes of [a-z0-9_-], starting with a letter (PROTOCOL.md §2). */
export const MAX_KIND_BYTES = 32
export const KIND_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/

/** A household entry names at most this many members (PROTOCOL.md §2, "Households, members and neighbours"). */
export const MAX_HOUSEHOLD_MEMBERS = 64
/** A profile's "about": a line or two, not a post. May be empty. */
export const MAX_PROFILE_ABOUT_BYTES = 280

/** Kinds whose payload this version understands and checks; any other well-formed kind is valid and opaque. */
export const KNOWN_KINDS = [
  'post',
  'reply',
  'profile',
  'delete',
  'edit',
  'household',
  'vouch',
  'mod-block',
  'mod-hide',
  'report'
] as const
export type KnownKind = typeof KNOWN_KINDS[number]

export function isKnownKind (kind: string): kind is KnownKind {
  return (KNOWN_KINDS as readonly string[]).includes(kind)
}
