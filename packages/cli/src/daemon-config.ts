import type { Io } from './client-commands.js'
import { CliError } from './errors.js'

export interface ConfigFlags {
  printConfig?: boolean
  checkConfig?: boolean
  json?: boolean
}

/**
 * `kiez daemon --print-config` / `--check-config`: the settings a daemon would
 * run with (defaults < file < env < flags), without starting one. Lets an
 * init script (procd, systemd's ExecStartPre) refuse a broken UCI/config file
 * before it restarts the box in a loop.
 */
export async function configCommand (flags: Record<string, unknown>, mode: ConfigFlags, io: Io): Promise<void> {
  const { loadConfig, readPskFile, DaemonError, exitCodeFor } = await import('@kiez/daemon')
  let config
  try {
    config = await loadConfig({ flags, env: io.env })
    // The key file is the one setting whose content matters at start: check it too.
    if (config.psk !== undefined) await readPskFile(config.psk)
  } catch (err) {
    if (err instanceof DaemonError) throw new CliError(err.code, err.message, exitCodeFor(err))
    throw err
  }
  if (mode.printConfig === true) {
    io.out(JSON.stringify(config, null, 2) + '\n')
  } else if (mode.json === true) {
    io.out(JSON.stringify({ ok: true, config }) + '\n')
  } else {
    io.out(
      `configuration ok: data dir ${config.dataDir}, mesh ${config.mesh}, listen ${config.listen.join(' ')}, http ${
        config.http === false ? 'off' : config.http
      }, mDNS ${config.mdns ? 'on' : 'off'}${config.psk !== undefined ? `, private network key ${config.psk}` : ''}\n`
    )
  }
}
