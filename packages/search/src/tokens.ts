/**
 * Words as the index and the query see them: lowercased, German folded
 * (ß → ss; ä, ö, ü → a, o, u, and an extra ae/oe/ue variant so "mueller"
 * finds "Müller" too), other diacritics stripped (NFD), split on anything
 * that is not a letter or digit.
 */

/** Longest word kept (longer ones are cut: still found by their first 32 letters). */
export const MAX_WORD = 32
/**
 * The prefixes indexed for prefix search on a query's last word: its first 3 and first 5 letters (two
 * keys a word, not one per length: the write is the cost of indexing). A last word of 3-4 letters is
 * looked up by its 3-letter prefix, a longer one by its 5, and the hits are checked against the text.
 */
export const PREFIX_LENGTHS = [3, 5] as const
export const MIN_PREFIX = 3

const UMLAUT_VARIANT: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue' }

function words (text: string): string[] {
  return text.toLowerCase().replaceAll('ß', 'ss').match(/[\p{L}\p{N}]+/gu) ?? []
}

function strip (w: string): string {
  return w.normalize('NFD').replace(/\p{M}+/gu, '').slice(0, MAX_WORD)
}

/** The distinct words of `text`, each with its umlaut variant when it has one. */
export function tokens (text: string): Set<string> {
  const out = new Set<string>()
  for (const w of words(text)) {
    out.add(strip(w))
    if (/[äöü]/.test(w)) out.add(strip(w.replace(/[äöü]/g, (c) => UMLAUT_VARIANT[c] ?? c)))
  }
  out.delete('')
  return out
}

/** A query's words in order, folded like the text (no variants: the text has them). */
export function queryWords (q: string): string[] {
  return words(q).map(strip).filter((w) => w !== '')
}

/** The prefixes a word is indexed under (PREFIX_LENGTHS; a word as long as one is its own prefix). */
export function prefixes (w: string): string[] {
  return PREFIX_LENGTHS.filter((n) => w.length >= n).map((n) => w.slice(0, n))
}

/** The indexed prefix a query's last word is looked up by (undefined: shorter than MIN_PREFIX, an exact word). */
export function lookupPrefix (w: string): string | undefined {
  let best: string | undefined
  for (const n of PREFIX_LENGTHS) if (w.length >= n) best = w.slice(0, n)
  return best
}
