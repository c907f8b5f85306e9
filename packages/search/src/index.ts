/**
 * @packageDocumentation
 *
 * Search over everything a box holds (text, author names, kinds): a term
 * index on its own LevelDB, postings of term hashes to entry ids (never the
 * text), kept current from the feed store's events and caught up from its
 * timeline at start. Depends on @kiez/feed's types; the store, a name
 * lookup and a logger are passed in.
 */
export * from './errors.js'
export * from './search.js'
export { INDEX_VERSION, termKey, TermIndex, type IndexState } from './term-index.js'
export * from './tokens.js'
