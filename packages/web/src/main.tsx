/**
 * @packageDocumentation
 *
 * The web feed page (this package has no index.ts: this is its entry point),
 * preact bundled by esbuild into `dist/` with hashed names, served by the
 * gateway at `/`; no CDN, it works offline from the box.
 *
 * Runs in the browser and talks to the gateway's `/api/v1` only (api.ts,
 * live.ts). Must not import server code or any `@kiez/*` package.
 */
import { render } from 'preact'
import { App } from './ui/App.js'

const root = document.getElementById('app')
if (root !== null) render(<App />, root)
