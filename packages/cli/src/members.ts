import type { Command } from 'commander'
import type { MemberJson } from '@kiez/daemon/control'
import { call, json, type ClientOptions, type Io } from './client-commands.js'
import { CliError, EXIT } from './errors.js'
import { ago, safeText, table } from './format.js'

/** A recovery phrase is 24 words of at most 8 letters: anything much longer on stdin is not one. */
const MAX_PHRASE_INPUT = 4096

type Helpers = {
  /** adds --data-dir and --json */
  clientCommand: (cmd: Command) => Command
  example: (lines: string[]) => string
}

type YesOptions = ClientOptions & { yes?: boolean }

/**
 * A yes from the person at the terminal, or `--yes`. Off a terminal nobody can
 * answer: refused, so a script never removes or exports a key by accident.
 */
async function confirmed (io: Io, opts: YesOptions, question: string): Promise<void> {
  if (opts.yes === true) return
  if (io.confirm === undefined) {
    throw new CliError(
      'confirmation_required',
      `${question} Nobody can answer here (not a terminal): run it again with --yes`,
      EXIT.usage
    )
  }
  if (!await io.confirm(`${question} [y/N] `)) {
    throw new CliError('not_confirmed', 'nothing was done', EXIT.failure)
  }
}

const held = (name: string): string =>
  `${safeText(name)}'s posts are held until this box has learned their feed from a neighbour (so as not to fork it); ` +
  `if no box has ever seen their posts, release them with \`kiez member override ${safeText(name)}\``

/**
 * `kiez member …`: the household's people on this box, each with their own
 * key (issue 14). The daemon does the work (control API /members); these
 * print what it answers and ask before a key goes or leaves the box.
 */
export function addMemberCommands (program: Command, io: Io, { clientCommand, example }: Helpers): void {
  const member = program.command('member')
    .description('the household\'s people on this box: each posts with their own key (--as NAME)')
    .addHelpText(
      'after',
      example([
        'kiez member add Anna',
        'kiez post --as Anna "Bohrmaschine zu verleihen"',
        'kiez member list',
        'kiez member export Anna > anna.txt   # moving house: the phrase is her key',
        'kiez member import Anna < anna.txt   # on the new box'
      ])
    )

  clientCommand(member.command('add').argument('<name>', 'the person\'s name (1-64 characters, unique on this box)'))
    .description('a new member with a new key; prints their author id, publishes the household and their profile')
    .addHelpText('after', example(['kiez member add Anna', 'kiez member add "Ben Okafor" --json']))
    .action(async (name: string, opts: ClientOptions) => {
      const m = await call(opts, io, async (c) => await c.members.add(name))
      if (opts.json === true) return json(io, m)
      io.out(`${m.author}\n`)
    })

  clientCommand(member.command('list'))
    .description('the members of this box: name, author id, and whether their posts are held')
    .addHelpText('after', example(['kiez member list', 'kiez member list --json | jq -r ".members[].author"']))
    .action(async (opts: ClientOptions) => {
      const r = await call(opts, io, async (c) => await c.members.list())
      if (opts.json === true) return json(io, r)
      if (r.members.length === 0) {
        return io.out('this box has no members: it posts as itself. Add one with `kiez member add NAME`\n')
      }
      io.out(
        table(
          ['name', 'author', 'origin', 'added', 'posts'],
          r.members.map((m) => [
            safeText(m.name),
            m.author,
            m.origin,
            ago(io.now() - m.addedAt),
            m.held === true ? 'held' : 'ok'
          ])
        ) + '\n'
      )
    })

  clientCommand(member.command('remove').argument('<name>', 'the member to remove'))
    .description(
      'remove a member: this box deletes their key and can no longer post as them; their entries stay in the mesh'
    )
    .option('--yes', 'do not ask for confirmation')
    .addHelpText('after', example(['kiez member remove Anna', 'kiez member remove Anna --yes']))
    .action(async (name: string, opts: YesOptions) => {
      const m = await find(opts, name)
      await confirmed(
        io,
        opts,
        `Remove ${
          safeText(m.name)
        } (${m.author})? This box deletes their key: unless they exported it, nobody can post as them again. Their entries stay.`
      )
      const r = await call(opts, io, async (c) => await c.members.remove(m.name))
      if (opts.json === true) return json(io, r)
      io.out(`removed ${safeText(r.name)} (${r.author}); their key is gone from this box, their entries stay\n`)
    })

  clientCommand(member.command('rename').argument('<old>', 'the member\'s name now').argument('<new>', 'the new name'))
    .description('give a member another name: same key and author id; publishes their profile with the new name')
    .addHelpText('after', example(['kiez member rename Anna "Anna K."']))
    .action(async (oldName: string, newName: string, opts: ClientOptions) => {
      const m = await call(opts, io, async (c) => await c.members.rename(oldName, newName))
      if (opts.json === true) return json(io, m)
      io.out(`renamed ${safeText(oldName)} to ${safeText(m.name)} (${m.author})\n`)
    })

  clientCommand(member.command('export').argument('<name>', 'the member whose key to print'))
    .description(
      'print a member\'s key as a 24-word recovery phrase, to take them to another box (kiez member import)'
    )
    .option('--yes', 'do not ask for confirmation')
    .addHelpText('after', example(['kiez member export Anna', 'kiez member export Anna --yes > anna.txt']))
    .action(async (name: string, opts: YesOptions) => {
      const m = await find(opts, name)
      const warning = `These 24 words ARE ${safeText(m.name)}'s key: whoever reads them can post as ${
        safeText(m.name)
      }. Give them only to ${safeText(m.name)}, keep them offline, never in a chat or mail.`
      await confirmed(io, opts, `${warning} Print them?`)
      const r = await call(opts, io, async (c) => await c.members.exportPhrase(m.name))
      if (opts.json === true) return json(io, r)
      if (opts.yes === true) io.err(`kiez: ${warning}\n`)
      io.out(`${r.phrase}\n`)
    })

  clientCommand(member.command('import').argument('<name>', 'the member\'s name on this box'))
    .description(
      'bring a member from another box: reads their 24-word phrase from stdin; they post again once this box has learned their feed'
    )
    .addHelpText(
      'after',
      example(['kiez member import Anna < anna.txt', 'kiez member import Anna   # type, then Ctrl-D'])
    )
    .action(async (name: string, opts: ClientOptions) => {
      const phrase = await io.readStdin?.(MAX_PHRASE_INPUT) ?? ''
      if (phrase.trim() === '') {
        throw new CliError(
          'bad_phrase',
          'no recovery phrase on stdin: pipe in the 24 words kiez member export printed',
          EXIT.usage
        )
      }
      const m = await call(opts, io, async (c) => await c.members.import(name, phrase))
      if (opts.json === true) return json(io, m)
      io.out(`imported ${safeText(m.name)} (${m.author})\n`)
      if (m.held === true) io.out(`${held(m.name)}\n`)
    })

  clientCommand(member.command('override').argument('<name>', 'a held member'))
    .description(
      'let a held member post now, without first learning their feed (only if no box ever saw their posts: else their feed forks)'
    )
    .addHelpText('after', example(['kiez member override Anna']))
    .action(async (name: string, opts: ClientOptions) => {
      const r = await call(opts, io, async (c) => await c.members.override(name))
      if (opts.json === true) return json(io, r)
      io.out(
        r.released
          ? `released ${safeText(r.name)}: their posts continue after the highest seq this box holds\n`
          : `${safeText(r.name)} was not held\n`
      )
    })

  /** The member as the daemon names them (it compares names), before a question about them is asked. */
  async function find (opts: ClientOptions, name: string): Promise<MemberJson> {
    return await call(opts, io, async (c) => await c.members.get(name))
  }
}
