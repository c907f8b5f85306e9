import type { ComponentChildren } from 'preact'
import { type I18n, I18nContext } from '../i18n/index.js'
import { type Upload, UploadContext } from '../images/context.js'
import { type LifeActions, LifeContext } from './life-context.js'

/**
 * What every component below App may ask for: the reader's language, the answers a kind of post gives,
 * and where a photo is uploaded (none: the compose boxes offer no photos).
 */
export function Providers (
  { i18n, life, upload, children }: { i18n: I18n, life: LifeActions, upload?: Upload, children: ComponentChildren }
) {
  return (
    <I18nContext.Provider value={i18n}>
      <LifeContext.Provider value={life}>
        <UploadContext.Provider value={upload}>{children}</UploadContext.Provider>
      </LifeContext.Provider>
    </I18nContext.Provider>
  )
}
