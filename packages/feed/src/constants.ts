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
  'report',
  // neighbourhood life (PROTOCOL.md §2, "Neighbourhood life"; life.ts)
  'offer',
  'request',
  'event',
  'lost',
  'found',
  'recommendation',
  'alert',
  'poll',
  'vote',
  'rsvp',
  'done',
  // private messages (PROTOCOL.md §2, "Private messages"; @kiez/messages)
  'message'
] as const
export type KnownKind = typeof KNOWN_KINDS[number]

export function isKnownKind (kind: string): kind is KnownKind {
  return (KNOWN_KINDS as readonly string[]).includes(kind)
}

// Neighbourhood life (PROTOCOL.md §2, "Neighbourhood life"; docs/LIMITS.md "Entry fields"). A text that is
// the whole point of its entry (an offer's, a request's, an event's description) has the post limit, MAX_CONTENT_BYTES.

/** An offer's price: "5 €", "free", "a cake": a few words. */
export const MAX_PRICE_BYTES = 64
/** An event's title and a poll option: a line. */
export const MAX_EVENT_TITLE_BYTES = 200
/** Where an event is: an address or a landmark. */
export const MAX_PLACE_BYTES = 200
/** An alert is read on every page of the mesh for a day: short, so it stays readable. */
export const MAX_ALERT_BYTES = 1024
/** A poll's question. */
export const MAX_POLL_QUESTION_BYTES = 500
/** One option of a poll. */
export const MAX_POLL_OPTION_BYTES = 200
/** A poll offers 2 to 10 options. */
export const MIN_POLL_OPTIONS = 2
export const MAX_POLL_OPTIONS = 10
/** The answers to an event. */
export const RSVP_ANSWERS = ['going', 'maybe', 'no'] as const
export type RsvpAnswer = typeof RSVP_ANSWERS[number]

// Private messages (PROTOCOL.md §2, "Private messages"; the envelope is @kiez/messages' envelope.ts).
/** The padded plaintext sizes of a message's body: an observer learns which, not the length. */
export const MESSAGE_SIZE_CLASSES = [512, 1024, 2048, 4096, 8192] as const
/**
 * The byte lengths a `message` envelope may have, one per size class:
 * 1 (version) + 32 (ephemeral key) + 9 × 48 (slots) + class + 16 (tag).
 */
export const MESSAGE_ENVELOPE_SIZES: readonly number[] = MESSAGE_SIZE_CLASSES.map((c) => 1 + 32 + 9 * 48 + c + 16)
