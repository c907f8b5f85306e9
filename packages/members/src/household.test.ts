import { createEntry, readEntry, signerFromSeed, withPayload } from '@kiez/feed'
import { describe, expect, it } from 'vitest'
import { householdBody, memberProfileBody, MemberError, sameHousehold } from './index.js'

const key = (b: number): Uint8Array => new Uint8Array(32).fill(b)
const box = signerFromSeed(new Uint8Array(32).fill(7))
const NOW = 1_800_000_000_000

describe('householdBody', () => {
  it('names the box and its members in ascending byte order, each once', () => {
    const body = householdBody('Hof 3', [{ author: key(9) }, { author: key(2) }, { author: key(9) }])
    expect(body).toEqual({ type: 'household', name: 'Hof 3', members: [key(2), key(9)] })
    expect(householdBody('Hof 3', [])).toEqual({ type: 'household', name: 'Hof 3', members: [] })
  })

  it('makes an entry every box accepts, signed by the box', () => {
    const members = Array.from({ length: 64 }, (_, i) => ({ author: key(255 - i) }))
    const e = createEntry(box, { seq: 1, previous: null, timestamp: NOW, body: householdBody('Hof 3', members) })
    const read = readEntry(e.bytes, { now: NOW })
    expect(read.ok && withPayload(read.value, e.payload as Uint8Array)).toMatchObject({
      ok: true,
      value: { kind: 'household', body: { type: 'household', name: 'Hof 3' } }
    })
  })

  it('refuses 65 members and a box name a profile could not carry', () => {
    const members = Array.from({ length: 65 }, (_, i) => ({ author: key(i) }))
    expect(() => householdBody('Hof 3', members)).toThrow(expect.objectContaining({ code: 'too_many_members' }))
    expect(() => householdBody('', [])).toThrow(MemberError)
    expect(() => householdBody('x'.repeat(129), [])).toThrow(expect.objectContaining({ code: 'bad_name' }))
  })

  it('tells whether a household changed', () => {
    const a = householdBody('Hof 3', [{ author: key(1) }, { author: key(2) }])
    expect(sameHousehold(undefined, a)).toBe(false)
    expect(sameHousehold(a, householdBody('Hof 3', [{ author: key(2) }, { author: key(1) }]))).toBe(true)
    expect(sameHousehold(a, householdBody('Hof 3', [{ author: key(1) }]))).toBe(false)
    expect(sameHousehold(a, householdBody('Hof 5', [{ author: key(1) }, { author: key(2) }]))).toBe(false)
  })
})

describe('memberProfileBody', () => {
  it('names the member and the box that claims them', () => {
    expect(memberProfileBody({ name: 'Anna' }, { household: box.publicKey, about: 'Bohrmaschine' })).toEqual({
      type: 'profile',
      name: 'Anna',
      about: 'Bohrmaschine',
      household: box.publicKey
    })
    const anna = signerFromSeed(new Uint8Array(32).fill(8))
    const e = createEntry(anna, {
      seq: 1,
      previous: null,
      timestamp: NOW,
      body: memberProfileBody({ name: 'Anna' }, { household: null })
    })
    expect(e.body).toEqual({ type: 'profile', name: 'Anna', about: '', household: null })
  })

  it('refuses an about over 280 bytes', () => {
    expect(() => memberProfileBody({ name: 'A' }, { household: null, about: 'x'.repeat(281) })).toThrow(
      expect.objectContaining({ code: 'bad_about' })
    )
  })
})
