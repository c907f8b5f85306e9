import { describe, expect, it } from 'vitest'
import { prefixes, queryWords, tokens } from './tokens.js'

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

  it('indexes 3 to 6 letter prefixes, the short word itself included', () => {
    expect(prefixes('bohrmaschine')).toEqual(['boh', 'bohr', 'bohrm', 'bohrma'])
    expect(prefixes('ab')).toEqual([])
    expect(prefixes('abcd')).toEqual(['abc', 'abcd'])
  })
})
