/**
 * @packageDocumentation
 *
 * Neighbourhood life (docs/PROTOCOL.md §2, "Neighbourhood life"): the
 * numbers a noticeboard shows, computed by every box from the signed entries
 * its store holds: poll tallies with the votes that make them ("how we
 * know"), by person and by household, RSVP counts, open offers and requests,
 * pinned alerts. Depends on @kiez/feed's types only; the store and a
 * household lookup are passed in.
 */
export * from './board.js'
export * from './types.js'
