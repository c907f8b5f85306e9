import type { Command } from 'commander'
import { call, json, type ClientOptions, type Io } from './client-commands.js'
import { ago, safeText, table } from './format.js'

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
const because = (reason: string): string => (reason === '' ? '' : ` (${safeText(reason)})`)

type Helpers = {
  /** adds --data-dir and --json */
  clientCommand: (cmd: Command) => Command
  example: (lines: string[]) => string
}

/**
 * `kiez block`, `unblock`, `blocks` and `kiez moderation …`: the box owner's
 * blocks, the moderation lists it follows, and this box's own list.
 */
export function addModerationCommands (program: Command, io: Io, { clientCommand, example }: Helpers): void {
  const authorArg = 'the author: a peer id (12D3KooW…, as kiez feed --json names it) or its 64 hex digits'

  clientCommand(program.command('block').argument('<author>', authorArg))
    .description(
      'block an author on this box: its payloads are dropped, its new entries kept as headers only, and nothing of it is forwarded'
    )
    .option('--reason <text>', 'why, for yourself (up to 280 bytes)')
    .addHelpText('after', example(['kiez block 12D3KooW… --reason "spam"']))
    .action(async (author: string, opts: ClientOptions & { reason?: string }) => {
      const req = opts.reason !== undefined ? { author, reason: opts.reason } : { author }
      const b = await call(opts, io, async (c) => await c.moderation.block(req))
      if (opts.json === true) return json(io, b)
      io.out(`blocked ${b.author}${because(b.reason)}; dropped ${plural(b.dropped, 'payload')}\n`)
    })

  clientCommand(program.command('unblock').argument('<author>', authorArg))
    .description(
      'lift a block: the author\'s entries are fetched and forwarded again (unless a followed list blocks it)'
    )
    .addHelpText('after', example(['kiez unblock 12D3KooW…']))
    .action(async (author: string, opts: ClientOptions) => {
      const r = await call(opts, io, async (c) => await c.moderation.unblock(author))
      if (opts.json === true) return json(io, r)
      io.out(r.changed ? `unblocked ${r.author}\n` : `${r.author} was not blocked\n`)
    })

  clientCommand(program.command('blocks'))
    .description('the authors blocked on this box, newest first')
    .addHelpText('after', example(['kiez blocks', 'kiez blocks --json']))
    .action(async (opts: ClientOptions) => {
      const r = await call(opts, io, async (c) => await c.moderation.blocks())
      if (opts.json === true) return json(io, r)
      if (r.blocks.length === 0) return io.out('no author is blocked on this box\n')
      io.out(
        table(
          ['author', 'blocked', 'reason'],
          r.blocks.map((b) => [b.author, ago(io.now() - b.at), safeText(b.reason)])
        ) + '\n'
      )
    })

  const mod = program.command('moderation')
    .description('moderation lists: follow other authors\' lists, publish this box\'s own')
    .addHelpText(
      'after',
      example([
        'kiez moderation follow 12D3KooW…',
        'kiez moderation list',
        'kiez moderation hide bafyrei… --reason "private address"'
      ])
    )

  clientCommand(mod.command('follow').argument('<author>', 'the list\'s author (peer id or 64 hex digits)'))
    .description('enforce an author\'s moderation list on this box: its blocks as blocks, its hides as hidden entries')
    .addHelpText('after', example(['kiez moderation follow 12D3KooW…']))
    .action(async (author: string, opts: ClientOptions) => {
      const l = await call(opts, io, async (c) => await c.moderation.follow(author))
      if (opts.json === true) return json(io, l)
      io.out(
        `following the moderation list of ${l.author}: ${plural(l.blocks, 'block')}, ${
          plural(l.hides, 'hide')
        } in force\n`
      )
    })

  clientCommand(mod.command('unfollow').argument('<author>', 'the list\'s author'))
    .description('stop enforcing an author\'s moderation list')
    .addHelpText('after', example(['kiez moderation unfollow 12D3KooW…']))
    .action(async (author: string, opts: ClientOptions) => {
      const r = await call(opts, io, async (c) => await c.moderation.unfollow(author))
      if (opts.json === true) return json(io, r)
      io.out(r.changed ? `no longer following ${r.author}'s list\n` : `${r.author}'s list was not followed\n`)
    })

  clientCommand(mod.command('list'))
    .description('the moderation lists this box follows, with how many blocks and hides of each are in force')
    .addHelpText('after', example(['kiez moderation list', 'kiez moderation list --json']))
    .action(async (opts: ClientOptions) => {
      const r = await call(opts, io, async (c) => await c.moderation.lists())
      if (opts.json === true) return json(io, r)
      if (r.lists.length === 0) return io.out('this box follows no moderation list\n')
      io.out(
        table(
          ['list', 'blocks', 'hides', 'followed'],
          r.lists.map((l) => [l.author, String(l.blocks), String(l.hides), ago(io.now() - l.followedAt)])
        ) + '\n'
      )
    })

  clientCommand(mod.command('block').argument('<author>', authorArg))
    .description(
      'publish a block on this box\'s own moderation list (signed with its key): boxes that follow the list enforce it; take it back with kiez delete'
    )
    .requiredOption('--reason <text>', 'why, shown to whoever follows the list (up to 280 bytes; may be "")')
    .addHelpText('after', example(['kiez moderation block 12D3KooW… --reason "advertising, again and again"']))
    .action(async (target: string, opts: ClientOptions & { reason: string }) => {
      const e = await call(
        opts,
        io,
        async (c) => await c.moderation.publish({ type: 'block', target, reason: opts.reason })
      )
      if (opts.json === true) return json(io, e)
      io.out(`published ${e.id} (seq ${e.seq}): followers of this box's list block ${e.target}${because(e.reason)}\n`)
    })

  clientCommand(mod.command('hide').argument('<entry-id>', 'the entry to hide (bafyrei…)'))
    .description(
      'publish a hide on this box\'s own moderation list: followers\' pages collapse the entry and say why; take it back with kiez delete'
    )
    .requiredOption('--reason <text>', 'why, shown on the followers\' pages (up to 280 bytes; may be "")')
    .addHelpText('after', example(['kiez moderation hide bafyrei… --reason "private address"']))
    .action(async (target: string, opts: ClientOptions & { reason: string }) => {
      const e = await call(
        opts,
        io,
        async (c) => await c.moderation.publish({ type: 'hide', target, reason: opts.reason })
      )
      if (opts.json === true) return json(io, e)
      io.out(`published ${e.id} (seq ${e.seq}): followers of this box's list hide ${e.target}${because(e.reason)}\n`)
    })
}
