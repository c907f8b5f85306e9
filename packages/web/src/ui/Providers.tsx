import type { ComponentChildren } from 'preact'
import { type I18n, I18nContext } from '../i18n/index.js'
import { type LifeActions, LifeContext } from './life-context.js'

/** What every component below App may ask for: the reader's language, and the answers a kind of post gives. */
export function Providers ({ i18n, life, children }: { i18n: I18n, life: LifeActions, children: ComponentChildren }) {
  return (
    <I18nContext.Provider value={i18n}>
      <LifeContext.Provider value={life}>{children}</LifeContext.Provider>
    </I18nContext.Provider>
  )
}
