import { describe, expect, it } from 'vitest'
import { lookupPrefix, prefixes, queryWords, tokens } from './tokens.js'

describe('tokens', () => {
  it('lowercases, folds ß to ss and umlauts to their letter, with an ae/oe/ue variant', () => {
    expect([...tokens('Die Straße bei Müller, GRÜN!')].sort()).toEqual(
      ['bei', 'die', 'gruen', 'grun', 'muller', 'mueller', 'strasse'].sort()
    )
  })

  it('strips other diacritics and splits on anything not a letter or digit', () => {
    expect([...tokens('Café-Treff: 19 Uhr, naïve')].sort()).toEqual(['19', 'cafe', 'naive', 'treff', 'uhr'])
  })

  it('folds a query like the text, without variants', () => {
    expect(queryWords('  STRASSE  Müller ')).toEqual(['strasse', 'muller'])
    expect(queryWords('Straße')).toEqual(['strasse'])
    expect(queryWords('!!! ...')).toEqual([])
  })

  it('indexes the 3 and 5 letter prefixes; a query\'s last word is looked up by the longest it has', () => {
    expect(prefixes('bohrmaschine')).toEqual(['boh', 'bohrm'])
    expect(prefixes('ab')).toEqual([])
    expect(prefixes('abcd')).toEqual(['abc'])
    expect(lookupPrefix('bohrma')).toBe('bohrm')
    expect(lookupPrefix('bohr')).toBe('boh')
    expect(lookupPrefix('bo')).toBeUndefined()
  })
})
