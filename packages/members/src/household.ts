import {
  equalBytes,
  MAX_HOUSEHOLD_MEMBERS,
  MAX_PROFILE_ABOUT_BYTES,
  MAX_PROFILE_NAME_BYTES,
  type KnownBody
} from '@kiez/feed'
import { MemberError } from './errors.js'

export type HouseholdBody = Extract<KnownBody, { type: 'household' }>
export type ProfileBody = Extract<KnownBody, { type: 'profile' }>

/**
 * The body of the box's household entry (PROTOCOL.md §2, "Households, members
 * and neighbours"): the box's display name and its members' author keys in
 * ascending byte order, each once. The box signs it with its own key and
 * publishes it again whenever it differs from the last (`sameHousehold`).
 */
export function householdBody (boxName: string, members: Iterable<{ author: Uint8Array }>): HouseholdBody {
  const size = Buffer.byteLength(boxName, 'utf8')
  if (size === 0 || size > MAX_PROFILE_NAME_BYTES) {
    throw new MemberError('bad_name', `a box's display name is 1 to ${MAX_PROFILE_NAME_BYTES} bytes in UTF-8`)
  }
  const keys = new Map<string, Uint8Array>()
  for (const m of members) keys.set(Buffer.from(m.author).toString('hex'), m.author)
  if (keys.size > MAX_HOUSEHOLD_MEMBERS) {
    throw new MemberError('too_many_members', `a household names at most ${MAX_HOUSEHOLD_MEMBERS} members`)
  }
  const sorted = [...keys.values()].sort((a, b) => Buffer.compare(a, b))
  return { type: 'household', name: boxName, members: sorted }
}

/** Whether two household bodies say the same (then there is nothing new to publish). */
export function sameHousehold (a: HouseholdBody | undefined, b: HouseholdBody): boolean {
  return a !== undefined && a.name === b.name && a.members.length === b.members.length &&
    a.members.every((k, i) => equalBytes(k, b.members[i] as Uint8Array))
}

/**
 * The body of a member's profile: their name, a short "about" and the key of
 * the box whose household claims them, so the claim is mutual.
 */
export function memberProfileBody (
  member: { name: string },
  init: { household: Uint8Array | null, about?: string, dmKey?: Uint8Array }
): ProfileBody {
  const about = init.about ?? ''
  if (Buffer.byteLength(about, 'utf8') > MAX_PROFILE_ABOUT_BYTES) {
    throw new MemberError('bad_about', `a profile's about is at most ${MAX_PROFILE_ABOUT_BYTES} bytes in UTF-8`)
  }
  // dmKey: the member's X25519 key for private messages (@kiez/messages), the profile's fourth item
  return init.dmKey !== undefined
    ? { type: 'profile', name: member.name, about, household: init.household, dmKey: init.dmKey }
    : { type: 'profile', name: member.name, about, household: init.household }
}
