import type { Entry } from './types.js'

/**
 * Display names by author. A name is the author's own signed claim (a profile
 * entry), shown next to the short id so a name alone never identifies anyone.
 * The newest claim by the author's clock wins.
 */
export class Names {
  private readonly byAuthor = new Map<string, { name: string, at: number }>()

  learn (e: Entry): boolean {
    let name: string | undefined
    let at = e.timestamp
    if (e.type === 'profile' && e.name !== undefined) name = e.name
    else if (e.authorName !== undefined) {
      name = e.authorName
      at = -1
    }
    if (name === undefined) return false
    name = clean(name)
    const known = this.byAuthor.get(e.author)
    if (known !== undefined && (known.at > at || known.name === name)) return false
    if (name === '') this.byAuthor.delete(e.author)
    else this.byAuthor.set(e.author, { name, at })
    return true
  }

  get (author: string): string | undefined {
    return this.byAuthor.get(author)?.name
  }
}

/** Control and bidi-override characters would let a name reorder or hide the text around it. */
export function clean (name: string): string {
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '').trim()
}
