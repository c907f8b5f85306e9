/**
 * Words as the index and the query see them: lowercased, German folded
 * (ß → ss; ä, ö, ü → a, o, u, and an extra ae/oe/ue variant so "mueller"
 * finds "Müller" too), other diacritics stripped (NFD), split on anything
 * that is not a letter or digit.
 */

/** Longest word kept (longer ones are cut: still found by their first 32 letters). */
export const MAX_WORD = 32
/** Shortest and longest prefix indexed for prefix search on a query's last word. */
export const MIN_PREFIX = 3
export const MAX_PREFIX = 6

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

/** The prefixes a word is indexed under for prefix search (MIN_PREFIX..MAX_PREFIX letters, the word itself included). */
export function prefixes (w: string): string[] {
  const out: string[] = []
  for (let n = MIN_PREFIX; n <= Math.min(w.length, MAX_PREFIX); n++) out.push(w.slice(0, n))
  return out
}
