/**
 * Runs the OpenWrt init script's start_service() outside OpenWrt: the UCI and
 * procd helpers it calls are replaced by small shell stubs that read options
 * from CFG_* variables and print every procd call, so a test can see the
 * exact command line a UCI config turns into.
 */
import { spawnSync } from 'node:child_process'
import { OPENWRT_INIT } from './packaging.ts'

export interface UciOptions {
  [option: string]: string | string[] | undefined
}

export interface ProcdInstance {
  command: string[]
  params: Record<string, string[]>
}

export interface InitRun {
  code: number
  stderr: string
  instances: ProcdInstance[]
}

// Each procd call is printed as one line: fields joined by US (0x1f).
const STUBS = String.raw`
US=$(printf '\037')
emit() { out="$1"; shift; for a in "$@"; do out="$out$US$a"; done; printf '%s\n' "$out"; }
config_load() { [ "$1" = kiez ] || { echo "config_load $1" >&2; return 1; }; }
config_get() {
  [ "$2" = main ] || return 1
  eval "_set=\${CFG_$3+x}; _v=\${CFG_$3-}"
  [ -n "$_set" ] || _v="$4"
  eval "$1=\$_v"
}
config_get_bool() {
  config_get _b "$2" "$3" "$4"
  case "$_b" in 1|on|true|yes|enabled) _b=1 ;; 0|off|false|no|disabled) _b=0 ;; *) _b="$4" ;; esac
  eval "$1=\$_b"
}
config_list_foreach() {
  [ "$1" = main ] || return 1
  eval "_list=\${CFG_$2-}"
  _old="$IFS"; IFS='
'
  for _item in $_list; do IFS="$_old"; "$3" "$_item"; IFS='
'; done
  IFS="$_old"
}
procd_open_instance() { emit open; }
procd_close_instance() { emit close; }
procd_set_param() { emit set "$@"; }
procd_append_param() { emit append "$@"; }
procd_add_reload_trigger() { emit trigger "$@"; }
user_exists() { [ "$1" = "$STUB_USER" ]; }
group_exists() { return 0; }
user_add() { echo "user_add $*" >&2; return 1; }
group_add() { return 0; }
`

/**
 * Sources the init script (its rc.common shebang is then just a comment),
 * points NODE_BIN/KIEZ_JS at this machine's files and calls start_service.
 * `user` must be an existing account here when data_dir gets chowned.
 */
export function runStartService (uci: UciOptions, paths: { nodeBin: string, kiezJs: string, user: string }): InitRun {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', STUB_USER: paths.user }
  for (const [k, v] of Object.entries(uci)) {
    if (!/^[a-z_]+$/.test(k)) throw new Error(`odd option name ${k}`)
    if (v !== undefined) env[`CFG_${k}`] = Array.isArray(v) ? v.join('\n') : v
  }
  const script = `${STUBS}
. "$1" || exit 90
NODE_BIN="$2"
KIEZ_JS="$3"
start_service
`
  const r = spawnSync('sh', ['-c', script, 'kiez-init-test', OPENWRT_INIT, paths.nodeBin, paths.kiezJs], {
    env,
    encoding: 'utf8',
    timeout: 10_000
  })
  if (r.error !== undefined) throw r.error
  const instances: ProcdInstance[] = []
  let cur: ProcdInstance | undefined
  for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
    const [op, name, ...args] = line.split('\x1f')
    if (op === 'open') {
      cur = { command: [], params: {} }
      continue
    }
    if (op === 'close' && cur !== undefined) {
      instances.push(cur)
      cur = undefined
      continue
    }
    if ((op === 'set' || op === 'append') && cur !== undefined && name !== undefined) {
      if (name === 'command') cur.command = op === 'set' ? args : [...cur.command, ...args]
      else cur.params[name] = op === 'set' ? args : [...(cur.params[name] ?? []), ...args]
      continue
    }
    throw new Error(`unexpected output of the init script: ${JSON.stringify(line)}`)
  }
  return { code: r.status ?? -1, stderr: r.stderr, instances }
}
