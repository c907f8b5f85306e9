// A memory cgroup as a small router's RAM for the benchmarks (bench-mesh.js `--only=small`): the kernel charges
// the group its processes' anonymous memory and the page cache they fill (LevelDB's tables, the binary's pages
// they touch first), reclaims clean pages when the group reaches its limit, and OOM-kills inside the group
// when nothing more can be reclaimed. So "does a box live in N MB" is answered by the kernel, not estimated.
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const V2_ROOT = '/sys/fs/cgroup'
const V1_ROOT = '/sys/fs/cgroup/memory'
const MiB = 1024 * 1024

/**
 * Makes the group `name` limited to `limitMb` (cgroup v2 if the unified hierarchy has the memory controller,
 * else v1's memory hierarchy), or `{ unavailable: reason }` where neither can be made (not root,
 * no memory controller, a read-only /sys).
 */
export function memoryCgroup (name, limitMb) {
  try {
    return v2Available() ? makeV2(name, limitMb) : makeV1(name, limitMb)
  } catch (err) {
    return { unavailable: `cannot make a memory cgroup: ${err.message}` }
  }
}

function v2Available () {
  const controllers = join(V2_ROOT, 'cgroup.controllers')
  return existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('memory')
}

function makeV2 (name, limitMb) {
  // the parent hands the memory controller down (idempotent; fails only where it may not)
  writeFileSync(join(V2_ROOT, 'cgroup.subtree_control'), '+memory')
  const dir = join(V2_ROOT, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'memory.max'), String(limitMb * MiB))
  writeFileSync(join(dir, 'memory.swap.max'), '0')
  return group(dir, {
    usageMb: () => Number(readFileSync(join(dir, 'memory.current'), 'utf8')) / MiB,
    oomKills: () => Number(/^oom_kill (\d+)$/m.exec(readFileSync(join(dir, 'memory.events'), 'utf8'))?.[1] ?? 0),
    majorFaults: () => statField(dir, 'pgmajfault')
  })
}

function makeV1 (name, limitMb) {
  if (!existsSync(join(V1_ROOT, 'memory.limit_in_bytes'))) throw new Error('no cgroup memory controller mounted')
  const dir = join(V1_ROOT, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitMb * MiB))
  // what the process was charged before it moved in moves with it, where the kernel still offers that (it is
  // a few ms of `ip netns exec` either way)
  try {
    writeFileSync(join(dir, 'memory.move_charge_at_immigrate'), '3')
  } catch {}
  // no swap on this machine; where there is, the group may not swap its way past the limit either
  try {
    writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(limitMb * MiB))
  } catch {}
  return group(dir, {
    usageMb: () => Number(readFileSync(join(dir, 'memory.usage_in_bytes'), 'utf8')) / MiB,
    oomKills: () => Number(/^oom_kill (\d+)$/m.exec(readFileSync(join(dir, 'memory.oom_control'), 'utf8'))?.[1] ?? 0),
    majorFaults: () => statField(dir, 'pgmajfault')
  })
}

/** One counter of the group's memory.stat (v1 and v2 both name the page faults that read from disk pgmajfault). */
function statField (dir, name) {
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(readFileSync(join(dir, 'memory.stat'), 'utf8'))?.[1] ?? NaN)
}

function group (dir, read) {
  return {
    /**
     * Moves a process (and so what it starts) into the group. Done from outside, by pid, right after the
     * spawn: `ip netns exec` mounts a sysfs of its own, so the box cannot reach the group's files itself.
     */
    add (pid) {
      try {
        writeFileSync(join(dir, 'cgroup.procs'), String(pid))
      } catch (err) {
        throw Object.assign(new Error(`cannot move pid ${pid} into ${dir}: ${err.message}`), { code: 'cgroup_add' })
      }
    },
    ...read,
    /** Removes the group once its processes are gone (never throws: a leftover empty group is harmless). */
    close () {
      try {
        rmdirSync(dir)
      } catch {}
    }
  }
}

/**
 * A copy of a binary whose pages are in no page cache yet (written, synced, then dropped with
 * posix_fadvise(DONTNEED), through python3: Node has no fadvise). The kernel charges a file's cached pages to
 * the group that reads them first; every Node process of the lab shares one binary, whose ~35-55 MB of touched
 * pages would otherwise be charged to whichever process ran first, never to the box under test. A box on a
 * router is the only Node process there and pays for them.
 */
export function uncachedCopy (src, dst) {
  copyFileSync(src, dst)
  chmodSync(dst, 0o755)
  execFileSync('python3', [
    '-c',
    'import os, sys\nfd = os.open(sys.argv[1], os.O_RDONLY)\nos.fsync(fd)\nos.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)',
    dst
  ])
  return dst
}
