import { describe, expect, it } from 'vitest'
import { whoLabel } from './client-commands.js'

// The label `kiez feed` puts before an entry's text (PROTOCOL.md §2, "Claims").

const anna = '12D3KooWAnnaAnnaAnnaAnnaAnnaAnnaAnnaAnnaAnnaAnnaAnna'
const hof3 = '12D3KooWHof3Hof3Hof3Hof3Hof3Hof3Hof3Hof3Hof3Hof3Hof3'

describe('whoLabel', () => {
  it('names a member with their household, a box by its household, and says when no one claims an author', () => {
    expect(whoLabel({ author: anna, authorName: 'Anna', household: { id: hof3, name: 'Hof 3', seenBy: 2 } }))
      .toBe('Anna · Hof 3')
    expect(whoLabel({ author: hof3, authorName: 'Box', household: { id: hof3, name: 'Hof 3', seenBy: 0 } }))
      .toBe('Hof 3')
    expect(
      whoLabel({ author: anna, authorName: 'Anna', household: { id: hof3, name: 'Hof 3', seenBy: 0, oneSided: true } })
    )
      .toBe('Anna · Hof 3 (one-sided)')
    expect(whoLabel({ author: anna, authorName: 'Anna', unclaimed: true })).toBe('Anna (unclaimed)')
    expect(whoLabel({ author: anna, unclaimed: true })).toBe('(unclaimed)')
    expect(whoLabel({ author: anna })).toBeUndefined()
  })

  it('shows names as text: no control characters reach the terminal', () => {
    expect(whoLabel({ author: anna, authorName: 'A\u001b[2Jnna', household: { id: hof3, name: 'Hof\n3', seenBy: 0 } }))
      .toBe('A\\u001b[2Jnna · Hof⏎3')
  })
})
