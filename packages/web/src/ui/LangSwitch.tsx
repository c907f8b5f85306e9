import { LANGS, type Lang, useI18n } from '../i18n/index.js'

/** The language switch: each language named in itself, so a reader finds theirs whatever is showing. */
export function LangSwitch () {
  const { lang, t, setLang } = useI18n()
  return (
    <p class="lang">
      <label for="lang-select">{t.language}</label>
      <select
        id="lang-select"
        value={lang}
        onChange={(ev) => setLang(ev.currentTarget.value as Lang)}
      >
        {LANGS.map((l) => <option key={l} value={l} lang={l}>{t.languageNames[l]}</option>)}
      </select>
    </p>
  )
}
