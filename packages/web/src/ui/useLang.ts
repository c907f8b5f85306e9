import { useEffect, useMemo, useState } from 'preact/hooks'
import { type I18n, LANG_KEY, type Lang, makeI18n, pickLang } from '../i18n/index.js'

function stored (): string | null {
  try {
    return localStorage.getItem(LANG_KEY)
  } catch {
    return null // storage off (private mode, a policy): the browser's language decides
  }
}

/** The page's language: the switch's choice (remembered in localStorage), else the browser's. */
export function useLang (): I18n {
  const [lang, setLangState] = useState<Lang>(() => pickLang(stored(), navigator.languages ?? [navigator.language]))
  useEffect(() => {
    document.documentElement.lang = lang
  }, [lang])
  return useMemo(() =>
    makeI18n(lang, (next) => {
      try {
        localStorage.setItem(LANG_KEY, next)
      } catch {
        // not remembered: it still applies to this visit
      }
      setLangState(next)
    }), [lang])
}
