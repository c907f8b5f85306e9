// Container health: exit 0 when the box answers, 1 otherwise (Docker HEALTHCHECK, or by hand).
//
// First GET /api/v1/status on the HTTP gateway (port from KIEZ_HTTP, else 7300).
// When nothing listens there, the control socket decides: a daemon that says
// its gateway is not serving (configured off, or a build without the gateway)
// is healthy; one that says it serves but refuses connections is not.
import { ControlClient, controlSocketPath, defaultDataDir } from '@kiez/daemon/control'

const TIMEOUT_MS = 4000
const port = /:(\d{1,5})$/.exec(process.env.KIEZ_HTTP ?? '')?.[1] ?? '7300'

function fail (why) {
  console.error(`unhealthy: ${why}`)
  process.exit(1)
}

try {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/status`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
  if (!res.ok) fail(`GET /api/v1/status answered ${res.status}`)
  process.exit(0)
} catch (err) {
  if (err?.cause?.code !== 'ECONNREFUSED') fail(`GET /api/v1/status: ${err?.cause?.message ?? err?.message ?? err}`)
}

try {
  const status = await new ControlClient({ socketPath: controlSocketPath(defaultDataDir()), timeoutMs: TIMEOUT_MS })
    .status()
  if (status.http?.serving === true) {
    fail(`the gateway should serve on ${status.http.address} but port ${port} refuses connections`)
  }
  process.exit(0)
} catch (err) {
  fail(`control socket: ${err?.message ?? err}`)
}
