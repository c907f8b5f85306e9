import { describe, expect, it } from 'vitest'
import { duration, safeText, table, truncate } from './format.js'

describe('human output', () => {
  it('never lets feed text drive the terminal', () => {
    const hostile = 'a\u001b[2J\u001b]0;pwned\u0007b\rc\u202eevil\u009bd\ne'
    const shown = safeText(hostile)
    // eslint-disable-next-line no-control-regex
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/)
    expect(shown).toBe('a\\u001b[2J\\u001b]0;pwned\\u0007b\\u000dc\\u202eevil\\u009bd⏎e')
    expect(safeText('Grüße aus dem Hof 🐈')).toBe('Grüße aus dem Hof 🐈')
  })

  it('aligns columns by characters, not bytes', () => {
    expect(table(['a', 'bb', 'c'], [['ü', 'x', 'last'], ['long', 'yy', '']]).split('\n')).toEqual([
      'A     BB  C',
      'ü     x   last',
      'long  yy'
    ])
  })

  it('truncates by characters and says durations in units a person reads', () => {
    expect(truncate('🐈🐈🐈🐈', 3)).toBe('🐈🐈…')
    expect(truncate('short', 10)).toBe('short')
    expect(duration(950)).toBe('950ms')
    expect(duration(61_000)).toBe('1m 1s')
    expect(duration(90_061_000)).toBe('1d 1h')
  })
})
