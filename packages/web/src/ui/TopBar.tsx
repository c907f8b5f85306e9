import type { LiveState } from '../live.js'
import { Author } from './Author.js'

const LIVE_TEXT: Record<LiveState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' }

/** The page header: this box, whether the event stream is live, and the section links. */
export function TopBar (
  { selfId, selfName, live }: { selfId: string | undefined, selfName: string | undefined, live: LiveState }
) {
  return (
    <header class="top">
      <div class="top-inner">
        <h1>Kiez</h1>
        {selfId !== undefined && (
          <p class="box">
            this box: <Author id={selfId} name={selfName} self={false} />
          </p>
        )}
        <p class={`live live-${live}`} role="status">
          <span class="dot" aria-hidden="true" />
          {LIVE_TEXT[live]}
        </p>
      </div>
      <nav class="top-inner nav" aria-label="Sections">
        <a href="#feed">Feed</a>
        <a href="#around">Around you</a>
        <a href="#reports">Reports</a>
        <a href="#muted">Muted</a>
        <a href="#profile">Your name</a>
      </nav>
    </header>
  )
}
