/** Human output helpers: aligned tables and units a person reads at a glance. */

/**
 * Text from the network can carry terminal escape sequences that would
 * rewrite the user's screen: show every control character as a visible escape.
 */
export function safeText (s: string): string {
  return s.replace(
    // oxlint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => c === '\n' ? '⏎' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

// Widths and truncation count code points, on purpose: a terminal cell is closer to a code point than to a
// UTF-16 unit, and the text is already escaped by safeText (no combining tricks are relied on).
/* oxlint-disable typescript/no-misused-spread */
export function truncate (s: string, max: number): string {
  const chars = [...s]
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…'
}

/** Left-aligned columns separated by two spaces; the header row is upper case. */
export function table (header: string[], rows: string[][]): string {
  const all = [header.map((h) => h.toUpperCase()), ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)))
  return all.map((r) =>
    r.map((c, i) => i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length)).join('  ').trimEnd()
  ).join('\n')
}

/** Key/value lines with the keys padded to one width. */
export function keyValues (pairs: Array<[string, string | string[]]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length))
  const lines: string[] = []
  for (const [k, v] of pairs) {
    const values = Array.isArray(v) ? (v.length > 0 ? v : ['-']) : [v]
    values.forEach((x, i) => lines.push(`${i === 0 ? k.padEnd(w) : ' '.repeat(w)}  ${x}`))
  }
  return lines.join('\n')
}

export function duration (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  let s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  const parts = [d > 0 ? `${d}d` : '', h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', `${s}s`].filter((x) => x !== '')
  return parts.slice(0, 2).join(' ')
}

export function ago (ms: number): string {
  return ms < 0 ? 'in the future' : `${duration(ms)} ago`
}

/** 12D3KooWAbCd…wXyZ: enough to tell peers apart in a table. */
export function shortId (id: string): string {
  return id.length <= 16 ? id : `${id.slice(0, 10)}…${id.slice(-4)}`
}
