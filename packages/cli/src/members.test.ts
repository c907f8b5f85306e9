import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EntryJson, FeedJson, MemberJson, MembersJson } from '@kiez/daemon/control'
import { Ajv } from 'ajv'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Io } from './client-commands.js'
import { main } from './main.js'
import { DaemonProcess, kiez, killAll, ROOT } from './testing/daemons.js'

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiez-cli-m-'))
})
afterEach(() => {
  killAll()
})
afterAll(async () => {
  killAll()
  await rm(tmp, { recursive: true, force: true })
})
let n = 0
const freshDir = (): string => join(tmp, `box${++n}`)
vi.setConfig({ testTimeout: 90_000 })

interface Ran {
  code: number
  stdout: string
  stderr: string
}

/** `kiez` in process, with what a terminal or a pipe would give it. */
async function run (
  args: string[],
  extra: { stdin?: string, answer?: boolean } = {}
): Promise<Ran & { asked: string[] }> {
  let stdout = ''
  let stderr = ''
  const asked: string[] = []
  const io: Io = {
    out: (s) => {
      stdout += s
    },
    err: (s) => {
      stderr += s
    },
    env: {},
    now: Date.now,
    ...(extra.stdin !== undefined ? { readStdin: async () => extra.stdin as string } : {}),
    ...(extra.answer !== undefined
      ? {
        confirm: async (q: string) => {
          asked.push(q)
          return extra.answer as boolean
        }
      }
      : {})
  }
  const code = await main(args, io)
  return { code, stdout, stderr, asked }
}

describe('kiez member and --as against a running daemon', () => {
  it('adds, lists, renames and removes members; --as picks who writes; refusals have codes', async () => {
    const dir = freshDir()
    const d = await DaemonProcess.start(dir)
    const k = async (
      args: string[],
      extra?: { stdin?: string, answer?: boolean }
    ): Promise<Ran & { asked: string[] }> => await run([...args, '--data-dir', dir], extra)

    // no members: the box posts, as it always did
    expect((await k(['member', 'list'])).stdout).toContain('this box has no members')
    const boxPost = await k(['post', 'from the box'])
    expect(boxPost.stdout).toMatch(/^posted bafyrei[a-z2-7]+ \(seq 1\)\n$/)

    const added = await k(['member', 'add', 'Anna'])
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]+\n$/)
    const anna = added.stdout.trim()
    const benJson = await k(['member', 'add', 'Ben', '--json'])
    const ben = JSON.parse(benJson.stdout) as MemberJson
    expect(ben).toMatchObject({ name: 'Ben', origin: 'created' })
    const dup = await k(['member', 'add', 'ANNA', '--json'])
    expect(dup.code).toBe(1)
    expect(JSON.parse(dup.stdout)).toMatchObject({ error: { code: 'member_exists' } })
    expect(dup.stderr.trim().split('\n')).toHaveLength(1)

    const list = JSON.parse((await k(['member', 'list', '--json'])).stdout) as MembersJson
    const ajv = new Ajv({ strict: true })
    ajv.addSchema(JSON.parse(await readFile(join(ROOT, 'packages/cli/schemas/members.json'), 'utf8')) as object)
    const listSchema = ajv.getSchema('https://kiez.invalid/schemas/members.json')
    const memberSchema = ajv.getSchema('https://kiez.invalid/schemas/members.json#/definitions/member')
    expect(listSchema?.(list), JSON.stringify(listSchema?.errors)).toBe(true)
    expect(memberSchema?.(ben), JSON.stringify(memberSchema?.errors)).toBe(true)
    expect(list.members.map((m) => [m.name, m.author])).toEqual([['Anna', anna], ['Ben', ben.author]])
    const table = (await k(['member', 'list'])).stdout
    expect(table).toMatch(/^NAME\s+AUTHOR\s+ORIGIN\s+ADDED\s+POSTS\n/)
    expect(table).toMatch(new RegExp(`^Anna\\s+${anna}\\s+created\\s+.+\\s+ok$`, 'm'))

    // two members: say who writes
    const who = await k(['post', 'who?', '--json'])
    expect(who.code).toBe(1)
    expect(JSON.parse(who.stdout)).toMatchObject({ error: { code: 'member_required' } })
    expect(who.stderr).toContain('Anna, Ben')
    const nobody = await k(['post', 'x', '--as', 'Carl', '--json'])
    expect(JSON.parse(nobody.stdout)).toMatchObject({ error: { code: 'member_not_found' } })
    const annas = JSON.parse((await k(['post', 'Leiter zu verleihen', '--as', 'anna', '--json'])).stdout) as EntryJson
    expect(annas.author).toBe(anna)
    const bens = JSON.parse(
      (await k(['post', 'danke!', '--reply-to', annas.id, '--as', 'Ben', '--json'])).stdout
    ) as EntryJson
    expect(bens).toMatchObject({ author: ben.author, type: 'reply', replyTo: annas.id })

    // delete and edit: only as the entry's author
    const notHers = await k(['delete', bens.id, '--as', 'Anna'])
    expect(notHers.code).toBe(1)
    expect(notHers.stderr).toContain(`kiez: cannot delete ${bens.id}: `)
    const edited = await k(['edit', annas.id, 'Leiter verliehen', '--as', 'Anna', '--json'])
    expect(JSON.parse(edited.stdout)).toMatchObject({ type: 'edit', author: anna, target: annas.id })
    const notBens = await k(['edit', annas.id, 'x', '--as', 'Ben', '--json'])
    expect(JSON.parse(notBens.stdout)).toMatchObject({ error: { code: 'not_author' } })
    const del = await k(['delete', bens.id, '--as', 'Ben'])
    expect(del.stdout).toMatch(new RegExp(`^deleted ${bens.id} `))

    // profiles: a member's with an about; the box's names its household
    const prof = await k(['profile', 'Anna', '--about', 'Hof 3, 2. OG', '--as', 'Anna', '--json'])
    expect(JSON.parse(prof.stdout)).toMatchObject({ type: 'profile', author: anna, name: 'Anna' })
    const boxProf = await k(['profile', 'Hof 3', '--json'])
    expect(JSON.parse(boxProf.stdout)).toMatchObject({ error: { code: 'member_required' } })
    const named = await k(['profile', 'Hof 3', '--box', '--json'])
    expect(JSON.parse(named.stdout)).toMatchObject({ type: 'profile', author: d.peerId, name: 'Hof 3' })
    expect((await k(['profile', 'Hof 3', '--box', '--as', 'Anna'])).code).toBe(2)

    // the feed shows who wrote, each their own author
    const feed = JSON.parse((await k(['feed', '--json'])).stdout) as FeedJson
    expect(new Set(feed.entries.map((e) => e.author))).toEqual(new Set([d.peerId, anna, ben.author]))

    const renamed = await k(['member', 'rename', 'Ben', 'Ben O.'])
    expect(renamed.stdout).toBe(`renamed Ben to Ben O. (${ben.author})\n`)

    // removing asks; no is no; yes removes; one member left posts without --as
    const no = await k(['member', 'remove', 'ben o.'], { answer: false })
    expect(no.asked[0]).toContain(`Remove Ben O. (${ben.author})?`)
    expect(no.code).toBe(1)
    expect(JSON.parse((await k(['member', 'list', '--json'])).stdout).members).toHaveLength(2)
    const yes = await k(['member', 'remove', 'Ben O.'], { answer: true })
    expect(yes.code, yes.stderr).toBe(0)
    expect(yes.stdout).toContain('their entries stay')
    const solo = JSON.parse((await k(['post', 'just me', '--json'])).stdout) as EntryJson
    expect(solo.author).toBe(anna)
    const gone = await k(['member', 'remove', 'Ben O.', '--yes', '--json'])
    expect(JSON.parse(gone.stdout)).toMatchObject({ error: { code: 'member_not_found' } })

    // off a terminal, nobody can confirm: refused unless --yes (a real process with a pipe)
    const piped = await kiez(['member', 'remove', 'Anna', '--data-dir', dir, '--json'])
    expect(piped.code).toBe(2)
    expect(JSON.parse(piped.stdout)).toMatchObject({ error: { code: 'confirmation_required' } })
    const exportPiped = await kiez(['member', 'export', 'Anna', '--data-dir', dir])
    expect(exportPiped.code).toBe(2)
    expect(exportPiped.stdout).toBe('')
  })

  it('export prints 24 words after a warning; import reads them on another box and holds the member', async () => {
    const a = freshDir()
    await DaemonProcess.start(a)
    await run(['member', 'add', 'Anna', '--data-dir', a])
    const asked = await run(['member', 'export', 'Anna', '--data-dir', a], { answer: true })
    expect(asked.asked[0]).toContain('These 24 words ARE Anna\'s key')
    const phrase = asked.stdout.trim()
    expect(phrase.split(' ')).toHaveLength(24)
    const yes = await run(['member', 'export', 'Anna', '--yes', '--data-dir', a])
    expect(yes.stdout.trim()).toBe(phrase)
    expect(yes.stderr).toContain('whoever reads them can post as Anna')

    const b = freshDir()
    await DaemonProcess.start(b)
    const empty = await run(['member', 'import', 'Anna', '--data-dir', b, '--json'], { stdin: '' })
    expect(empty.code).toBe(2)
    const wrong = await run(['member', 'import', 'Anna', '--data-dir', b, '--json'], { stdin: 'zoo '.repeat(24) })
    expect(JSON.parse(wrong.stdout)).toMatchObject({ error: { code: 'bad_checksum' } })
    const imported = await run(['member', 'import', 'Anna', '--data-dir', b], { stdin: `${phrase}\n` })
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toContain('posts are held until this box has learned their feed')
    expect(imported.stdout).toContain('kiez member override Anna')
    const held = await run(['post', 'hello', '--data-dir', b, '--json'])
    expect(JSON.parse(held.stdout)).toMatchObject({ error: { code: 'own_head_unknown' } })
    expect((await run(['member', 'list', '--data-dir', b])).stdout).toMatch(/imported\s+.+\s+held$/m)
    const over = await run(['member', 'override', 'Anna', '--data-dir', b])
    expect(over.stdout).toContain('released Anna')
    expect((await run(['post', 'hello', '--data-dir', b])).code).toBe(0)
  })
})
