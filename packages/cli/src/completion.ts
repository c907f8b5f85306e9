import type { Command, Option } from 'commander'

/**
 * Shell completion generated from the command tree, so a new command or flag
 * completes without touching this file. commander has none built in.
 */
interface Node {
  path: string
  words: string[]
}

function optionWords (cmd: Command): string[] {
  const words: string[] = []
  for (const o of cmd.options as Option[]) {
    if (o.long !== undefined) words.push(o.long)
    if (o.short !== undefined) words.push(o.short)
  }
  return [...words, '--help']
}

function walk (cmd: Command, prefix: string[], out: Node[], values: Map<string, string>): void {
  const subs = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
  out.push({ path: prefix.join(' '), words: [...subs.map((c) => c.name()), ...optionWords(cmd)] })
  for (const o of cmd.options as Option[]) {
    if (o.long === undefined || !o.required && !o.optional) continue
    if (o.argChoices !== undefined) values.set(o.long, `-W ${quote(o.argChoices.join(' '))}`)
    else if (/dir/.test(o.long)) values.set(o.long, '-d')
    else if (/config|psk|file/.test(o.long)) values.set(o.long, '-f')
  }
  for (const c of subs) walk(c, [...prefix, c.name()], out, values)
}

function quote (s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

export function bashCompletion (program: Command): string {
  const nodes: Node[] = []
  const values = new Map<string, string>()
  walk(program, [], nodes, values)
  const name = program.name()
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_completion`
  const known = nodes.filter((n) => n.path !== '').map((n) => {
    const parts = n.path.split(' ')
    return `"${parts.slice(0, -1).join(' ')} ${parts[parts.length - 1] ?? ''}"`
  })
  return [
    `# ${name} completion for bash: eval "$(${name} completion bash)" (or save it under /etc/bash_completion.d/${name})`,
    `${fn} () {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" path="" w i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w="${COMP_WORDS[i]}"',
    '    case "$path $w" in',
    `      ${known.join('|')}) path="\${path:+$path }$w" ;;`,
    '    esac',
    '  done',
    '  case "$prev" in',
    ...[...values].map(([flag, how]) => `    ${flag}) COMPREPLY=( $(compgen ${how} -- "$cur") ); return ;;`),
    '  esac',
    '  local words=""',
    '  case "$path" in',
    ...nodes.map((n) => `    ${quote(n.path)}) words=${quote(n.words.join(' '))} ;;`),
    '  esac',
    '  COMPREPLY=( $(compgen -W "$words" -- "$cur") )',
    '}',
    `complete -o default -F ${fn} ${name}`,
    ''
  ].join('\n')
}

/** zsh runs the same function through its bash completion layer (bashcompinit). */
export function zshCompletion (program: Command): string {
  return [
    `#compdef ${program.name()}`,
    `# ${program.name()} completion for zsh: eval "$(${program.name()} completion zsh)"`,
    'autoload -U +X compinit && { (( ${+functions[compdef]} )) || compinit }',
    'autoload -U +X bashcompinit && bashcompinit',
    bashCompletion(program)
  ].join('\n')
}
