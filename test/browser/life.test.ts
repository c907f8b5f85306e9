import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, killAll } from '../../packages/cli/src/testing/daemons.js'
import {
  LAPTOP,
  WAIT_MS,
  type Box,
  type Watch,
  assertClean,
  axeSerious,
  chromiumSkipReason,
  ensureWebBuilt,
  launch,
  openPage,
  pairingCode,
  postJson,
  startBox,
  waitForPost
} from './browser.js'

/*
 * The noticeboard (issue 16 §3) in a real Chromium against a real daemon:
 * every kind composed on the page and shown, a poll voted by two members
 * with the tally and "how we know", RSVPs counted, done leaving the open
 * list, the alert banner, filters, the German page under Accept-Language de
 * with Intl dates, the language switch, the manifest and icons, the unread
 * count in the title, and axe-core with no serious or critical violation.
 */

const skipReason = chromiumSkipReason()
const skip = skipReason !== undefined
if (skip) console.warn(`test/browser: ${skipReason}: browser tests skipped`)

const DAY = 86_400_000
/** The README's screenshots: written by this test, committed. */
const IMG = join(ROOT, 'docs/img')
const PHONE_390 = { width: 390, height: 844 }

/** A datetime-local value for `ms` in the page's own time zone. */
async function localInput (page: Page, ms: number): Promise<string> {
  return await page.evaluate((t) => {
    const d = new Date(t)
    const p = (n: number): string => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
  }, ms)
}

async function compose (page: Page, kind: string, text: string, fill: Record<string, string> = {}): Promise<void> {
  await page.locator('#compose-kind').selectOption(kind)
  await page.locator('#compose-text').fill(text)
  for (const [id, value] of Object.entries(fill)) await page.locator(`#compose-${id}`).fill(value)
  await page.locator('.layout > main .compose > form button[type=submit]').first().click()
  await waitForPost(page, text, { scope: '.timeline' })
}

function postWith (page: Page, text: string) {
  return page.locator('.timeline .post').filter({ has: page.locator('.post-text', { hasText: text }) })
}

async function shot (page: Page, name: string, viewport: { width: number, height: number }): Promise<void> {
  mkdirSync(IMG, { recursive: true })
  await page.setViewportSize(viewport)
  await page.waitForTimeout(150)
  await page.screenshot({ path: join(IMG, `${name}.png`) })
}

describe.skipIf(skip)(`the noticeboard page${skip ? ` (skipped: ${skipReason})` : ''}`, () => {
  let box: Box
  let browser: Browser
  let page: Page
  let watch: Watch
  let german: BrowserContext | undefined
  let annaId: string
  // German texts: the README's screenshots show the page as a German neighbourhood uses it
  const offer = 'Bohrmaschine zu verleihen, Hof 3'
  const request = 'Suche Babysitter für Freitagabend'
  const event = 'Hoffest mit Kuchen'
  const early = 'Flohmarkt auf dem Lindenplatz'
  const poll = 'Welcher Tag für den Frühjahrsputz?'
  const alert = 'Wasserrohrbruch in der Lindenstraße: bitte Wasser sparen'
  let starts = 0

  beforeAll(async () => {
    await ensureWebBuilt()
    box = await startBox()
    browser = await launch()
    ;({ page, watch } = await openPage(browser, box.url, LAPTOP))
    const paired = await postJson(page, 'pair', { code: await pairingCode(box) })
    if (paired.status >= 300) throw new Error(`pairing refused: ${paired.status}`)
    const anna = await postJson(page, 'members', { name: 'Anna' })
    if (anna.status !== 201) throw new Error(`POST /members refused: ${anna.status}`)
    annaId = anna.json.author
    await page.reload()
    await page.locator('.posting-as').filter({ hasText: 'Anna' }).waitFor({ timeout: WAIT_MS })
  })

  /** The page posts as Anna again (switched by the API, so the page reloads to learn it). */
  async function backToAnna (): Promise<void> {
    expect((await postJson(page, 'session/current', { author: annaId })).status).toBe(200)
    await page.reload()
    await page.locator('.posting-as').filter({ hasText: 'Anna' }).waitFor({ timeout: WAIT_MS })
  }

  afterAll(async () => {
    await german?.close()
    await browser?.close()
    killAll()
    if (box !== undefined) rmSync(box.dataDir, { recursive: true, force: true })
  })

  it('composes every kind with its fields, and shows each with its kind and fields', async () => {
    await compose(page, 'offer', offer, { price: 'umsonst' })
    await compose(page, 'request', request)
    starts = Date.now() + 3 * DAY
    await compose(page, 'event', event, {
      starts: await localInput(page, starts),
      ends: await localInput(page, starts + 3 * 3_600_000),
      place: 'Hof 3, Innenhof'
    })
    await compose(page, 'event', early, { starts: await localInput(page, Date.now() + DAY), place: 'Lindenplatz' })
    await compose(page, 'lost', 'Graue Katze entlaufen, hört auf Mimi')
    await compose(page, 'found', 'Schlüsselbund mit blauem Anhänger gefunden')
    await compose(page, 'recommendation', 'Bäckerei Kühn: die besten Schrippen im Kiez')
    await page.locator('#compose-kind').selectOption('poll')
    await page.locator('#compose-option-1').fill('Samstag')
    await page.locator('#compose-option-2').fill('Sonntag')
    await page.getByRole('button', { name: 'Add an option' }).click()
    await page.locator('#compose-option-3').fill('Egal')
    await compose(page, 'poll', poll)
    await compose(page, 'alert', alert)

    expect(await postWith(page, offer).locator('.kind-badge').textContent()).toBe('Offer')
    expect(await postWith(page, offer).locator('.price').textContent()).toBe('Price: umsonst')
    expect(await postWith(page, request).locator('.kind-badge').textContent()).toBe('Request')
    const ev = postWith(page, event)
    expect(await ev.locator('.place').textContent()).toBe('Hof 3, Innenhof')
    expect(await ev.locator('time.starts').getAttribute('datetime')).toBe(
      new Date(Math.floor(starts / 60_000) * 60_000).toISOString()
    )
    for (const [kind, label] of [['lost', 'Lost'], ['found', 'Found'], ['recommendation', 'Recommendation']]) {
      expect(await page.locator(`.timeline .kind-${kind} .kind-badge`).first().textContent()).toBe(label)
    }
    const p = postWith(page, poll)
    expect(await p.locator('.poll-options label').allTextContents()).toEqual(['Samstag', 'Sonntag', 'Egal'])
    // what the box stored is what the page sent: the API agrees
    const feed = await page.evaluate(async () => await (await fetch('/api/v1/feed?kind=event')).json())
    const stored = feed.entries.find((e: { text: string }) => e.text === event)
    expect(stored.place).toBe('Hof 3, Innenhof')
    expect(stored.ends - stored.starts).toBe(3 * 3_600_000)
  })

  it('votes on a poll; a second member\'s vote arrives live; the tally and "how we know" show both', async () => {
    const p = postWith(page, poll)
    await p.getByLabel('Sonntag').check()
    await p.getByRole('button', { name: 'Vote' }).click()
    await p.locator('.tally-summary').filter({ hasText: '1 person' }).waitFor({ timeout: WAIT_MS })
    expect(await p.locator('.poll-count').allTextContents()).toEqual(['0 votes', '1 vote', '0 votes'])
    // Ben, a second member of the household, votes from the API (the page hears it on the event stream)
    const id = (await p.getAttribute('id'))?.slice(2) as string
    const ben = await postJson(page, 'members', { name: 'Ben' })
    expect(ben.status).toBe(201)
    expect((await postJson(page, 'posts', { kind: 'vote', target: id, choices: [1] })).status).toBe(201)
    await p.locator('.tally-summary').filter({ hasText: '2 people' }).waitFor({ timeout: WAIT_MS })
    expect(await p.locator('.poll-count').allTextContents()).toEqual(['0 votes', '2 votes', '0 votes'])
    await p.locator('.how-we-know summary').click()
    expect(await p.locator('.how-we-know li').count()).toBe(2)
    expect(await p.locator('.how-we-know li').first().textContent()).toContain('Sonntag')
    // back to Anna for the rest
    await backToAnna()
  })

  it('counts RSVPs: the page\'s "Going" and another member\'s "maybe"', async () => {
    const ev = postWith(page, event)
    await ev.getByRole('button', { name: 'Going', exact: true }).click()
    await ev.locator('.rsvp-counts').filter({ hasText: '1 going · 0 maybe' }).waitFor({ timeout: WAIT_MS })
    expect(await ev.getByRole('button', { name: 'Going', exact: true }).getAttribute('aria-pressed')).toBe('true')
    const id = (await ev.getAttribute('id'))?.slice(2) as string
    const cleo = await postJson(page, 'members', { name: 'Cleo' })
    expect(cleo.status).toBe(201)
    expect((await postJson(page, 'posts', { kind: 'rsvp', target: id, answer: 'maybe' })).status).toBe(201)
    await ev.locator('.rsvp-counts').filter({ hasText: '1 going · 1 maybe · 0 not going' }).waitFor({
      timeout: WAIT_MS
    })
    await backToAnna()
  })

  it('lists upcoming events by start time, not by post time', async () => {
    const listed = await page.locator('#upcoming li a').allTextContents()
    // the flea market was posted after the street party, but starts first
    expect(listed).toEqual([early, event])
  })

  it('marks an own offer done: it leaves the open list and stays in the feed', async () => {
    await page.locator('#open li a', { hasText: offer }).waitFor({ timeout: WAIT_MS })
    expect(await page.locator('#open li a').allTextContents()).toContain(request)
    await postWith(page, offer).getByRole('button', { name: 'Mark as given away' }).click()
    await postWith(page, offer).locator('.done-mark').filter({ hasText: 'Given away' }).waitFor({ timeout: WAIT_MS })
    await page.locator('#open li a', { hasText: offer }).waitFor({ state: 'detached', timeout: WAIT_MS })
    expect(await page.locator('#open li a').allTextContents()).toContain(request)
    expect(await postWith(page, offer).count()).toBe(1)
  })

  it('pins an alert in the banner on top of the page', async () => {
    const banner = page.locator('.alerts .alert-text')
    await banner.filter({ hasText: alert }).waitFor({ timeout: WAIT_MS })
    // the banner comes before the feed in the document: on top
    const order = await page.evaluate(() => {
      const a = document.querySelector('.alerts')
      const f = document.querySelector('#feed')
      return a !== null && f !== null && (a.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0
    })
    expect(order).toBe(true)
  })

  it('filters the feed by kind', async () => {
    await page.getByRole('button', { name: 'Events', exact: true }).click()
    const kinds = await page.locator('.timeline > li > article').evaluateAll((els) => els.map((e) => e.className))
    expect(kinds.length).toBe(2)
    expect(kinds.every((c) => c.includes('kind-event'))).toBe(true)
    await page.getByRole('button', { name: 'Offers & requests' }).click()
    expect(await page.locator('.timeline .post-text').allTextContents()).toEqual([request, offer])
    await page.getByRole('button', { name: 'Everything' }).click()
    await waitForPost(page, poll, { scope: '.timeline' })
  })

  it('searches everything the box holds and shows the hits with their kind', async () => {
    await page.locator('#search-q').fill('bohrmaschine')
    await page.locator('form.search button[type=submit]').click()
    const title = page.locator('#search-title')
    await title.filter({ hasText: '1 result for “bohrmaschine”' }).waitFor({ timeout: WAIT_MS })
    const hit = page.locator('.search-results .search-hit')
    expect(await hit.locator('.post-text').textContent()).toBe(offer)
    expect(await hit.locator('.kind-badge').textContent()).toBe('Offer')
    // a word in no entry: zero hits, said so
    await page.locator('#search-q').fill('zeppelin')
    await page.locator('form.search button[type=submit]').click()
    await title.filter({ hasText: '0 results for “zeppelin”' }).waitFor({ timeout: WAIT_MS })
    await page.getByRole('button', { name: 'Back to the feed' }).click()
    expect(await page.locator('.search-results').count()).toBe(0)
  })

  it('counts posts that came while the tab was hidden in the title, and clears them when shown', async () => {
    expect(await page.title()).toBe('Kiez')
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    expect((await postJson(page, 'posts', { text: 'Hat jemand ein Lastenrad?' })).status).toBe(201)
    expect((await postJson(page, 'posts', { text: 'Danke für die Blumen!' })).status).toBe(201)
    await page.waitForFunction(() => document.title === '(2) Kiez', undefined, { timeout: WAIT_MS })
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await page.waitForFunction(() => document.title === 'Kiez', undefined, { timeout: WAIT_MS })
  })

  it('has no serious or critical axe-core violation on the English page, polls, events, lists and search included', async () => {
    await postWith(page, poll).locator('.how-we-know').evaluate((d) => d.setAttribute('open', ''))
    // search results open too
    await page.locator('#search-q').fill('hoffest')
    await page.locator('form.search button[type=submit]').click()
    await page.locator('#search-title').filter({ hasText: '1 result' }).waitFor({ timeout: WAIT_MS })
    expect(await axeSerious(page)).toEqual([])
    await assertClean(page, watch)
  })

  it('serves the web app manifest and its PNG icons with their content types, linked from the page', async () => {
    const href = await page.locator('link[rel=manifest]').getAttribute('href')
    expect(href).toBe('/manifest.webmanifest')
    const res = await page.request.get(new URL(href as string, box.url).toString())
    expect(res.status()).toBe(200)
    expect(res.headers()['content-type']).toMatch(/^application\/manifest\+json/)
    const manifest = await res.json() as { name: string, icons: Array<{ src: string, sizes: string, type: string }> }
    expect(manifest.name).toBe('Kiez')
    expect(manifest.icons.map((i) => i.sizes)).toContain('512x512')
    for (const icon of manifest.icons) {
      const png = await page.request.get(new URL(icon.src, box.url).toString())
      expect(png.status()).toBe(200)
      expect(png.headers()['content-type']).toBe('image/png')
      const body = await png.body()
      expect(body.subarray(1, 4).toString('ascii')).toBe('PNG')
      // IHDR's width and height are the size the manifest says
      expect(`${body.readUInt32BE(16)}x${body.readUInt32BE(20)}`).toBe(icon.sizes)
    }
    // the browser itself read the manifest under the page's CSP (manifest-src 'self')
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([])
  })

  it('speaks German under Accept-Language de, with Intl dates; screenshots for the README', async () => {
    german = await browser.newContext({ viewport: PHONE_390, locale: 'de-DE', timezoneId: 'Europe/Berlin' })
    const de = await german.newPage()
    const sent: string[] = []
    de.on('request', (r) => {
      const h = r.headers()['accept-language']
      if (h !== undefined) sent.push(h)
    })
    await de.goto(box.url)
    await de.locator('#compose-text').waitFor({ timeout: WAIT_MS })
    expect(sent[0]).toMatch(/^de/)
    expect(await de.locator('html').getAttribute('lang')).toBe('de')
    expect(await de.locator('label[for=compose-text]').textContent()).toBe('Schreib deinen Nachbarn')
    expect(await de.getByRole('button', { name: 'Angebote & Gesuche' }).count()).toBe(1)
    expect(await de.locator('#upcoming-title').textContent()).toBe('Kommende Veranstaltungen')
    const ev = postWith(de, event)
    await ev.waitFor({ timeout: WAIT_MS })
    expect(await ev.getByRole('button', { name: 'Ich komme', exact: true }).count()).toBe(1)
    // the start as Intl formats it in German, Berlin time (weekday, day, month, time): e.g. "Mo., 7. Dez., 18:30"
    const expected = new Intl.DateTimeFormat('de-DE', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: 'Europe/Berlin'
    }).format(Math.floor(starts / 60_000) * 60_000)
    expect(await ev.locator('time.starts').textContent()).toBe(expected)
    expect(expected).toMatch(/^(Mo|Di|Mi|Do|Fr|Sa|So)\./)
    expect(await postWith(de, poll).locator('.tally-summary').textContent()).toBe('2 Personen in 1 Haushalt')
    await de.locator('.alerts .alert-text').filter({ hasText: alert }).waitFor({ timeout: WAIT_MS })
    expect(await axeSerious(de)).toEqual([])
    await shot(de, 'noticeboard-de-phone', PHONE_390)
    await shot(de, 'noticeboard-de-desktop', LAPTOP)
    // the event and the poll as a phone shows them
    await de.setViewportSize(PHONE_390)
    await postWith(de, poll).evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await de.screenshot({ path: join(IMG, 'noticeboard-de-phone-poll.png') })
    await postWith(de, event).evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await de.screenshot({ path: join(IMG, 'noticeboard-de-phone-event.png') })
    expect(await axeSerious(de)).toEqual([])
  })

  it('switches the language, and remembers the choice', async () => {
    const de = german?.pages()[0] as Page
    await de.locator('#lang-select').selectOption('en')
    await de.locator('label[for=compose-text]').filter({ hasText: 'Write to your neighbours' }).waitFor()
    expect(await de.locator('html').getAttribute('lang')).toBe('en')
    await de.reload()
    await de.locator('#compose-text').waitFor({ timeout: WAIT_MS })
    expect(await de.locator('label[for=compose-text]').textContent()).toBe('Write to your neighbours')
    await de.locator('#lang-select').selectOption('de')
    expect(await de.locator('label[for=compose-text]').textContent()).toBe('Schreib deinen Nachbarn')
  })
})
