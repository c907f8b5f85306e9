import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import {
  dhtFindCommand,
  dhtTableCommand,
  deleteCommand,
  editCommand,
  feedCommand,
  searchCommand,
  pairCommand,
  peersCommand,
  pingCommand,
  postCommand,
  profileCommand,
  statusCommand,
  syncCommand,
  topologyCommand,
  whyCommand,
  doctorCommand,
  type AsOptions,
  type ClientOptions,
  type Io
} from './client-commands.js'
import { CliError, EXIT } from './errors.js'
import { version } from './version.js'
import { bashCompletion, zshCompletion } from './completion.js'
import { configCommand } from './daemon-config.js'
import { addModerationCommands } from './moderation.js'
import { addDmCommands } from './dm.js'
import type { ImageOptions } from './images.js'
import { addKindOptions, addLifeCommands, postKindCommand, type KindOptions } from './life.js'
import { addMemberCommands } from './members.js'

function collect (value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

function positiveInt (max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`)
    }
    return n
  }
}

const example = (lines: string[]): string =>
  `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`

/** `--as NAME` on every command that signs an entry. */
function writingCommand (cmd: Command): Command {
  return clientCommand(cmd).option(
    '--as <name>',
    'the member who writes (kiez member list); may be left out when the box has one member, or none (then the box writes)'
  )
}

function clientCommand (cmd: Command): Command {
  return cmd
    .option(
      '--data-dir <dir>',
      'data dir of the daemon to ask (default: $KIEZ_DATA_DIR, $XDG_DATA_HOME/kiez or ~/.local/share/kiez)'
    )
    .option('--json', 'print exactly one JSON document on stdout')
}

/** Only the flags the user typed: commander's defaults must not override the config file or env. */
function typedFlags (cmd: Command): Record<string, unknown> {
  const opts = cmd.opts()
  return Object.fromEntries(
    Object.keys(opts).filter((k) => cmd.getOptionValueSource(k) === 'cli').map((k) => [k, opts[k]])
  )
}

/**
 * Builds the `kiez` program. Every failure ends as a thrown CliError or
 * CommanderError, so `main` alone decides what is printed and the status.
 */
export function buildProgram (io: Io, result: { exitCode: number }): Command {
  const program = new Command('kiez')
    .description('Kiez: a neighbourhood mesh box and its diagnostics')
    .version(version(), '-V, --version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Commander may spread an error and its suggestion over lines; the contract is one line.
      outputError: (s, write) => write(`kiez: ${s.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}\n`)
    })
    .addHelpText(
      'after',
      example(['kiez daemon --data-dir ~/kiez', 'kiez status', 'kiez post "lost cat, grey, answers to Mia"'])
    )

  program.command('daemon')
    .description('run a box in the foreground (JSON log lines on stdout; stop with Ctrl-C or SIGTERM)')
    .option(
      '--data-dir <dir>',
      'where the identity, feed and control socket live (default: $KIEZ_DATA_DIR, $XDG_DATA_HOME/kiez or ~/.local/share/kiez)'
    )
    .option('--config <file>', 'config file (default: <data dir>/config.json)')
    .option('--http <host:port>', 'address of the LAN web gateway (default 0.0.0.0:7300)')
    .option('--no-http', 'do not serve the web gateway')
    .option(
      '--http-allow-host <name>',
      'a name the web gateway answers to besides its addresses and hostname (say a DNS name), repeatable',
      collect
    )
    .option('--listen <multiaddr>', 'libp2p listen address, repeatable (default /ip4/0.0.0.0/tcp/7301)', collect)
    .option('--bootstrap <multiaddr>', 'peer to dial at start, /ip4/…/tcp/…/p2p/<peer id>, repeatable', collect)
    .option('--no-mdns', 'do not find neighbours by mDNS')
    .option('--mesh <name>', 'mesh name: only boxes with the same name connect (default kiez)')
    .option('--psk <file>', 'private network key file (/key/swarm/psk/1.0.0/): only boxes with it connect')
    .option(
      '--max-store-mb <n>',
      'the most the feed store may take on disk, in MiB (default: a quarter of the free space at first start, 64-4096)',
      positiveInt(16_777_216)
    )
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent'
      ])
    )
    .addOption(
      new Option(
        '--print-config',
        'print the settings it would run with (defaults < config file < env < flags) as JSON, and exit'
      ).conflicts('checkConfig')
    )
    .option('--check-config', 'check the settings (and the --psk file) without starting: exit 0 if fine, 2 if not')
    .option('--json', 'with --check-config: one JSON document')
    .option(
      '--fresh-feed-ok',
      'after a store reset: post without first learning this box\'s own feed from a neighbour (only if no box ever saw its posts; a one-off, do not leave it in a unit file)'
    )
    .addHelpText(
      'after',
      example([
        'kiez daemon',
        'kiez daemon --check-config --config /etc/kiez/config.json',
        'kiez daemon --data-dir /tmp/box1 --listen /ip4/198.18.0.1/tcp/7301 --no-mdns \\\n      --bootstrap /ip4/198.18.0.2/tcp/7301/p2p/12D3KooW…'
      ])
    )
    .action(async (_opts: unknown, cmd: Command) => {
      // Loaded only here: client commands must start fast and never load libp2p.
      const { runDaemon, createMeshNode } = await import('@kiez/daemon')
      const { printConfig, checkConfig, json, ...flags } = typedFlags(cmd)
      if (flags.httpAllowHost !== undefined) {
        flags.httpAllowedHosts = flags.httpAllowHost
        delete flags.httpAllowHost
      }
      if (printConfig === true || checkConfig === true) {
        await configCommand(flags, {
          printConfig: printConfig === true,
          checkConfig: checkConfig === true,
          json: json === true
        }, io)
        return
      }
      result.exitCode = await runDaemon({
        flags,
        env: io.env,
        createNode: createMeshNode,
        printError: (l) => io.err(l + '\n')
      })
    })

  clientCommand(program.command('status'))
    .description('peer id, mesh, listen addresses, uptime, counts and health lines of the local daemon')
    .addHelpText('after', example(['kiez status', 'kiez status --json --data-dir /tmp/box1']))
    .action(async (opts: ClientOptions) => {
      await statusCommand(opts, io)
    })

  clientCommand(program.command('peers'))
    .description('connected and known peers: how each was found, direction, latency')
    .option(
      '-v, --verbose',
      'also the agent version and the sync state: entries each has that we lack, and the reverse'
    )
    .addHelpText('after', example(['kiez peers', 'kiez peers -v', 'kiez peers --json']))
    .action(async (opts: ClientOptions & { verbose?: boolean }) => {
      await peersCommand(opts, io)
    })

  addKindOptions(
    writingCommand(
      program.command('post').argument(
        '<text>',
        'what to post (up to 8 KiB of UTF-8); an event\'s title, a poll\'s question'
      )
    )
      .description('sign a post with a member\'s key (or this box\'s, if it has no members) and share it with the mesh')
      .option('--reply-to <id>', 'entry id this post answers')
      .option('--image <file>', 'an already-prepared JPEG/PNG/WebP/AVIF of at most 1 MiB (repeat: up to 4)', collect)
      .option('--alt <text>', 'the alt text of the --image before it (repeatable)', collect)
      .option('--thumb <file>', 'a thumbnail (≤ 320 px a side) of the --image before it (repeatable)', collect),
    collect
  )
    .addHelpText(
      'after',
      example([
        'kiez post "Flohmarkt Sunday 10:00, Hof 3"',
        'kiez post --as Anna "Wer hat eine Leiter?"',
        'kiez post "Fahrrad zu verkaufen" --image rad.jpg --alt "blaues Hollandrad" --thumb rad-thumb.jpg',
        'kiez post --kind offer "Sofa zu verschenken" --price free',
        'kiez post --kind event "Hoffest" --starts 2026-06-13T15:00 --place "Hof 3"',
        'kiez post --kind poll "Wann Hoffest?" --option Samstag --option Sonntag --closes 2026-06-01'
      ])
    )
    .action(
      async (text: string, opts: ClientOptions & AsOptions & KindOptions & ImageOptions & { replyTo?: string }) => {
        if (Object.keys(opts).some((k) => !['replyTo', 'dataDir', 'json', 'as', 'image', 'alt', 'thumb'].includes(k))) {
          await postKindCommand(text, opts, io)
        } else await postCommand(text, opts, io)
      }
    )

  writingCommand(
    program.command('delete').argument('<id>', 'entry id (bafyrei…) of one of this box\'s posts or replies')
  )
    .description(
      'delete one of this box\'s posts or replies: a signed delete entry; every box that gets it drops the text for good'
    )
    .addHelpText('after', example(['kiez delete bafyreig…', 'kiez delete bafyreig… --json']))
    .action(async (id: string, opts: ClientOptions & AsOptions) => {
      await deleteCommand(id, opts, io)
    })

  writingCommand(
    program.command('edit')
      .argument('<id>', 'entry id (bafyrei…) of one of this box\'s posts or replies')
      .argument('<text>', 'the new text (up to 8 KiB of UTF-8)')
  )
    .description(
      'replace the text of one of this box\'s posts or replies: a signed edit entry; feeds show it as edited'
    )
    .addHelpText('after', example(['kiez edit bafyreig… "Flohmarkt Sunday 11:00, Hof 3"']))
    .action(async (id: string, text: string, opts: ClientOptions & AsOptions) => {
      await editCommand(id, text, opts, io)
    })

  writingCommand(program.command('profile').argument('<name>', 'the display name (up to 128 bytes of UTF-8)'))
    .description(
      'publish a profile: the box\'s display name (its household\'s name too), or with --as a member\'s name and about'
    )
    .option('--about <text>', 'a few words about the member (up to 280 bytes)')
    .addOption(
      new Option('--box', 'the box\'s own display name even when it has members (the household\'s name)').conflicts(
        'as'
      )
    )
    .addHelpText(
      'after',
      example([
        'kiez profile "Hof 3"',
        'kiez profile --box "Hof 3"',
        'kiez profile --as Anna Anna --about "Drill and ladder to lend, 2nd floor"'
      ])
    )
    .action(async (name: string, opts: ClientOptions & AsOptions & { about?: string, box?: boolean }) => {
      await profileCommand(name, opts, io)
    })

  clientCommand(program.command('feed'))
    .description('the newest entries this box has, newest first')
    .option('--limit <n>', 'how many entries (1-500, default 50)', positiveInt(500))
    .option('--before <cursor>', 'continue below a page (the cursor a previous page printed)')
    .option(
      '--kind <kind>',
      'only entries of this kind (post, offer, request, event, lost, found, recommendation, alert, poll, …)'
    )
    .addOption(
      new Option('-f, --follow', 'keep printing new entries as they arrive (with --json: one entry per line)')
        .conflicts('before')
    )
    .addHelpText(
      'after',
      example(['kiez feed --limit 20', 'kiez feed --follow', 'kiez feed --json | jq -r ".entries[].text"'])
    )
    .action(async (opts: ClientOptions & { limit?: number, before?: string, follow?: boolean, kind?: string }) => {
      await feedCommand(opts, io)
    })

  clientCommand(program.command('search').argument('<words...>', 'the words to find (the last one also as a prefix)'))
    .description('find entries this box holds by their text, author name or kind, newest first')
    .option('--kind <kind>', 'only entries of this kind (post, offer, request, event, poll, …)')
    .option('--limit <n>', 'how many entries (1-100, default 20)', positiveInt(100))
    .addHelpText(
      'after',
      example(['kiez search bohrmaschine', 'kiez search --kind offer sofa', 'kiez search strasse --json'])
    )
    .action(async (words: string[], opts: ClientOptions & { limit?: number, kind?: string }) => {
      await searchCommand(words, opts, io)
    })

  clientCommand(program.command('ping').argument('<peer>', 'peer id, or a multiaddr to dial directly'))
    .description('round-trip times to a peer, looked up in the DHT if no address is known')
    .option('-c, --count <n>', 'how many pings (1-20, default 3)', positiveInt(20))
    .option(
      '-W, --timeout <seconds>',
      'how long to wait for each reply, dial included (1-60, default 5); a DHT lookup has its own 15 s',
      positiveInt(60)
    )
    .addHelpText(
      'after',
      example(['kiez ping 12D3KooW… -c 5', 'kiez ping /ip4/198.18.0.2/tcp/7301/p2p/12D3KooW… --timeout 2'])
    )
    .action(async (target: string, opts: ClientOptions & { count?: number, timeout?: number }) => {
      await pingCommand(target, opts, io)
    })

  const dht = program.command('dht').description('the Kad-DHT: peer routing and the routing table')
    .addHelpText('after', example(['kiez dht table', 'kiez dht find 12D3KooW…']))
  clientCommand(dht.command('find').argument('<peer>', 'peer id to look up'))
    .description('ask the DHT for a peer\'s addresses')
    .addHelpText('after', example(['kiez dht find 12D3KooW…']))
    .action(async (peerId: string, opts: ClientOptions) => {
      await dhtFindCommand(peerId, opts, io)
    })
  clientCommand(dht.command('table'))
    .description('the DHT routing table, closest first')
    .addHelpText('after', example(['kiez dht table --json']))
    .action(async (opts: ClientOptions) => {
      await dhtTableCommand(opts, io)
    })

  clientCommand(
    program.command('sync').argument('[author]', 'an author\'s peer id: only that author, against every neighbour')
  )
    .description(
      'per neighbour and author: our latest seq against theirs, and which seqs are missing where (also for neighbours that went, from their last heads)'
    )
    .addHelpText(
      'after',
      example([
        'kiez sync',
        'kiez sync 12D3KooW…',
        'kiez sync --json | jq \'.peers[] | {peerId, connected, theyLack}\''
      ])
    )
    .action(async (author: string | undefined, opts: ClientOptions) => {
      await syncCommand(author, opts, io)
    })

  clientCommand(
    program.command('why').argument(
      '<entry-id>',
      'the entry id (bafyrei…), as kiez feed --json or the web page shows it'
    )
  )
    .description(
      'why an entry is or is not on this box: here, refused (by whom, which code), author forked, a neighbour has it, never seen'
    )
    .option('--author <peer-id>', 'the author, if you know it: explains an entry no neighbour has offered yet')
    .option('--seq <n>', 'its seq in the author\'s feed, with --author', positiveInt(Number.MAX_SAFE_INTEGER))
    .addHelpText('after', example(['kiez why bafyreig…', 'kiez why bafyreig… --author 12D3KooW… --seq 12 --json']))
    .action(async (id: string, opts: ClientOptions & { author?: string, seq?: number }) => {
      await whyCommand(id, opts, io)
    })

  clientCommand(program.command('doctor'))
    .description(
      'checks you can act on: data dir, control socket, ports, multicast per interface, mDNS, DHT, clock, neighbours (exit 1 if any fails, 69 if no daemon)'
    )
    .addHelpText('after', example(['kiez doctor', 'kiez doctor --json | jq \'.checks[] | select(.status != "ok")\'']))
    .action(async (opts: ClientOptions) => {
      await doctorCommand(opts, io)
    })

  clientCommand(program.command('topology'))
    .description('boxes and links of the mesh as far as neighbours report them (up to 3 hops)')
    .addOption(
      new Option('--format <format>', 'text (adjacency list), dot (Graphviz) or json').choices(['text', 'dot', 'json'])
        .default('text')
    )
    .addHelpText(
      'after',
      example(['kiez topology', 'kiez topology --format dot | dot -Tsvg > mesh.svg', 'kiez topology --json'])
    )
    .action(async (opts: ClientOptions & { format?: 'text' | 'dot' | 'json' }) => {
      await topologyCommand(opts, io)
    })

  clientCommand(program.command('pair'))
    .description('a one-time code (and QR code) that lets a browser post through the web feed')
    .addOption(new Option('--member <name>', 'the browser posts as this member of the household'))
    .addOption(new Option('--list', 'list the paired browsers instead').conflicts(['member', 'revoke', 'revokeAll']))
    .addOption(new Option('--revoke <id>', 'log one paired browser out (an id from --list)').conflicts(['member']))
    .addOption(new Option('--revoke-all', 'forget every paired browser instead').conflicts(['member', 'revoke']))
    .addHelpText(
      'after',
      example(['kiez pair --member Anna', 'kiez pair', 'kiez pair --list', 'kiez pair --revoke 3f9c0a1b2c3d4e5f'])
    )
    .action(async (opts: ClientOptions & { revokeAll?: boolean, member?: string, list?: boolean, revoke?: string }) => {
      await pairCommand(opts, io)
    })

  addModerationCommands(program, io, { clientCommand, example })
  addLifeCommands(program, io, { clientCommand, writingCommand, example })
  addMemberCommands(program, io, { clientCommand, example })
  addDmCommands(program, io, { writingCommand, example })

  program.command('psk').argument('<file>', 'where to write the key (must not exist)')
    .description('write a new private network key: only boxes started with the same --psk file can connect')
    .addHelpText('after', example(['kiez psk ~/hof3.key && kiez daemon --psk ~/hof3.key']))
    .action(async (file: string) => {
      const { createPskFile, DaemonError } = await import('@kiez/daemon')
      try {
        await createPskFile(file)
      } catch (err) {
        if (err instanceof DaemonError) throw new CliError(err.code, err.message, EXIT.failure)
        throw err
      }
      io.out(
        `wrote a new private network key to ${file}: copy it to every box of the mesh and start each with --psk ${file}\n`
      )
    })

  program.command('completion').argument('<shell>', 'bash or zsh')
    .description('print a shell completion script for kiez')
    .addHelpText(
      'after',
      example(['eval "$(kiez completion bash)"    # in ~/.bashrc', 'eval "$(kiez completion zsh)"     # in ~/.zshrc'])
    )
    .action((shell: string) => {
      if (shell === 'bash') io.out(bashCompletion(program))
      else if (shell === 'zsh') io.out(zshCompletion(program))
      else throw new CliError('bad_shell', `no completion for "${shell}": use bash or zsh`, EXIT.usage)
    })

  return program
}

/** Runs `kiez` with `argv` (without node and script); resolves with the exit status. */
export async function main (argv: string[], io: Io): Promise<number> {
  const result = { exitCode: EXIT.ok as number }
  const program = buildProgram(io, result)
  const wantsJson = argv.includes('--json') || argv.includes('--format=json') ||
    argv.some((a, i) => a === '--format' && argv[i + 1] === 'json')
  try {
    await program.parseAsync(argv, { from: 'user' })
    return result.exitCode
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version "errors" are successes; everything else commander reports is a usage error
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    const e = err instanceof CliError
      ? err
      : new CliError('internal', err instanceof Error ? err.message : String(err), EXIT.failure)
    if (wantsJson && !e.reported) io.out(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n')
    io.err(`kiez: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`)
    return e.exitCode
  }
}
