import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { ControlClient } from '@kiez/daemon/control'
import { killAll } from '../../packages/cli/src/testing/daemons.js'
import {
  LAPTOP,
  PHONE,
  SCREENSHOTS,
  type Box,
  type Watch,
  assertClean,
  ensureWebBuilt,
  chromiumSkipReason,
  launch,
  lowContrast,
  openPage,
  pairingCode,
  postTexts,
  screenshot,
  screenshots,
  startBox,
  waitForPost
} from './browser.js'
import { XSS_CORPUS } from './xss-corpus.js'

/*
 * The web feed page in a real (headless Debian) Chromium against two real
 * daemons on loopback: B bootstrapped to A, each serving the page from its
 * own HTTP gateway. Each box gets its own browser context (cookie jar).
 */

const skipReason = chromiumSkipReason()
const skip = skipReason !== undefined
if (skip) console.warn(`test/browser: ${skipReason}: browser tests skipped`)

const STAMP = Date.now().toString(36)
const WAIT = 20_000

/** The compose box's form parts. */
function compose (page: Page) {
  return {
    text: page.locator('#compose-text'),
    // the compose box's own form: above it, the page may ask a fresh box's first browser for a name
    submit: page.locator('.layout > main .compose > form button[type=submit]').first(),
    alert: page.locator('main > .panel .compose [role=alert]').first()
  }
}

describe.skipIf(skip)(`web feed page in Chromium against two daemons${skip ? ` (skipped: ${skipReason})` : ''}`, () => {
  let a: Box
  let b: Box
  let browser: Browser
  let pageA: Page
  let pageB: Page
  let watchA: Watch
  let watchB: Watch
  const first = `Hello from box A ${STAMP} — fresh rolls at 7`
  const reply = `Reply from box B ${STAMP}: I will come by`

  beforeAll(async () => {
    await ensureWebBuilt()
    a = await startBox()
    b = await startBox(['--bootstrap', a.daemon.listenAddrs[0] as string])
    browser = await launch()
    ;({ page: pageA, watch: watchA } = await openPage(browser, a.url))
    ;({ page: pageB, watch: watchB } = await openPage(browser, b.url))
  })

  afterAll(async () => {
    await browser?.close()
    killAll()
    for (const box of [a, b]) if (box !== undefined) rmSync(box.dataDir, { recursive: true, force: true })
  })

  it('serves the page under its strict CSP, from the box alone', async () => {
    const res = await pageA.request.get(a.url)
    expect(res.headers()['content-security-policy']).toContain('script-src \'self\'')
    expect(await pageA.title()).toBe('Kiez')
    // no inline script or style in what the box serves
    const html = await res.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/<style|style=/)
    await assertClean(pageA, watchA)
  })

  it('not paired: a clear error, the pairing form, and the text kept', async () => {
    const c = compose(pageA)
    await c.text.fill(first)
    await c.submit.click()
    await expect.poll(async () => await c.alert.textContent(), { timeout: WAIT }).toMatch(/not paired/i)
    expect(await c.text.inputValue()).toBe(first)
    await pageA.locator('#compose-pair-code').waitFor()
    await screenshots(pageA, 'a-not-paired')
  })

  it('pairs with the code from `kiez pair`, posts, and the post appears live on box B', async () => {
    await pageA.locator('#compose-pair-code').fill(await pairingCode(a))
    await pageA.locator('.compose .pair-form button[type=submit]').first().click()
    await pageA.locator('main .compose .notice').filter({ hasText: 'Paired' }).waitFor({ timeout: WAIT })
    // the text survived the pairing detour; send it
    const c = compose(pageA)
    expect(await c.text.inputValue()).toBe(first)
    await c.submit.click()
    await waitForPost(pageA, first)
    expect(await c.text.inputValue()).toBe('')
    // B's page was loaded before the post existed: it arrives by gossip + SSE, no reload
    await waitForPost(pageB, first)
    expect(await pageA.locator('.post').filter({ hasText: first }).locator('.badge').textContent()).toBe('this box')
  })

  it('a wrong pairing code shows the server\'s refusal', async () => {
    await pageB.locator('#side-pair-code').fill('WRONG-CODE')
    await pageB.locator('aside .pair-form button[type=submit]').click()
    await expect.poll(async () => await pageB.locator('aside .pair-form [role=alert]').textContent(), { timeout: WAIT })
      .toMatch(/Pairing failed: .*\(bad_pairing_code\)/)
  })

  it('a #pair=CODE link (the QR code of `kiez pair`) pre-fills the code and leaves the address bar', async () => {
    const code = await pairingCode(a)
    const { context, page } = await openPage(browser, `${a.url}#pair=${code}`, PHONE)
    try {
      const input = page.locator('#side-pair-code')
      expect(await input.inputValue()).toBe(code)
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('side-pair-code')
      expect(new URL(page.url()).hash).toBe('')
      await page.keyboard.press('Enter')
      await page.locator('aside .notice').filter({ hasText: 'paired' }).waitFor({ timeout: WAIT })
    } finally {
      await context.close()
    }
  })

  it('a reply on B shows threaded under the post on A', async () => {
    await pageB.locator('#side-pair-code').fill(await pairingCode(b))
    await pageB.locator('aside .pair-form button[type=submit]').click()
    await pageB.locator('aside .notice').filter({ hasText: 'paired' }).waitFor({ timeout: WAIT })
    const post = pageB.locator('.timeline > .thread').filter({ hasText: first })
    await post.getByRole('button', { name: 'Reply' }).first().click()
    const box = post.locator('textarea')
    await box.fill(reply)
    await post.getByRole('button', { name: 'Send reply' }).click()
    await waitForPost(pageB, reply)
    await waitForPost(pageA, reply)
    // threaded: the reply is inside the post's reply list on A, not a top-level post
    const thread = pageA.locator('.timeline > .thread').filter({ has: pageA.locator('.post-text', { hasText: first }) })
    expect(await thread.locator('.replies .post-text').allTextContents()).toContain(reply)
    expect(await pageA.locator('.timeline > .thread > .post .post-text').allTextContents()).not.toContain(reply)
  })

  it('a post over 8192 UTF-8 bytes is refused with a clear error, text kept, nothing sent', async () => {
    const long = `${'ä'.repeat(4096)}!` // 8193 bytes, 4097 characters
    const control = new ControlClient({ socketPath: `${a.dataDir}/control.sock` })
    const before = (await control.status()).counts.entries
    const c = compose(pageA)
    await c.text.fill(long)
    await expect.poll(async () => await pageA.locator('#compose-count').textContent()).toBe('8193 / 8192 bytes')
    await c.submit.click()
    await expect.poll(async () => await c.alert.textContent(), { timeout: WAIT }).toMatch(/too long.*8193 bytes.*8192/i)
    expect(await c.text.inputValue()).toBe(long)
    expect(await c.text.getAttribute('aria-invalid')).toBe('true')
    await screenshot(pageA, 'a-too-long-laptop')
    expect((await control.status()).counts.entries).toBe(before)
    await c.text.fill('')
  })

  it('keyboard only: tab to the text box, type, tab to Post, press Enter', async () => {
    const text = `Typed without a mouse ${STAMP}`
    await pageA.reload()
    await pageA.locator('#compose-text').waitFor()
    const focused = async (): Promise<string> =>
      await pageA.evaluate(() => {
        const el = document.activeElement
        return el === null ? '' : `${el.tagName}#${el.id}`
      })
    let steps = 0
    while (await focused() !== 'TEXTAREA#compose-text') {
      if (++steps > 15) throw new Error(`Tab never reached the text box (at ${await focused()})`)
      await pageA.keyboard.press('Tab')
    }
    await pageA.keyboard.type(text)
    await pageA.keyboard.press('Tab')
    expect(await focused()).toBe('BUTTON#')
    expect(await pageA.evaluate(() => (document.activeElement as HTMLElement).textContent)).toBe('Post')
    // the focus ring is visible (not outline: none)
    const outline = await pageA.evaluate(() => getComputedStyle(document.activeElement as HTMLElement).outlineStyle)
    expect(outline).not.toBe('none')
    await pageA.keyboard.press('Enter')
    await waitForPost(pageA, text)
    await waitForPost(pageB, text)
    // a reply by keyboard: Enter on Reply opens a focused text box, Ctrl+Enter sends, focus returns to Reply
    const replyText = `Keyboard reply ${STAMP}`
    const thread = pageA.locator('.timeline > .thread').filter({ has: pageA.locator('.post-text', { hasText: text }) })
    await thread.getByRole('button', { name: 'Reply' }).focus()
    await pageA.keyboard.press('Enter')
    await expect.poll(focused).toMatch(/^TEXTAREA#reply-/)
    await pageA.keyboard.type(replyText)
    await pageA.keyboard.press('Control+Enter')
    await waitForPost(pageA, replyText)
    expect(await thread.locator('.replies .post-text').allTextContents()).toContain(replyText)
    await expect.poll(async () => await pageA.evaluate(() => document.activeElement?.textContent)).toBe('Reply')
  })

  it('sets the box author\'s display name; B shows it on A\'s posts', async () => {
    const name = `Bäckerei Nr. 12 ${STAMP}`
    await pageA.locator('#profile-name').fill(name)
    await pageA.getByRole('button', { name: 'Save name' }).click()
    await pageA.locator('#profile .notice').waitFor({ timeout: WAIT })
    await pageB.waitForFunction(
      (n) => [...document.querySelectorAll('.author-name')].some((e) => e.textContent === n),
      name,
      { timeout: WAIT }
    )
  })

  it('"Around you" shows the neighbour, how it was found, and the sync state', async () => {
    await pageB.reload()
    const peerOnB = pageB.locator('#around .peer')
    await eventually(async () => (await peerOnB.count()) > 0 ? true : undefined, {
      what: 'B\'s page to list A',
      timeoutMs: WAIT,
      intervalMs: 200
    })
    const text = await peerOnB.first().textContent()
    expect(text).toContain('configured bootstrap box') // B was started with --bootstrap A
    expect(text).toMatch(/latency|not measured/)
    expect(text).toMatch(/in sync|not in sync|syncing|sync: /)
    await pageA.reload()
    await eventually(async () => (await pageA.locator('#around .peer').count()) > 0 ? true : undefined, {
      what: 'A\'s page to list B',
      timeoutMs: WAIT,
      intervalMs: 200
    })
    expect(await pageA.locator('#around .peer').first().textContent()).toContain('connected to us')
  })

  it(`shows ${XSS_CORPUS.length} hostile posts as literal text on both boxes, running nothing`, async () => {
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(30)
    const texts = XSS_CORPUS.map((p, i) => `xss ${String(i + 1).padStart(2, '0')} ${STAMP}: ${p}`)
    // a few through the page itself, the rest through the control socket (the gateway rate-limits posting)
    const viaPage = texts.slice(0, 4)
    for (const t of viaPage) {
      await compose(pageA).text.fill(t)
      await compose(pageA).submit.click()
      await waitForPost(pageA, t)
    }
    const control = new ControlClient({ socketPath: `${a.dataDir}/control.sock` })
    for (const t of texts.slice(viaPage.length)) await control.post({ text: t })
    for (const [page, watch] of [[pageA, watchA], [pageB, watchB]] as const) {
      await page.reload()
      await page.locator('#compose-text').waitFor()
      // more payloads than one page: follow "Older posts" until every one is shown
      await eventually(async () => {
        const shown = new Set(await postTexts(page))
        if (texts.every((t) => shown.has(t))) return true
        const older = page.getByRole('button', { name: 'Older posts' })
        if (await older.isVisible()) await older.click()
        return undefined
      }, { what: 'every payload on the page', timeoutMs: WAIT, intervalMs: 200 })
      // text nodes only: inside post text the one element allowed is a validated http(s) link
      const odd = await page.evaluate(() =>
        [...document.querySelectorAll('.post-text *')]
          .filter((el) =>
            !(el.tagName === 'A' && /^https?:\/\//.test(el.getAttribute('href') ?? '') &&
              [...el.attributes].every((a) => ['href', 'rel', 'target'].includes(a.name)))
          )
          .map((el) => el.outerHTML)
      )
      expect(odd).toEqual([])
      const handlers = await page.evaluate(() =>
        [...document.querySelectorAll('*')].flatMap((el) =>
          [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName} ${a.name}`)
        )
      )
      expect(handlers).toEqual([])
      // hover and focus everything a payload might have hooked
      await page.mouse.move(10, 10)
      await page.mouse.move(200, 400)
      await assertClean(page, watch)
    }
    await screenshots(pageA, 'a-xss')
  })

  it('a reply to a post beyond the loaded pages can fetch and quote that post', async () => {
    const control = new ControlClient({ socketPath: `${a.dataDir}/control.sock` })
    const all = await control.feed({ limit: 200 })
    const target = all.entries.find((e) => e.text === first)
    expect(target).toBeDefined()
    const late = `A late reply to the first post ${STAMP}`
    await control.post({ text: late, replyTo: target?.id })
    await pageA.reload()
    await waitForPost(pageA, late)
    const card = pageA.locator('.timeline > .thread').filter({ has: pageA.locator('.post-text', { hasText: late }) })
      .first()
    await card.getByRole('button', { name: 'show that post' }).click()
    await card.locator('blockquote.parent .post-text', { hasText: first }).waitFor({ timeout: WAIT })
  })

  it('edits and deletes its own posts (a delete asks first), and offers neither on a neighbour\'s', async () => {
    const control = new ControlClient({ socketPath: `${a.dataDir}/control.sock` })
    const original = `To be edited ${STAMP}`
    const doomed = await control.post({ text: `To be deleted ${STAMP}` })
    const answer = `A reply that outlives its post ${STAMP}`
    await control.post({ text: answer, replyTo: doomed.id })
    const mine = await control.post({ text: original })
    await pageA.reload()
    await waitForPost(pageA, original)
    const card = pageA.locator(`#e-${mine.id}`)

    // edit: the text box starts with the post's text; saving shows the new text, marked edited
    await card.getByRole('button', { name: 'Edit' }).click()
    const box = card.locator('textarea')
    await expect.poll(async () => await pageA.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA')
    expect(await box.inputValue()).toBe(original)
    const edited = `Edited: ${original}`
    await box.fill(edited)
    await card.getByRole('button', { name: 'Save' }).click()
    await waitForPost(pageA, edited)
    expect(await card.locator('.edited').textContent()).toBe('edited')
    expect(await postTexts(pageA)).not.toContain(original)
    expect(await card.locator('textarea').count()).toBe(0)
    await expect.poll(async () => await pageA.evaluate(() => document.activeElement?.textContent)).toBe('Edit')
    const got = await pageA.request.get(`${a.url}api/v1/entries/${mine.id}`)
    expect(await got.json()).toMatchObject({ text: edited, edited: true })

    // delete asks first; "Keep it" keeps it
    const target = pageA.locator(`#e-${doomed.id}`)
    await target.getByRole('button', { name: 'Delete' }).click()
    const question = target.getByRole('group', { name: 'Delete this post?' })
    await question.waitFor()
    await expect.poll(async () => await pageA.evaluate(() => document.activeElement?.textContent)).toBe('Yes, delete')
    await target.screenshot({ path: join(SCREENSHOTS, 'a-delete-question.png') })
    await question.getByRole('button', { name: 'Keep it' }).click()
    expect(await question.count()).toBe(0)
    await waitForPost(pageA, `To be deleted ${STAMP}`)
    // then deleted for good: the post leaves the page, its reply stays and says what became of it
    await target.getByRole('button', { name: 'Delete' }).click()
    await target.getByRole('button', { name: 'Yes, delete' }).click()
    await target.waitFor({ state: 'detached', timeout: WAIT })
    expect(await postTexts(pageA)).not.toContain(`To be deleted ${STAMP}`)
    expect((await pageA.request.get(`${a.url}api/v1/entries/${doomed.id}`)).status()).toBe(410)
    const orphan = pageA.locator('.timeline > .thread').filter({
      has: pageA.locator('.post-text', { hasText: answer })
    })
    await orphan.getByRole('button', { name: 'show that post' }).click()
    await expect.poll(async () => await orphan.locator('.reply-note [role=alert]').textContent(), { timeout: WAIT })
      .toBe('Its author deleted that post.')
    await pageA.reload()
    await waitForPost(pageA, answer)
    expect(await postTexts(pageA)).not.toContain(`To be deleted ${STAMP}`)
    await waitForPost(pageA, edited)

    // on B, A's posts are a neighbour's: no Edit, no Delete; B's own reply has both
    const bReply = await new ControlClient({ socketPath: `${b.dataDir}/control.sock` }).post({
      text: `B answers the edited post ${STAMP}`,
      replyTo: mine.id
    })
    await eventually(async () => {
      const f = await control.feed({ limit: 50 })
      return f.entries.some((e) => e.id === bReply.id) ? true : undefined
    }, { what: 'B\'s reply to reach A', timeoutMs: WAIT, intervalMs: 200 })
    await pageB.reload()
    await waitForPost(pageB, edited)
    await waitForPost(pageB, bReply.text as string)
    const theirs = pageB.locator(`#e-${mine.id}`)
    expect(await theirs.getByRole('button', { name: 'Reply' }).count()).toBe(1)
    expect(await theirs.getByRole('button', { name: /^(Edit|Delete)$/ }).count()).toBe(0)
    const own = pageB.locator(`#e-${bReply.id}`)
    expect(await own.getByRole('button', { name: /^(Edit|Delete)$/ }).count()).toBe(2)
    await assertClean(pageA, watchA)
  })

  it('an edit and a delete made on A show on B\'s open page without a reload', async () => {
    const control = new ControlClient({ socketPath: `${a.dataDir}/control.sock` })
    const before = `Live edit, before ${STAMP}`
    const after = `Live edit, after ${STAMP}`
    const p = await control.post({ text: before })
    await waitForPost(pageB, before)
    await control.editEntry(p.id, after)
    await waitForPost(pageB, after)
    expect(await postTexts(pageB)).not.toContain(before)
    expect(await pageB.locator(`#e-${p.id} .edited`).textContent()).toBe('edited')
    await control.deleteEntry(p.id)
    await pageB.locator(`#e-${p.id}`).waitFor({ state: 'detached', timeout: WAIT })
    expect(await postTexts(pageB)).not.toContain(after)
    await assertClean(pageB, watchB)
  })

  it('pages to older posts with the cursor', async () => {
    const control = new ControlClient({ socketPath: `${a.dataDir}/control.sock` })
    const total = (await control.status()).counts.entries
    expect(total).toBeGreaterThan(30) // more than one page of 30
    await pageA.reload()
    await pageA.locator('#compose-text').waitFor()
    const older = pageA.getByRole('button', { name: 'Older posts' })
    await older.waitFor({ timeout: WAIT })
    const firstPage = (await postTexts(pageA)).length
    await older.click()
    await eventually(async () => (await postTexts(pageA)).length > firstPage ? true : undefined, {
      what: 'older posts to load',
      timeoutMs: WAIT,
      intervalMs: 200
    })
    // the oldest post, the first one, is reachable
    while (await older.isVisible()) await older.click()
    await waitForPost(pageA, first)
    await pageA.locator('.end').waitFor()
  })

  it('a burst of 300 posts from the neighbour arrives live, in order, on an open page', async () => {
    const control = new ControlClient({ socketPath: `${b.dataDir}/control.sock` })
    await pageA.reload()
    await pageA.locator('.post').first().waitFor()
    const started = Date.now()
    const burst = Array.from({ length: 300 }, (_, i) => `burst ${String(i).padStart(3, '0')} ${STAMP}`)
    for (const text of burst) await control.post({ text })
    await waitForPost(pageA, burst[299] as string, { timeout: 30_000 })
    await eventually(async () => {
      const shown = (await postTexts(pageA)).filter((t) => t.startsWith('burst '))
      return shown.length === burst.length ? shown : undefined
    }, { what: 'all 300 on the page', timeoutMs: WAIT, intervalMs: 200 })
    // every one once, newest first (posts in the same millisecond may stand in either order)
    const shown = await pageA.locator('.timeline > .thread > .post').evaluateAll((els) =>
      els
        .map((el) => ({
          text: el.querySelector('.post-text')?.textContent ?? '',
          at: Date.parse(el.querySelector('time')?.getAttribute('datetime') ?? '')
        }))
        .filter((p) => p.text.startsWith('burst '))
    )
    expect(new Set(shown.map((p) => p.text))).toEqual(new Set(burst))
    expect(shown.length).toBe(burst.length)
    for (let i = 1; i < shown.length; i++) expect(shown[i - 1]!.at).toBeGreaterThanOrEqual(shown[i]!.at)
    console.log(`test/browser: 300 posts written on B reached A's open page in ${Date.now() - started} ms`)
  })

  it('looks right on a phone and a laptop (screenshots)', async () => {
    for (const [page, name] of [[pageA, 'a-feed'], [pageB, 'b-feed']] as const) {
      await page.reload()
      await page.locator('.post').first().waitFor()
      await screenshots(page, name)
    }
    expect(await lowContrast(pageA)).toEqual([])
    expect(await lowContrast(pageB)).toEqual([])
    await pageA.emulateMedia({ colorScheme: 'dark' })
    expect(await lowContrast(pageA)).toEqual([])
    await screenshot(pageA, 'a-feed-dark-laptop')
    await pageA.emulateMedia({ colorScheme: 'light' })
    // nothing scrolls sideways at 375 px, whatever the posts hold
    await pageA.setViewportSize(PHONE)
    expect(await pageA.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await pageA.setViewportSize(LAPTOP)
  })

  it('the box restarts: the page reconnects by itself and new posts appear without a reload', async () => {
    const host = new URL(a.url).host
    a.daemon.kill('SIGTERM')
    expect((await a.daemon.exited).code).toBe(0)
    await pageA.locator('.live').filter({ hasText: 'reconnecting' }).waitFor({ timeout: WAIT })
    a = await startBox([], { dataDir: a.dataDir, http: host })
    const control = new ControlClient({ socketPath: `${a.dataDir}/control.sock` })
    // posted while the page is most likely still waiting to reconnect: nothing can replay it (a new
    // gateway run answers an old event id with `reset`; a page that saw no id reloads by itself)
    const during = `While the page reconnects ${STAMP}`
    await control.post({ text: during })
    await pageA.locator('.live').filter({ hasText: /^live$/ }).waitFor({ timeout: WAIT })
    await waitForPost(pageA, during)
    const after = `After the restart ${STAMP}`
    await control.post({ text: after })
    await waitForPost(pageA, after)
    await assertClean(pageA, watchA)
  })
})
