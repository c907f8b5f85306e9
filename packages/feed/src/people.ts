import {
  MAX_CONTENT_BYTES,
  MAX_HOUSEHOLD_MEMBERS,
  MAX_PROFILE_ABOUT_BYTES,
  MAX_PROFILE_NAME_BYTES
} from './constants.js'
import type { Decoded, EntryBody } from './encoding.js'

/**
 * The content rules of the kinds of households and neighbours (PROTOCOL.md
 * §2, "Households, members and neighbours"), beyond their shape: applied by
 * readPayload after the checks every kind shares, for both decoders.
 */
export function checkPeopleContent (body: EntryBody): Decoded<never> | undefined {
  switch (body.type) {
    case 'household': {
      const name = checkName(body.name, 'household name')
      if (name !== undefined) return name
      if (body.members.length > MAX_HOUSEHOLD_MEMBERS) {
        return malformed(`a household names at most ${MAX_HOUSEHOLD_MEMBERS} members, not ${body.members.length}`)
      }
      // one byte string per set of members: ascending, so no duplicates and no second encoding of the same household
      for (let i = 1; i < body.members.length; i++) {
        if (Buffer.compare(body.members[i - 1] as Uint8Array, body.members[i] as Uint8Array) >= 0) {
          return malformed('household members must be in ascending byte order, each once')
        }
      }
      return undefined
    }
    case 'profile': {
      if (body.about === undefined) return undefined
      const size = Buffer.byteLength(body.about, 'utf8')
      return size > MAX_PROFILE_ABOUT_BYTES
        ? malformed(`profile about is ${size} UTF-8 bytes, over ${MAX_PROFILE_ABOUT_BYTES}`)
        : undefined
    }
    default:
      return undefined
  }
}

/** The same limits as a profile's display name, in the same order (entry.ts checkContent). */
function checkName (name: string, what: string): Decoded<never> | undefined {
  const size = Buffer.byteLength(name, 'utf8')
  if (size > MAX_CONTENT_BYTES) {
    return {
      ok: false,
      code: 'content_too_large',
      message: `content is ${size} UTF-8 bytes, over the ${MAX_CONTENT_BYTES}-byte limit`
    }
  }
  if (size === 0) return malformed(`${what} must not be empty`)
  if (size > MAX_PROFILE_NAME_BYTES) return malformed(`${what} is over ${MAX_PROFILE_NAME_BYTES} UTF-8 bytes`)
  return undefined
}

function malformed (message: string): Decoded<never> {
  return { ok: false, code: 'malformed_content', message }
}
