import type { Command } from 'commander'
import { Argument, Option } from 'commander'
import type { EntryJson, PostRequest } from '@kiez/daemon/control'
import { call, json, type AsOptions, type ClientOptions, type Io } from './client-commands.js'
import { CliError, EXIT } from './errors.js'
import { safeText } from './format.js'

/** The kinds `kiez post --kind` writes (plain `post` is the default). */
export const POST_KINDS = [
  'post',
  'offer',
  'request',
  'event',
  'lost',
  'found',
  'recommendation',
  'alert',
  'poll'
] as const

/** `kiez post --kind …`'s flags beyond --reply-to. */
export interface KindOptions {
  kind?: string
  price?: string
  starts?: string
  ends?: string
  place?: string
  description?: string
  option?: string[]
  multiple?: boolean
  closes?: string
}

type Helpers = {
  clientCommand: (cmd: Command) => Command
  /** clientCommand plus `--as NAME`, the member who signs */
  writingCommand: (cmd: Command) => Command
  example: (lines: string[]) => string
}

function usage (code: 'bad_time' | 'bad_options' | 'bad_kind_fields', message: string): CliError {
  return new CliError(code, message, EXIT.usage)
}

/**
 * An ISO 8601 date and time as ms since the epoch. A time without a zone is
 * the box's local time, as `date` shows it; a date alone is midnight there.
 */
export function parseIso (value: string, flag: string): number {
  const ok = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
  // Date.parse reads a date alone as UTC: make it local like a time without a zone
  const ms = ok ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00` : value.replace(' ', 'T')) : NaN
  if (!Number.isFinite(ms) || ms < 0) {
    throw usage(
      'bad_time',
      `${flag} "${safeText(value)}" is not an ISO date and time (e.g. 2026-06-13T15:00 or 2026-06-13T15:00+02:00)`
    )
  }
  return ms
}

/** The request `kiez post --kind KIND TEXT …` sends, checked here first so a mistake is a usage error, not a round trip. */
export function postRequest (text: string, opts: KindOptions & { replyTo?: string }, now: number): PostRequest {
  const kind = opts.kind ?? 'post'
  if (!(POST_KINDS as readonly string[]).includes(kind)) {
    throw usage(
      'bad_kind_fields',
      `--kind must be one of ${POST_KINDS.join(', ')} (votes, rsvps and done have commands of their own)`
    )
  }
  const only = (allowed: string[]): void => {
    const flags: Array<[keyof KindOptions | 'replyTo', string]> = [
      ['replyTo', '--reply-to'],
      ['price', '--price'],
      ['starts', '--starts'],
      ['ends', '--ends'],
      ['place', '--place'],
      ['description', '--description'],
      ['option', '--option'],
      ['multiple', '--multiple'],
      ['closes', '--closes']
    ]
    const wrong = flags.filter(([k]) => opts[k] !== undefined && !allowed.includes(k)).map(([, f]) => f)
    if (wrong.length > 0) throw usage('bad_kind_fields', `a ${kind} takes no ${wrong.join(', ')}`)
  }
  switch (kind) {
    case 'post':
      only(['replyTo'])
      return opts.replyTo !== undefined ? { text, replyTo: opts.replyTo } : { text }
    case 'offer':
      only(['price'])
      return { kind, text, ...(opts.price !== undefined ? { price: opts.price } : {}) }
    case 'event': {
      only(['starts', 'ends', 'place', 'description'])
      if (opts.starts === undefined) throw usage('bad_kind_fields', 'an event needs --starts ISO')
      if (opts.place === undefined) throw usage('bad_kind_fields', 'an event needs --place TEXT')
      const starts = parseIso(opts.starts, '--starts')
      const ends = opts.ends !== undefined ? parseIso(opts.ends, '--ends') : undefined
      if (ends !== undefined && ends < starts) throw usage('bad_time', '--ends is before --starts')
      return {
        kind,
        text,
        starts,
        place: opts.place,
        ...(ends !== undefined ? { ends } : {}),
        ...(opts.description !== undefined ? { description: opts.description } : {})
      }
    }
    case 'poll': {
      only(['option', 'multiple', 'closes'])
      const options = opts.option ?? []
      if (options.length < 2 || options.length > 10) {
        throw usage('bad_options', `a poll has 2 to 10 options (--option A --option B …), not ${options.length}`)
      }
      const closesAt = opts.closes !== undefined ? parseIso(opts.closes, '--closes') : undefined
      if (closesAt !== undefined && closesAt <= now) {
        throw usage('bad_time', `--closes ${safeText(opts.closes ?? '')} is in the past`)
      }
      return {
        kind,
        text,
        options,
        ...(opts.multiple === true ? { multiple: true } : {}),
        ...(closesAt !== undefined ? { closesAt } : {})
      }
    }
    default:
      only([])
      return { kind: kind as NonNullable<PostRequest['kind']>, text }
  }
}

/** `kiez post [--kind KIND] TEXT …`: a post of any kind. */
export async function postKindCommand (
  text: string,
  opts: ClientOptions & AsOptions & KindOptions & { replyTo?: string },
  io: Io
): Promise<void> {
  const req = withAs(postRequest(text, opts, io.now()), opts)
  const e: EntryJson = await call(opts, io, async (c) => await c.post(req))
  if (opts.json === true) return json(io, e)
  io.out(
    `posted ${
      e.kind !== undefined && e.kind !== 'post' && e.kind !== 'reply' ? `${e.kind} ` : ''
    }${e.id} (seq ${e.seq})\n`
  )
}

/** The member who signs (`--as NAME`), when given: votes are one per member key, so each member answers for themself. */
function withAs (req: PostRequest, opts: AsOptions): PostRequest {
  return opts.as !== undefined ? { ...req, as: opts.as } : req
}

/** What a feed line adds for a kind of neighbourhood life: `[poll] …`, the counts, done, pinned. */
export function lifeLine (e: EntryJson, text: string): string {
  if (e.kind === undefined || ['post', 'reply', 'profile', 'delete', 'edit'].includes(e.kind)) return text
  const parts = [`[${e.kind}${e.unknownKind === true ? ', unknown kind' : ''}]`, text]
  if (e.price !== undefined) parts.push(`(${safeText(e.price)})`)
  if (e.done === true) parts.push('(done)')
  if (e.pinned === true) parts.push('(pinned)')
  if (e.starts !== undefined) parts.push(`@ ${new Date(e.starts).toISOString().slice(0, 16).replace('T', ' ')}`)
  if (e.place !== undefined) parts.push(`, ${safeText(e.place)}`)
  if (e.rsvps !== undefined) parts.push(`(going ${e.rsvps.going}, maybe ${e.rsvps.maybe})`)
  if (e.options !== undefined) {
    const counts = e.tally?.counts
    parts.push(
      e.options.map((o, i) => `${i + 1}. ${safeText(o)}${counts !== undefined ? ` ${counts[i] ?? 0}` : ''}`).join('  ')
    )
    if (e.closed === true) parts.push('(closed)')
  }
  return parts.join(' ')
}

/** `kiez vote`, `kiez rsvp`, `kiez done`: answers to a poll, an event, one's own offer or request. */
export function addLifeCommands (program: Command, io: Io, { writingCommand, example }: Helpers): void {
  writingCommand(
    program.command('vote')
      .argument('<entry>', 'the poll\'s entry id (bafyrei…)')
      .argument('<option...>', 'the option(s): its number as kiez feed shows it (1, 2, …) or its exact text')
  )
    .description('vote in a poll (one vote per key: a new vote replaces yours until the poll closes)')
    .addHelpText(
      'after',
      example(['kiez vote bafyreig… 2', 'kiez vote bafyreig… Samstag Sonntag', 'kiez vote --as Ben bafyreig… 1'])
    )
    .action(async (entry: string, options: string[], opts: ClientOptions & AsOptions) => {
      // a number is the option as listed (from 1); anything else its text
      const choices = options.map((o) => (/^\d+$/.test(o) && Number(o) >= 1 ? Number(o) - 1 : o))
      const e = await call(opts, io, async (c) => await c.post(withAs({ kind: 'vote', target: entry, choices }, opts)))
      if (opts.json === true) return json(io, e)
      io.out(
        `voted ${(e.choices ?? []).map((c) => c + 1).join(', ')} in ${e.target ?? entry} (vote ${e.id}, seq ${e.seq})\n`
      )
    })

  writingCommand(
    program.command('rsvp')
      .argument('<entry>', 'the event\'s entry id (bafyrei…)')
      .addArgument(new Argument('<answer>', 'going, maybe or no').choices(['going', 'maybe', 'no']))
  )
    .description('answer an event: going, maybe or no (a new answer replaces yours)')
    .addHelpText('after', example(['kiez rsvp bafyreig… going']))
    .action(async (entry: string, answer: 'going' | 'maybe' | 'no', opts: ClientOptions & AsOptions) => {
      const e = await call(opts, io, async (c) => await c.post(withAs({ kind: 'rsvp', target: entry, answer }, opts)))
      if (opts.json === true) return json(io, e)
      io.out(`answered ${answer} to ${e.target ?? entry} (rsvp ${e.id}, seq ${e.seq})\n`)
    })

  writingCommand(
    program.command('done').argument('<entry>', 'one of your offers or requests (bafyrei…; the member\'s with --as)')
  )
    .description(
      'mark one of your own (the box\'s, or --as the member\'s) offers or requests done ("given away", "found help"): it leaves the open lists, stays in the feed'
    )
    .addHelpText('after', example(['kiez done bafyreig…']))
    .action(async (entry: string, opts: ClientOptions & AsOptions) => {
      const e = await call(opts, io, async (c) => await c.post(withAs({ kind: 'done', target: entry }, opts)))
      if (opts.json === true) return json(io, e)
      io.out(`marked ${e.target ?? entry} done (done ${e.id}, seq ${e.seq})\n`)
    })
}

/** The --kind option and the kind's flags of `kiez post`. */
export function addKindOptions (cmd: Command, collect: (v: string, p: string[] | undefined) => string[]): Command {
  return cmd
    .addOption(new Option('--kind <kind>', 'what kind of post').choices([...POST_KINDS]))
    .option('--price <text>', 'offer: a price, "free", "5 €" (up to 64 bytes)')
    .option('--starts <iso>', 'event: when it starts (ISO, e.g. 2026-06-13T15:00; local time without a zone)')
    .option('--ends <iso>', 'event: when it ends')
    .option('--place <text>', 'event: where')
    .option('--description <text>', 'event: more about it')
    .option('--option <text>', 'poll: an option (2 to 10, repeat the flag)', collect)
    .option('--multiple', 'poll: voters may choose several options')
    .option('--closes <iso>', 'poll: when voting closes (default: in 7 days)')
}
