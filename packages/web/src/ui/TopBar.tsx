import type { LiveState } from '../live.js'
import { useI18n } from '../i18n/index.js'
import { Author } from './Author.js'
import { LangSwitch } from './LangSwitch.js'

/** The page header: this box, whether the event stream is live, and the section links. */
export function TopBar (
  { selfId, selfName, live }: { selfId: string | undefined, selfName: string | undefined, live: LiveState }
) {
  const { t } = useI18n()
  return (
    <header class="top">
      <div class="top-inner">
        <h1>Kiez</h1>
        {selfId !== undefined && (
          <p class="box">
            {t.thisBox} <Author id={selfId} name={selfName} self={false} />
          </p>
        )}
        <p class={`live live-${live}`} role="status">
          <span class="dot" aria-hidden="true" />
          {t.live[live]}
        </p>
        <LangSwitch />
      </div>
      <nav class="top-inner nav" aria-label={t.sections}>
        <a href="#feed">{t.navFeed}</a>
        <a href="#around">{t.navAround}</a>
        <a href="#reports">{t.navReports}</a>
        <a href="#muted">{t.navMuted}</a>
        <a href="#profile">{t.navProfile}</a>
      </nav>
    </header>
  )
}
