/**
 * Issue 5: the neighbourhood map on the web page, in a real headless Chromium
 * against five real daemons on loopback (a line by --bootstrap; the DHT may
 * add shortcuts). Leaves a screenshot in test-output/screenshots/meshmap-*.png.
 */
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { killAll } from '../../packages/cli/src/testing/daemons.js'
import { ensureWebBuilt, haveChromium, launch, openPage, screenshots, startBox, type Box } from '../browser/browser.ts'
import { waitUntil } from '../mesh/helpers.ts'
import { kiez } from '../../packages/cli/src/testing/daemons.js'

const skip = !haveChromium()

describe.skipIf(skip)(`the mesh map on the web page${skip ? ' (skipped: no /usr/bin/chromium)' : ''}`, () => {
  let browser: Browser | undefined
  afterAll(async () => { await browser?.close(); killAll() })

  it('draws all five boxes, this one highlighted, with the links, using nothing from outside the box', async () => {
    await ensureWebBuilt()
    const boxes: Box[] = []
    for (let i = 0; i < 5; i++) {
      const prev = boxes[i - 1]
      boxes.push(await startBox(prev === undefined ? [] : ['--bootstrap', prev.daemon.listenAddrs.find((a) => a.includes('127.0.0.1')) ?? '']))
    }
    const a = boxes[0] as Box
    await waitUntil('box A maps all five', async () => {
      const r = await kiez(['topology', '--json', '--data-dir', a.dataDir])
      return r.code === 0 && (JSON.parse(r.stdout) as { boxes: unknown[] }).boxes.length === 5
    }, 40_000, 1000)

    browser = await launch()
    const { page, watch } = await openPage(browser, a.url)
    const map = page.locator('#meshmap svg.meshmap')
    await map.waitFor({ timeout: 20_000 })
    // the gateway may still serve a map cached before the last box joined: the page redraws every 30 s
    await waitUntil('five boxes drawn', async () => await page.locator('#meshmap .box').count() === 5, 45_000, 500)
    expect(await page.locator('#meshmap .box.self').count()).toBe(1)
    expect(await page.locator('#meshmap .box.self').getAttribute('data-peer')).toBe(a.daemon.peerId)
    expect(await page.locator('#meshmap line.link').count()).toBeGreaterThanOrEqual(4)
    expect(await map.getAttribute('aria-label')).toMatch(/^5 boxes, \d+ links$/)
    await screenshots(page, 'meshmap')
    const origin = new URL(page.url()).origin
    expect(watch.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([])
    expect(watch.pageErrors).toEqual([])
  }, 120_000)
})
