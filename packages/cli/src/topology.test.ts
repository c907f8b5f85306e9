import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { eventually } from '@kiez/testing'
import type { TopologyJson } from '@kiez/daemon/control'
import { DaemonProcess, kiez, killAll, ROOT } from './testing/daemons.js'
import { topologyDot, topologyText } from './topology.js'

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiez-topo-'))
})
afterEach(() => {
  killAll()
})
afterAll(async () => {
  killAll()
  await rm(tmp, { recursive: true, force: true })
})
vi.setConfig({ testTimeout: 90_000 })

async function validator (name: string): Promise<(v: unknown) => boolean> {
  const schema = JSON.parse(await readFile(join(ROOT, 'packages/cli/schemas', `${name}.json`), 'utf8')) as object
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema)
  return (v) => {
    const ok = validate(v)
    if (!ok) console.error(validate.errors)
    return ok
  }
}

describe('kiez topology', () => {
  it('two daemons: --json matches the schema, both boxes and one confirmed link; dot and text render it', async () => {
    const a = await DaemonProcess.start(join(tmp, 'a'))
    const b = await DaemonProcess.start(join(tmp, 'b'), ['--bootstrap', `${a.listenAddrs[0] ?? ''}`])
    const valid = await validator('topology')
    const t = await eventually(async () => {
      const r = await kiez(['topology', '--json', '--data-dir', join(tmp, 'b')])
      expect(r.code).toBe(0)
      const j = JSON.parse(r.stdout) as TopologyJson
      return j.links.length === 1 && !j.links[0]?.oneSided ? j : undefined
    }, { what: 'a confirmed link', timeoutMs: 30_000, intervalMs: 200 })
    expect(valid(t)).toBe(true)
    expect(t.self).toBe(b.peerId)
    expect(t.boxes.map((x) => x.peerId).sort()).toEqual([a.peerId, b.peerId].sort())
    expect(t.boxes.find((x) => x.peerId === a.peerId)?.hops).toBe(1)

    const dot = await kiez(['topology', '--format', 'dot', '--data-dir', join(tmp, 'b')])
    expect(dot.code).toBe(0)
    expect(dot.stdout).toMatch(/^graph kiez \{/)
    const [x, y] = [a.peerId, b.peerId].sort()
    expect(dot.stdout).toContain(`"${x ?? ''}" -- "${y ?? ''}"`)
  })

  it('daemon down: exit 69 and a JSON error document that matches the schema', async () => {
    const r = await kiez(['topology', '--format', 'json', '--data-dir', join(tmp, 'nobody')])
    expect(r.code).toBe(69)
    expect((await validator('error'))(JSON.parse(r.stdout))).toBe(true)
    expect(r.stderr).toMatch(/kiez daemon --data-dir/)
  })

  it('a bad --format is a usage error (2)', async () => {
    const r = await kiez(['topology', '--format', 'svg', '--data-dir', join(tmp, 'a')])
    expect(r.code).toBe(2)
  })
})

describe('topology rendering', () => {
  const A = '12D3KooWGRUVh7bKPd8aoFmLr2Hh4ofwAPPTfmqgQzbTjwZB3bMH'
  const B = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
  const C = '12D3KooWLJtG8fd2hkQzTn96MrLvThmnNQjTUFZwGEsLRz5EmSzc'
  const t: TopologyJson = {
    self: A,
    boxes: [{ peerId: A, self: true, hops: 0, reported: true }, {
      peerId: B,
      hops: 1,
      reported: true,
      clockOffsetMs: 3 * 3600_000
    }, { peerId: C, hops: 2, reported: false }],
    links: [{ a: A, b: B, latencyMs: 1.25, reportedBy: [A, B], oneSided: false }, {
      a: B,
      b: C,
      reportedBy: [B],
      oneSided: true
    }],
    failures: [],
    truncated: false,
    durationMs: 40
  }

  it('text: an adjacency list with one-sided links and clock skew marked', () => {
    const s = topologyText(t)
    expect(s).toContain('3 boxes, 2 links')
    expect(s).toMatch(/\(this box\)/)
    expect(s).toContain('clock +3h')
    expect(s).toMatch(/\?$/m)
  })

  it('dot: dashed one-sided edge, bold self, quotes that cannot be broken out of', () => {
    const s = topologyDot({ ...t, boxes: [...t.boxes, { peerId: 'x"];evil', hops: 3, reported: false }] })
    expect(s).toContain(`"${B}" -- "${C}" [style=dashed]`)
    expect(s).toMatch(/style=bold/)
    expect(s).not.toContain('x"]')
  })
})
