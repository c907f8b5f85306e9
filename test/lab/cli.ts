/**
 * The mesh lab demo, run as root from the repo root:
 *   node_modules/.bin/node test/lab/cli.ts up --boxes 5 --topology line --mode segment
 *   node_modules/.bin/node test/lab/cli.ts down
 */
import { existsSync } from 'node:fs'
import { relative } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { createLab, KIEZ_BIN, NODE_BIN } from './lab.ts'
import type { Lab } from './lab.ts'
import { cleanupStale, labSkipReason } from './netns.ts'
import { TOPOLOGIES, topology } from './topology.ts'
import type { LinkMode, TopologyName } from './topology.ts'

const USAGE = `usage:
  cli.ts up [--boxes N] [--topology ${TOPOLOGIES.join('|')}] [--mode segment|routed]
            [--dir DIR] [--no-daemon] [--logs] [-- extra daemon flags…]
  cli.ts down [--prefix PREFIX]   remove leftovers of crashed labs (all labs whose owner is gone, or PREFIX*)`

function fail (msg: string, code = 2): never {
  console.error(`lab: ${msg}`)
  process.exit(code)
}

async function up (argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      boxes: { type: 'string', default: '5' },
      topology: { type: 'string', default: 'line' },
      mode: { type: 'string', default: 'segment' },
      dir: { type: 'string' },
      'no-daemon': { type: 'boolean', default: false },
      logs: { type: 'boolean', default: false }
    }
  })
  const boxes = Number(values.boxes)
  if (!Number.isInteger(boxes) || boxes < 1) fail('--boxes must be a positive whole number')
  if (!(TOPOLOGIES as readonly string[]).includes(values.topology)) {
    fail(`--topology must be one of ${TOPOLOGIES.join(', ')}`)
  }
  if (values.mode !== 'segment' && values.mode !== 'routed') fail('--mode must be segment or routed')
  const daemons = !values['no-daemon']
  if (daemons && !existsSync(KIEZ_BIN)) fail(`${KIEZ_BIN} is missing: build first (npx tsc -b)`, 1)
  const reason = labSkipReason()
  if (reason !== undefined) fail(reason, 1)

  const lab = await createLab({
    ...topology(values.topology as TopologyName, boxes),
    mode: values.mode as LinkMode,
    dir: values.dir,
    handleSignals: false // we stop the daemons gracefully below
  })
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    console.log('\nstopping boxes and removing the namespaces…')
    void lab.close().then(() => {
      console.log('lab removed')
      process.exit(0)
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  print(lab, daemons)
  commands(lab, positionals, values.logs)
  if (!daemons) return
  for (let b = 0; b < lab.boxes; b++) {
    const proc = lab.start(b, {
      args: positionals,
      onLine: values.logs
        ? (l) => {
          console.log(`[box ${b}] ${l.text}`)
        }
        : undefined
    })
    void proc.exited.then(() => {
      if (!stopping) {
        console.log(
          `box ${b} exited (${proc.signal ?? `code ${proc.exitCode}`}); last lines:\n${
            proc.tail.slice(-5).map((l) => `  ${l.text}`).join('\n')
          }`
        )
      }
    })
  }
  console.log(
    `\n${lab.boxes} daemons started${
      values.logs ? '' : ' (add --logs to see their log lines)'
    }. Ctrl-C stops everything.`
  )
}

/** A tiny console on stdin so the demo can partition and kill without a second terminal. */
function commands (lab: Lab, args: string[], logs: boolean): void {
  const rl = createInterface({ input: process.stdin })
  rl.on('line', (text) => {
    const [verb, a, b] = text.trim().split(/\s+/)
    const n = Number(a)
    const m = b === undefined ? undefined : Number(b)
    const act = async (): Promise<string> => {
      switch (verb) {
        case 'cut':
          await lab.cut(n, m)
          return `link ${n} cut${m !== undefined ? ` for box ${m}` : ''}`
        case 'heal':
          await lab.heal(n, m)
          return `link ${n} healed${m !== undefined ? ` for box ${m}` : ''}`
        case 'kill':
          await lab.kill(n, 'SIGKILL')
          return `box ${n} killed`
        case 'start':
          lab.start(n, {
            args,
            onLine: logs
              ? (l) => {
                console.log(`[box ${n}] ${l.text}`)
              }
              : undefined
          })
          return `box ${n} started`
        case 'restart':
          await lab.restart(n)
          return `box ${n} restarted`
        case 'show':
          print(lab, true)
          return ''
        case undefined:
        case '':
          return ''
        default:
          return 'commands: cut LINK [BOX] | heal LINK [BOX] | kill BOX | start BOX | restart BOX | show'
      }
    }
    act().then((msg) => {
      if (msg !== '') console.log(msg)
    }, (e: Error & { code?: string }) => {
      console.log(`${e.code ?? 'error'}: ${e.message}`)
    })
  })
}

function print (lab: Lab, daemons: boolean): void {
  const rel = (p: string): string => relative(process.cwd(), p) || '.'
  console.log(
    `lab ${lab.prefix}: ${lab.boxes} boxes, ${lab.spec.links.length} links, ${lab.mode} mode, data in ${lab.dir}\n`
  )
  for (const d of lab.describe()) {
    const ifs = d.interfaces.map((ifc, k) => `${ifc} ${d.addresses[k]}`).join(', ')
    console.log(`box ${d.box}${d.name !== undefined ? ` (${d.name})` : ''}  ns ${d.ns}  ${ifs}`)
  }
  lab.spec.links.forEach((members, l) => {
    console.log(
      `link ${l}: boxes ${members.join(', ')}${members.length > 2 ? ` (segment, bridge in ${lab.switchNs(l)})` : ''}`
    )
  })
  const ns = lab.ns(0)
  const addr = lab.addresses(0)[0] ?? '198.18.0.1'
  console.log(`\nreach a box (as root), e.g. box 0:
  shell    ip netns exec ${ns} bash
  status   ip netns exec ${ns} ${rel(NODE_BIN)} ${rel(KIEZ_BIN)} status --data-dir ${lab.dataDir(0)}
  web      ip netns exec ${ns} curl http://${addr}:7300/api/v1/status

type here: cut LINK [BOX] | heal LINK [BOX] | kill BOX | start BOX | restart BOX | show`)
  if (!daemons) console.log('\nno daemons started (--no-daemon); the lab stays up until Ctrl-C.')
}

const [cmd, ...rest] = process.argv.slice(2)
if (cmd === 'up') {
  await up(rest).catch((e: Error & { code?: string }) => fail(`${e.code ?? 'error'}: ${e.message}`, 1))
  setInterval(() => {}, 1 << 30) // stay in the foreground until a signal
} else if (cmd === 'down') {
  const { values } = parseArgs({ args: rest, options: { prefix: { type: 'string' } } })
  const removed = cleanupStale(values.prefix)
  console.log(removed.length === 0 ? 'nothing to remove' : `removed ${removed.join(' ')}`)
} else {
  console.log(USAGE)
  process.exit(cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 2)
}
