import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import { REPO_ROOT } from '../lab/index.ts'

const ajv = new Ajv({ allErrors: true, strict: true })
const cache = new Map<string, ValidateFunction>()

/** Checks a `kiez … --json` document against packages/cli/schemas/<name>.json; throws with ajv's errors. */
export function expectSchema (name: string, value: unknown): void {
  let v = cache.get(name)
  if (v === undefined) {
    v = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'packages/cli/schemas', `${name}.json`), 'utf8')) as object)
    cache.set(name, v)
  }
  if (!v(value)) {
    throw new Error(`not a valid ${name} document: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 500)}`)
  }
}
