/**
 * Readers for the packaging files, shared by the static checks and the lab
 * test: the compose file (parsed by a real YAML parser), the Dockerfile and
 * the systemd unit, and the compose neighbourhood turned into a lab spec.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LabSpec } from '../lab/index.ts'

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const COMPOSE_FILE = join(REPO, 'docker/compose.yaml')
export const DOCKERFILE = join(REPO, 'docker/Dockerfile')
export const UNIT_FILE = join(REPO, 'packaging/systemd/kiez.service')
export const OPENWRT_INIT = join(REPO, 'packaging/openwrt/kiez.init')
export const OPENWRT_CONFIG = join(REPO, 'packaging/openwrt/kiez.config')

// --- YAML ------------------------------------------------------------------

/**
 * Why python: no YAML parser is a dependency of the workspace, and PyYAML
 * resolves anchors and `<<` merge keys the way Compose does.
 */
export function yamlSkipReason (): string | undefined {
  const r = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' })
  if (r.error !== undefined) return 'no python3 (apt-get install -y python3-yaml)'
  if (r.status !== 0) return 'no PyYAML (apt-get install -y python3-yaml)'
  return undefined
}

export function parseYamlFile (file: string): unknown {
  const script = 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))'
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${file}: YAML does not parse: ${r.stderr.trim()}`)
  return JSON.parse(r.stdout)
}

// --- compose ---------------------------------------------------------------

export interface ComposeService {
  build?: { context?: string, dockerfile?: string } | string
  image?: string
  command?: unknown
  networks?: string[] | Record<string, unknown>
  volumes?: string[]
  ports?: string[]
  environment?: Record<string, string | number | boolean> | string[]
  healthcheck?: { test?: string[] | string, disable?: boolean }
  restart?: string
  [key: string]: unknown
}

export interface ComposeFile {
  services: Record<string, ComposeService>
  networks?: Record<string, { driver?: string, ipam?: { config?: Array<{ subnet?: string }> } } | null>
  volumes?: Record<string, unknown>
}

export function loadCompose (): ComposeFile {
  return parseYamlFile(COMPOSE_FILE) as ComposeFile
}

export function serviceNetworks (s: ComposeService): string[] {
  if (s.networks === undefined) return []
  return Array.isArray(s.networks) ? s.networks : Object.keys(s.networks)
}

export function serviceEnv (s: ComposeService): Record<string, string> {
  const env = s.environment ?? {}
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => {
      const i = kv.indexOf('=')
      return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)]
    }))
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]))
}

/** The compose neighbourhood as a lab spec: boxes in service order, one link per street network in network order. */
export function composeToLabSpec (compose: ComposeFile): LabSpec & { streets: string[] } {
  const names = Object.keys(compose.services)
  const streets = Object.keys(compose.networks ?? {})
  const links = streets.map((street) =>
    names.flatMap((n, i) => (serviceNetworks(compose.services[n]!).includes(street) ? [i] : []))
  )
  return { boxes: names.length, links, names, streets }
}

/** Are all streets joined, street to street through boxes that sit on both? */
export function streetsConnected (spec: { links: number[][] }): boolean {
  if (spec.links.length === 0) return false
  const seen = new Set([0])
  const queue = [0]
  while (queue.length > 0) {
    const s = queue.shift()!
    spec.links.forEach((members, t) => {
      if (!seen.has(t) && members.some((b) => spec.links[s]!.includes(b))) {
        seen.add(t)
        queue.push(t)
      }
    })
  }
  return seen.size === spec.links.length
}

/** "127.0.0.1:7311:7300" → {hostIp, host: 7311, container: 7300}. */
export function parsePort (p: string): { hostIp?: string, host: number, container: number } {
  const m = /^(?:(\d+\.\d+\.\d+\.\d+):)?(\d+):(\d+)(?:\/tcp)?$/.exec(p)
  if (m === null) throw new Error(`port mapping ${p} is not [IP:]HOST:CONTAINER`)
  return { ...(m[1] !== undefined ? { hostIp: m[1] } : {}), host: Number(m[2]), container: Number(m[3]) }
}

/** Is an IPv4 CIDR inside 198.18.0.0/15? */
export function inBenchmarkRange (cidr: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr)
  if (m === null) return false
  const [a, b, c, d, len] = m.slice(1).map(Number) as [number, number, number, number, number]
  if ([a, b, c, d].some((x) => x > 255) || len < 15 || len > 32) return false
  return a === 198 && (b === 18 || b === 19)
}

// --- Dockerfile ------------------------------------------------------------

export interface DockerInstruction {
  keyword: string
  args: string
  line: number
}
export interface DockerStage {
  from: string
  name?: string
  instructions: DockerInstruction[]
}

/** Instructions grouped by stage (comments dropped, `\` continuations joined). */
export function parseDockerfile (text: string): DockerStage[] {
  const stages: DockerStage[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let l = lines[i]!
    if (/^\s*(#|$)/.test(l)) continue
    while (/\\\s*$/.test(l) && i + 1 < lines.length) {
      i++
      const next = lines[i]!
      if (/^\s*#/.test(next)) {
        l = l.replace(/\\\s*$/, '\\')
        continue
      }
      l = l.replace(/\\\s*$/, ' ') + next.trim()
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(l)
    if (m === null) throw new Error(`Dockerfile line ${start + 1}: cannot read ${JSON.stringify(l)}`)
    const ins = { keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 }
    if (ins.keyword === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)
      if (f === null) throw new Error(`Dockerfile line ${start + 1}: odd FROM ${ins.args}`)
      stages.push({ from: f[1]!, ...(f[2] !== undefined ? { name: f[2] } : {}), instructions: [] })
    } else if (ins.keyword !== 'ARG' || stages.length > 0) {
      if (stages.length === 0) throw new Error(`Dockerfile line ${start + 1}: ${ins.keyword} before FROM`)
      stages.at(-1)!.instructions.push(ins)
    }
  }
  return stages
}

export function loadDockerfile (): DockerStage[] {
  return parseDockerfile(readFileSync(DOCKERFILE, 'utf8'))
}

/** The exec-form (JSON array) argument of an instruction, after its --options. */
export function execForm (args: string): string[] {
  const json = args.replace(/^(--\S+\s+)*/, '').replace(/^CMD\s+/, '')
  const parsed: unknown = JSON.parse(json)
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw new Error(`not an exec-form array: ${args}`)
  }
  return parsed
}

// --- systemd ---------------------------------------------------------------

/** section → key → values (a key may repeat). */
export function parseUnit (text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>()
  let section: Map<string, string[]> | undefined
  for (const raw of text.split('\n')) {
    const l = raw.trim()
    if (l === '' || l.startsWith('#') || l.startsWith(';')) continue
    const s = /^\[(.+)\]$/.exec(l)
    if (s !== null) {
      section = new Map()
      out.set(s[1]!, section)
      continue
    }
    const i = l.indexOf('=')
    if (section === undefined || i < 0) throw new Error(`unit: cannot read ${JSON.stringify(l)}`)
    const k = l.slice(0, i).trim()
    section.set(k, [...(section.get(k) ?? []), l.slice(i + 1).trim()])
  }
  return out
}
