import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from './main.js'
import type { Io } from './client-commands.js'

async function run (argv: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const io: Io = {
    out: (s) => {
      out += s
    },
    err: (s) => {
      err += s
    },
    env: {},
    now: () => Date.now()
  }
  const code = await main(argv, io)
  return { code, out, err }
}

const dir = mkdtempSync(join(tmpdir(), 'kiez-completion-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** What bash offers after `words` (the last word is the one being completed). */
function complete (script: string, words: string[]): string[] {
  const file = join(dir, 'kiez.bash')
  writeFileSync(file, script)
  const arr = words.map((w) => `'${w}'`).join(' ')
  const out = execFileSync('bash', [
    '-c',
    `source ${file}; COMP_WORDS=(${arr}); COMP_CWORD=${
      words.length - 1
    }; _kiez_completion; printf '%s\\n' "\${COMPREPLY[@]}"`
  ], { encoding: 'utf8' })
  return out.split('\n').filter((l) => l !== '')
}

describe('kiez completion', () => {
  it('bash: commands, subcommands, flags and flag values, all from the command tree', async () => {
    const r = await run(['completion', 'bash'])
    expect(r.code).toBe(0)
    expect(complete(r.out, ['kiez', ''])).toEqual(
      expect.arrayContaining(['daemon', 'status', 'topology', 'why', 'doctor', 'delete', 'edit', 'completion'])
    )
    expect(complete(r.out, ['kiez', 'to'])).toEqual(['topology'])
    expect(complete(r.out, ['kiez', 'dht', ''])).toEqual(expect.arrayContaining(['find', 'table']))
    expect(complete(r.out, ['kiez', 'dht', 'find', '--'])).toEqual(expect.arrayContaining(['--data-dir', '--json']))
    expect(complete(r.out, ['kiez', 'topology', '--format', ''])).toEqual(['text', 'dot', 'json'])
    expect(complete(r.out, ['kiez', 'peers', '--v'])).toEqual(['--verbose'])
  })

  it('zsh: the same through bashcompinit; an unknown shell is a usage error', async () => {
    const z = await run(['completion', 'zsh'])
    expect(z.code).toBe(0)
    expect(z.out).toMatch(/^#compdef kiez/)
    expect(z.out).toContain('bashcompinit')
    expect(z.out).toContain('complete -o default -F _kiez_completion kiez')
    const bad = await run(['completion', 'fish'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/bash or zsh/)
  })
})
