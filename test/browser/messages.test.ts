import { rmSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll } from '../../packages/cli/src/testing/daemons.js'
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
 * The private-messages panel (packages/web/src/ui/Messages.tsx) in a real
 * Chromium against a real daemon: two members of one box in two browsers
 * (two cookie jars). Ben writes to Anna from the "Message" button on her
 * post; Anna's page shows the unread badge and the conversation, and
 * reading it clears the count. The panel's heading in German, and axe-core
 * with the panel open.
 */

const skipReason = chromiumSkipReason()
const skip = skipReason !== undefined
if (skip) console.warn(`test/browser: ${skipReason}: browser tests skipped`)

const STAMP = Date.now().toString(36)

/** A browser paired to the box as a new member `name`, its page reloaded to post as them. */
async function memberPage (
  browser: Browser,
  box: Box,
  name: string
): Promise<{ page: Page, watch: Watch, author: string }> {
  const { page, watch } = await openPage(browser, box.url, LAPTOP)
  const paired = await postJson(page, 'pair', { code: await pairingCode(box) })
  if (paired.status >= 300) throw new Error(`pairing refused: ${paired.status}`)
  const member = await postJson(page, 'members', { name })
  if (member.status !== 201) throw new Error(`POST /members refused: ${member.status}`)
  await page.reload()
  await page.locator('.posting-as').filter({ hasText: name }).waitFor({ timeout: WAIT_MS })
  return { page, watch, author: String(member.json.author) }
}

/** GET /api/v1/messages from the page's own browser: its current member's conversations. */
async function conversations (
  page: Page
): Promise<{ unread: number, conversations: Array<{ peer: string, unread: number, count: number }> }> {
  return await page.evaluate(async () => await (await fetch('/api/v1/messages')).json())
}

describe.skipIf(skip)(`private messages on the web page${skip ? ` (skipped: ${skipReason})` : ''}`, () => {
  let box: Box
  let browser: Browser
  let anna: { page: Page, watch: Watch, author: string }
  let ben: { page: Page, watch: Watch, author: string }
  const post = `Leiter zu verleihen, Hof 2 ${STAMP}`
  const text = `Hallo Anna, kann ich die Leiter Samstag holen? ${STAMP}`

  beforeAll(async () => {
    await ensureWebBuilt()
    box = await startBox()
    browser = await launch()
    anna = await memberPage(browser, box, 'Anna')
    ben = await memberPage(browser, box, 'Ben')
  })

  afterAll(async () => {
    await browser?.close()
    killAll()
    if (box !== undefined) rmSync(box.dataDir, { recursive: true, force: true })
  })

  it('Ben writes to Anna from the "Message" button on her post', async () => {
    await anna.page.locator('#compose-text').fill(post)
    await anna.page.locator('.layout > main .compose > form button[type=submit]').first().click()
    await waitForPost(anna.page, post)
    // no "Message" on her own post
    const own = anna.page.locator('.post').filter({ has: anna.page.locator('.post-text', { hasText: post }) })
    expect(await own.getByRole('button', { name: 'Message Anna' }).count()).toBe(0)

    await waitForPost(ben.page, post)
    const hers = ben.page.locator('.post').filter({ has: ben.page.locator('.post-text', { hasText: post }) })
    await hers.getByRole('button', { name: 'Message Anna' }).click()
    const panel = ben.page.locator('#messages')
    // the conversation with Anna is open: no "To" field, a way back to all conversations
    await panel.getByRole('button', { name: '← All conversations' }).waitFor({ timeout: WAIT_MS })
    expect(await panel.getByLabel('To (a name or an author id)').count()).toBe(0)
    await panel.getByLabel('Message', { exact: true }).fill(text)
    await panel.getByRole('button', { name: 'Send' }).click()
    const mine = panel.locator('.conversation li.out').filter({ hasText: text })
    await mine.waitFor({ timeout: WAIT_MS })
    expect(await mine.locator('.muted').textContent()).toMatch(/^you · /)
    expect(await panel.getByLabel('Message', { exact: true }).inputValue()).toBe('')
    // the sender has nothing unread
    expect(await panel.locator('#messages-title .badge').count()).toBe(0)
    const benSide = await conversations(ben.page)
    expect(benSide.unread).toBe(0)
    expect(benSide.conversations.map((c) => [c.peer, c.count])).toEqual([[anna.author, 1]])
  })

  it('Anna\'s page shows the unread badge and the conversation; reading it clears the count', async () => {
    const panel = anna.page.locator('#messages')
    // the stream's `messages` event makes the page ask again: no reload
    const badge = panel.locator('#messages-title .badge.unread')
    await badge.filter({ hasText: /^1$/ }).waitFor({ timeout: WAIT_MS })
    expect(await badge.getAttribute('aria-label')).toBe('1 unread')
    const row = panel.locator('.conversations li').filter({ hasText: 'Ben' })
    expect(await row.locator('.badge.unread').textContent()).toBe('1 new')
    expect((await conversations(anna.page)).unread).toBe(1)

    await row.getByRole('button').first().click()
    const received = panel.locator('.conversation li.in').filter({ hasText: text })
    await received.waitFor({ timeout: WAIT_MS })
    expect(await received.locator('p').textContent()).toBe(text)
    expect(await received.locator('.muted').textContent()).toMatch(/^Ben · /)
    await badge.waitFor({ state: 'detached', timeout: WAIT_MS })
    const annaSide = await conversations(anna.page)
    expect(annaSide.unread).toBe(0)
    expect(annaSide.conversations.map((c) => [c.peer, c.unread, c.count])).toEqual([[ben.author, 0, 1]])
    // still read after a reload (the box keeps the mark, not the page)
    await anna.page.reload()
    await anna.page.locator('#compose-text').waitFor({ timeout: WAIT_MS })
    await anna.page.locator('#messages .conversations li').filter({ hasText: 'Ben' }).waitFor({ timeout: WAIT_MS })
    expect(await anna.page.locator('#messages-title .badge').count()).toBe(0)
  })

  it('Anna answers in the open conversation; Ben sees it', async () => {
    const panel = anna.page.locator('#messages')
    await panel.locator('.conversations li').filter({ hasText: 'Ben' }).getByRole('button').first().click()
    const answer = `Ja, ab 10 Uhr ${STAMP}`
    await panel.getByLabel('Message', { exact: true }).fill(answer)
    await panel.getByRole('button', { name: 'Send' }).click()
    await panel.locator('.conversation li.out').filter({ hasText: answer }).waitFor({ timeout: WAIT_MS })
    // Ben has the conversation open: his page reads it as it arrives, so no badge stays
    await ben.page.locator('#messages .conversation li.in').filter({ hasText: answer }).waitFor({ timeout: WAIT_MS })
    await ben.page.locator('#messages-title .badge').waitFor({ state: 'detached', timeout: WAIT_MS })
    expect((await conversations(ben.page)).unread).toBe(0)
  })

  it('has no serious or critical axe-core violation with the panel open, and nothing ran that should not', async () => {
    // a conversation open on one page, the list on the other
    await anna.page.locator('#messages').getByRole('button', { name: '← All conversations' }).click()
    await anna.page.locator('#messages .conversations li').first().waitFor({ timeout: WAIT_MS })
    expect(await axeSerious(anna.page)).toEqual([])
    expect(await axeSerious(ben.page)).toEqual([])
    await assertClean(anna.page, anna.watch)
    await assertClean(ben.page, ben.watch)
  })

  it('speaks German under the language switch: the panel heading and its strings', async () => {
    const page = anna.page
    await page.locator('#lang-select').selectOption('de')
    const title = page.locator('#messages-title')
    await title.filter({ hasText: /^Nachrichten/ }).waitFor({ timeout: WAIT_MS })
    expect((await title.textContent())?.trim()).toBe('Nachrichten')
    const panel = page.locator('#messages')
    expect(await panel.locator('.hint').textContent()).toBe(
      'Nur du und die, denen du schreibst, können sie lesen: die Boxen, die sie tragen, nicht.'
    )
    await panel.getByRole('button', { name: 'Ben' }).first().click()
    await panel.getByRole('button', { name: '← Alle Unterhaltungen' }).waitFor({ timeout: WAIT_MS })
    expect(await panel.getByRole('button', { name: 'Senden' }).count()).toBe(1)
    expect(await panel.locator('.conversation li.out .muted').first().textContent()).toMatch(/^du · /)
    expect(await axeSerious(page)).toEqual([])
    await page.locator('#lang-select').selectOption('en')
    await title.filter({ hasText: /^Messages/ }).waitFor({ timeout: WAIT_MS })
  })
})
