import type { Command } from 'commander'
import { call, json, type ClientOptions, type Io } from './client-commands.js'
import { ago, safeText, table } from './format.js'

type Helpers = {
  /** adds --data-dir, --json and --as */
  writingCommand: (cmd: Command) => Command
  example: (lines: string[]) => string
}

type DmOptions = ClientOptions & { as?: string }

/**
 * `kiez dm send|list|read|block`: a member's private messages, end-to-end
 * encrypted (docs/PROTOCOL.md §2, "Private messages").
 */
export function addDmCommands (program: Command, io: Io, { writingCommand, example }: Helpers): void {
  const dm = program.command('dm').description(
    'private messages between members, on any box: only the two (or the group) can read them'
  )
  const who = 'an author id (12D3KooW… or 64 hex digits) or a name this box knows (a member, or a profile it has seen)'

  writingCommand(
    dm.command('send').argument('<recipient>', who).argument('<text>', 'the message, up to 4096 UTF-8 bytes')
  )
    .description('send a private message; several recipients (up to 8): separate them with commas')
    .addHelpText(
      'after',
      example([
        'kiez dm send --as anna ben "Can I pick up the drill at 6?"',
        'kiez dm send --as anna ben,carla "Hoffest?"'
      ])
    )
    .action(async (recipient: string, text: string, opts: DmOptions) => {
      const to = recipient.split(',').map((s) => s.trim()).filter((s) => s !== '')
      const r = await call(
        opts,
        io,
        async (c) => await c.dm.send({ ...(opts.as !== undefined ? { as: opts.as } : {}), to, text })
      )
      if (opts.json === true) return json(io, r)
      io.out(`sent ${r.id} to ${r.to.join(', ')}\n`)
    })

  writingCommand(dm.command('list'))
    .description('the member\'s conversations, newest first, with unread counts')
    .addHelpText('after', example(['kiez dm list --as anna', 'kiez dm list --as anna --json']))
    .action(async (opts: DmOptions) => {
      const r = await call(opts, io, async (c) => await c.dm.list(opts.as))
      if (opts.json === true) return json(io, r)
      if (r.conversations.length === 0) return io.out('no messages yet\n')
      io.out(
        table(
          ['with', 'name', 'last', 'unread', 'messages'],
          r.conversations.map((
            c
          ) => [c.peer, safeText(c.name ?? ''), ago(io.now() - c.lastAt), String(c.unread), String(c.count)])
        ) + '\n'
      )
    })

  writingCommand(dm.command('read').argument('<peer>', who))
    .description('one conversation, oldest first; marks it read')
    .addHelpText('after', example(['kiez dm read --as anna ben']))
    .action(async (peer: string, opts: DmOptions) => {
      const r = await call(opts, io, async (c) => await c.dm.read(opts.as, peer))
      if (opts.json === true) return json(io, r)
      if (r.messages.length === 0) return io.out(`no messages with ${r.name ?? r.peer}\n`)
      for (const m of r.messages) {
        io.out(`${m.out ? 'me' : safeText(r.name ?? r.peer)} · ${ago(io.now() - m.at)}: ${safeText(m.text)}\n`)
      }
    })

  writingCommand(dm.command('block').argument('<author>', who))
    .description('hide an author\'s messages from this member (per member, on this box); --undo lifts it')
    .option('--undo', 'unblock')
    .addHelpText('after', example(['kiez dm block --as ben 12D3KooW…', 'kiez dm block --as ben 12D3KooW… --undo']))
    .action(async (author: string, opts: DmOptions & { undo?: boolean }) => {
      const r = await call(
        opts,
        io,
        async (c) =>
          await c.dm.block({ ...(opts.as !== undefined ? { as: opts.as } : {}), author, blocked: opts.undo !== true })
      )
      if (opts.json === true) return json(io, r)
      io.out(`${r.blocked ? 'blocked' : 'unblocked'} messages from ${r.author}\n`)
    })
}
