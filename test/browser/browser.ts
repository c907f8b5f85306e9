import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { DaemonProcess, NODE, ROOT, kiez } from '../../packages/cli/src/testing/daemons.js'

/** apt's Chromium: the fallback where @sparticuz/chromium has no binary (it ships Linux x64 only). */
export const CHROMIUM = '/usr/bin/chromium'
export const SCREENSHOTS = join(ROOT, 'test-output/screenshots')
export const PHONE = { width: 375, height: 812 }
export const LAPTOP = { width: 1280, height: 860 }

/** Which Chromium the browser tests run: the npm package's own binary first, then apt's. */
export function chromiumSource (): 'npm' | 'apt' | undefined {
  if (process.platform === 'linux' && process.arch === 'x64') {
    if (existsSync(join(ROOT, 'node_modules/@sparticuz/chromium/bin/chromium.br'))) return 'npm'
  }
  return existsSync(CHROMIUM) ? 'apt' : undefined
}

export function haveChromium (): boolean {
  return chromiumSource() !== undefined
}

/** Why the browser tests would skip, for the summary line; undefined when a Chromium is there. */
export function chromiumSkipReason (): string | undefined {
  return haveChromium()
    ? undefined
    : 'no Chromium: @sparticuz/chromium has no binary for this platform and /usr/bin/chromium is missing (apt-get install -y chromium)'
}

let executable: Promise<string> | undefined
/**
 * The Chromium binary's path. @sparticuz/chromium unpacks its brotli'd binary
 * to $TMPDIR/chromium on first use (about 2 s), and reuses it after; one
 * promise per process so two launches do not unpack it twice. Its own `args`
 * are not used: they switch web security off (`--disable-web-security`), and
 * the security tests need a browser that enforces it.
 */
async function chromiumPath (): Promise<string> {
  executable ??= (async () => {
    if (chromiumSource() === 'npm') {
      const { default: packaged } = await import('@sparticuz/chromium')
      return await packaged.executablePath()
    }
    return CHROMIUM
  })()
  return await executable
}

/**
 * Headless Chromium; with `netns`, inside that network namespace (a lab box), so
 * the page reaches the box as a browser on its LAN would. Playwright drives it
 * over a pipe, which `ip netns exec` passes through.
 */
export async function launch (opts: { netns?: string } = {}): Promise<Browser> {
  const binary = await chromiumPath()
  let executablePath = binary
  let wrapperDir: string | undefined
  if (opts.netns !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.netns)) throw new Error(`not a namespace name: ${opts.netns}`)
    wrapperDir = mkdtempSync(join(tmpdir(), 'kiez-chromium-'))
    executablePath = join(wrapperDir, 'chromium')
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${opts.netns} '${binary}' "$@"\n`, { mode: 0o755 })
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // launch() (not a persistent context) gives each run a fresh temporary user-data-dir, removed on close
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic'
    ]
  })
  if (wrapperDir !== undefined) {
    browser.on('disconnected', () => {
      rmSync(wrapperDir, { recursive: true, force: true })
    })
  }
  return browser
}

/** The page is served from packages/web/dist; build it if a bare `tsc -b` left it out. */
export async function ensureWebBuilt (): Promise<void> {
  if (existsSync(join(ROOT, 'packages/web/dist/index.html'))) return
  await new Promise<void>((resolve, reject) => {
    execFile(NODE, [join(ROOT, 'packages/web/scripts/build.js')], { timeout: 60_000 }, (err) => {
      if (err === null) resolve()
      else reject(err)
    })
  })
}

/** A box with its HTTP gateway on a free loopback port. */
export interface Box {
  daemon: DaemonProcess
  url: string
  dataDir: string
}

export async function startBox (extra: string[] = [], opts: { dataDir?: string, http?: string } = {}): Promise<Box> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kiez-web-'))
  const daemon = await DaemonProcess.start(dataDir, ['--http', opts.http ?? '127.0.0.1:0', ...extra])
  const line = await daemon.waitFor((l) => l.msg === 'http gateway listening', 15_000)
    .catch((err: Error) => {
      throw new Error(`the daemon did not serve HTTP (no "http gateway listening" log line): ${err.message}`)
    })
  const url = String(line.url)
  if (line.webFeed !== true) throw new Error(`the gateway at ${url} does not serve packages/web/dist`)
  return { daemon, url: url.endsWith('/') ? url : `${url}/`, dataDir }
}

/** A fresh one-time pairing code from `kiez pair --json` on the box (`--member NAME` with `member`). */
export async function pairingCode (box: Box, member?: string): Promise<string> {
  const r = await kiez([
    'pair',
    '--json',
    '--data-dir',
    box.dataDir,
    ...(member === undefined ? [] : ['--member', member])
  ])
  if (r.code !== 0) throw new Error(`kiez pair failed (${String(r.code)}): ${r.stderr.trim()} ${r.stdout.trim()}`)
  const code = (JSON.parse(r.stdout) as { code?: unknown }).code
  if (typeof code !== 'string') throw new Error(`kiez pair --json printed no code: ${r.stdout}`)
  return code
}

/** How long a browser test waits for something to show on a page. */
export const WAIT_MS = 20_000

/** The `.post-text` elements, within `scope` (a CSS selector: '.timeline' leaves out the report list's quotes). */
function postSelector (scope: string | undefined): string {
  return scope === undefined ? '.post-text' : `${scope} .post-text`
}

/** Texts of every post on the page (within `scope`), in document order. */
export async function postTexts (page: Page, scope?: string): Promise<string[]> {
  return await page.locator(postSelector(scope)).evaluateAll((els) => els.map((e) => e.textContent ?? ''))
}

/** Until a post with exactly `text` shows on the page (within `scope`). */
export async function waitForPost (
  page: Page,
  text: string,
  opts: { scope?: string, timeout?: number } = {}
): Promise<void> {
  await page.waitForFunction(
    ([sel, t]) => [...document.querySelectorAll(sel)].some((e) => e.textContent === t),
    [postSelector(opts.scope), text] as const,
    { timeout: opts.timeout ?? WAIT_MS }
  )
}

/** What a page did that it never should: script run by a payload, dialogs, CSP refusals, uncaught errors. */
export interface Watch {
  dialogs: string[]
  console: string[]
  pageErrors: string[]
  requests: string[]
}

/** A browser context (its own cookie jar: one "household browser") with a page watched for trouble. */
export async function openPage (
  browser: Browser,
  url: string,
  viewport = LAPTOP
): Promise<{ context: BrowserContext, page: Page, watch: Watch }> {
  const context = await browser.newContext({ viewport })
  // Records CSP violations: a payload that became markup would trip the policy.
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] }
    w.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  const page = await context.newPage()
  const watch: Watch = { dialogs: [], console: [], pageErrors: [], requests: [] }
  page.on('dialog', (d) => {
    watch.dialogs.push(`${d.type()}: ${d.message()}`)
    void d.dismiss()
  })
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') watch.console.push(m.text())
  })
  page.on('pageerror', (e) => {
    watch.pageErrors.push(e.message)
  })
  page.on('request', (r) => {
    watch.requests.push(r.url())
  })
  await page.goto(url)
  await page.locator('#compose-text').waitFor({ timeout: 15_000 })
  return { context, page, watch }
}

export async function screenshot (page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** Shots of one page at phone and laptop width (the viewport is restored after). */
export async function screenshots (page: Page, name: string): Promise<void> {
  const before = page.viewportSize() ?? LAPTOP
  for (const [size, vp] of [['phone', PHONE], ['laptop', LAPTOP]] as const) {
    await page.setViewportSize(vp)
    await page.waitForTimeout(100) // one layout pass
    await screenshot(page, `${name}-${size}`)
    // the first screen as a person sees it (a full phone page of 40 posts is too tall to look at)
    if (size === 'phone') await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone-first-screen.png`) })
  }
  await page.setViewportSize(before)
}

/**
 * Text whose contrast against its effective background is under WCAG AA
 * (4.5:1, or 3:1 for large text), as the page is rendered now.
 */
export async function lowContrast (page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const rgba = (s: string): [number, number, number, number] => {
      const m = s.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0]
      return [m[0] ?? 0, m[1] ?? 0, m[2] ?? 0, m[3] ?? 1]
    }
    const lum = ([r, g, b]: number[]): number => {
      const c = [r, g, b].map((v) => {
        const x = (v ?? 0) / 255
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4
      })
      return 0.2126 * (c[0] ?? 0) + 0.7152 * (c[1] ?? 0) + 0.0722 * (c[2] ?? 0)
    }
    const background = (el: Element | null): number[] => {
      for (; el !== null; el = el.parentElement) {
        const c = rgba(getComputedStyle(el).backgroundColor)
        if (c[3] > 0.5) return c
      }
      return [255, 255, 255, 1]
    }
    const out: string[] = []
    for (const el of document.body.querySelectorAll('*')) {
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '')
      if (!own || (el as HTMLElement).offsetParent === null || el.closest('.sr-only, .skip') !== null) continue
      const style = getComputedStyle(el)
      const fg = rgba(style.color)
      const bg = background(el)
      const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x) as [number, number]
      const ratio = (hi + 0.05) / (lo + 0.05)
      const size = parseFloat(style.fontSize)
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700)
      if (ratio < (large ? 3 : 4.5)) {
        out.push(`${el.tagName}.${el.className} "${(el.textContent ?? '').slice(0, 30)}" ${ratio.toFixed(2)}:1`)
      }
    }
    return out
  })
}

/** What hostile content managed on a page opened with openPage: each list must stay empty, `xss` undefined. */
export interface ScriptTrace {
  /** window.__xss, set by any corpus payload that ran */
  xss: unknown
  csp: string[]
  dialogs: string[]
  pageErrors: string[]
  /** elements or attributes only a payload turned markup would make (handlers, javascript: URLs, frames) */
  markup: string[]
  /** requests to anywhere but the box */
  offBox: string[]
}

export async function scriptTrace (page: Page, watch: Watch): Promise<ScriptTrace> {
  const inPage = await page.evaluate(() => {
    const markup: string[] = []
    const foreign =
      'script:not([src]), iframe, object, embed, base, img, video, audio, source, math, marquee, details, template, body style, input[autofocus], [contenteditable], meta[http-equiv=refresh]'
    for (const el of document.querySelectorAll(foreign)) markup.push(el.outerHTML.slice(0, 80))
    for (const el of document.body.querySelectorAll('*')) {
      for (const a of el.attributes) {
        const url = /^(href|src|srcdoc|action|formaction|data|poster|background|xlink:href)$/i.test(a.name) &&
          /^\s*(javascript|data|vbscript):/i.test(a.value)
        if (/^on/i.test(a.name) || url) markup.push(`${el.tagName} ${a.name}=${a.value.slice(0, 40)}`)
      }
    }
    return {
      xss: (window as unknown as { __xss?: unknown }).__xss,
      csp: (window as unknown as { __csp?: string[] }).__csp ?? [],
      markup
    }
  })
  const origin = new URL(page.url()).origin
  return {
    ...inPage,
    dialogs: [...watch.dialogs],
    pageErrors: [...watch.pageErrors, ...watch.console.filter((m) => /Refused to |Content Security Policy/.test(m))],
    offBox: watch.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))
  }
}

/** Nothing a payload could have done happened. */
export async function assertClean (page: Page, watch: Watch): Promise<void> {
  const state = await page.evaluate(() => ({
    xss: (window as unknown as { __xss?: unknown }).__xss,
    csp: (window as unknown as { __csp: string[] }).__csp
  }))
  expect(state.xss, 'a payload ran script').toBeUndefined()
  expect(state.csp, 'a payload became markup the CSP refused').toEqual([])
  expect(watch.dialogs, 'a payload opened a dialog').toEqual([])
  expect(watch.pageErrors).toEqual([])
  expect(watch.console.filter((m) => /Refused to |Content Security Policy/.test(m))).toEqual([])
  // only the box itself was ever asked for anything (no CDN, no fonts, no payload URLs)
  const origin = new URL(page.url()).origin
  expect(watch.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([])
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical findings on the page as it is now (the page's CSP does not apply to evaluate). */
export async function axeSerious (page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as {
      axe: {
        run: (
          ctx: Document,
          opts: unknown
        ) => Promise<{ violations: Array<{ id: string, impact: string, nodes: Array<{ target: unknown }> }> }>
      }
    }).axe
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => JSON.stringify(n.target))
    }))
  })
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 5).join(' ')}`)
}

/** POST /api/v1/<path> from the page's own browser (its cookie): the status and the JSON. */
export async function postJson (page: Page, path: string, body: unknown): Promise<{ status: number, json: any }> {
  return await page.evaluate(async ([p, b]) => {
    const res = await fetch(`/api/v1/${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(b)
    })
    return { status: res.status, json: await res.json().catch(() => undefined) }
  }, [path, body] as const)
}
