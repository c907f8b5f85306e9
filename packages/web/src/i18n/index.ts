import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { showable } from '../life.js'
import { de } from './de.js'
import { type Catalogue, en } from './en.js'

export type { Catalogue } from './en.js'
export { en } from './en.js'

/** The page's languages; the CLI stays English. */
export const LANGS = ['en', 'de'] as const
export type Lang = typeof LANGS[number]

const CATALOGUES: Record<Lang, Catalogue> = { en, de }
/** localStorage key of a language the reader chose with the switch. */
export const LANG_KEY = 'kiez.lang'

/**
 * The language to show: the reader's choice (the switch, remembered), else
 * the first of the browser's languages (navigator.languages, which follows
 * Accept-Language) that the page has, else English.
 */
export function pickLang (chosen: string | null | undefined, browser: readonly string[]): Lang {
  if (chosen === 'en' || chosen === 'de') return chosen
  for (const tag of browser) {
    const base = tag.toLowerCase().split('-')[0]
    if (base === 'en' || base === 'de') return base
  }
  return 'en'
}

/** Everything a component needs to speak the reader's language. */
export interface I18n {
  lang: Lang
  t: Catalogue
  /** a date with weekday and time, e.g. "Sa., 6. Dez., 15:00" */
  dateTime: (ms: number) => string
  /** a full date and time, for a tooltip */
  fullDate: (ms: number) => string
  setLang: (lang: Lang) => void
}

export function makeI18n (lang: Lang, setLang: (lang: Lang) => void = () => {}): I18n {
  const locale = lang === 'de' ? 'de-DE' : 'en-GB'
  const short = new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit'
  })
  const full = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' })
  const safe = (f: Intl.DateTimeFormat) => (ms: number): string => showable(ms) ? f.format(ms) : ''
  return { lang, t: CATALOGUES[lang], dateTime: safe(short), fullDate: safe(full), setLang }
}

export const I18nContext = createContext<I18n>(makeI18n('en'))

export function useI18n (): I18n {
  return useContext(I18nContext)
}
