/**
 * Fastify compiles every route's request validators (Ajv) and response
 * serializers (fast-json-stringify) when the app becomes ready: on a quiet
 * machine 250 ms for the control socket's routes and 140 ms for the
 * gateway's, most of a box's start, spent on the one thread while its mesh
 * node shakes hands with the first neighbours. Here each compiles on its
 * route's first use instead, once; a route never called costs nothing.
 * KIEZ_EAGER_SCHEMAS=1 compiles them all at the start again, as Fastify
 * would (a test starts a box so, to know that every schema compiles).
 */
import { Ajv, type ValidateFunction } from 'ajv'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>
type Factories = NonNullable<SchemaController['compilersFactory']>
type Validate = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown, schemaEnv?: unknown }

/**
 * A validator that compiles on its first use. Fastify reads `errors` after a failed call, and `schemaEnv`
 * (Ajv's mark) before one, to pass the request part's parent through which Ajv coerces or defaults the
 * part itself: both are the compiled function's own.
 */
function lazyValidator (compile: () => Validate, eager: boolean): Validate {
  let fn: Validate | undefined = eager ? compile() : undefined
  const compiled = (): Validate => (fn ??= compile())
  const v: Validate = (data, ctx) => compiled()(data, ctx)
  Object.defineProperty(v, 'errors', { get: () => compiled().errors })
  Object.defineProperty(v, 'schemaEnv', { get: () => compiled().schemaEnv })
  return v
}

/**
 * Fastify's `schemaController` option with lazily compiled validators and serializers. Query strings and
 * paths are text, so they are coerced ("50" → 50); JSON bodies are typed already and are not
 * ({"text": 5} is a mistake, not the post "5").
 */
export function lazySchemaController (
  opts: { allErrors: boolean, eager?: boolean }
): SchemaController {
  const eager = opts.eager ?? process.env.KIEZ_EAGER_SCHEMAS === '1'
  const options = { removeAdditional: false, useDefaults: true, allErrors: opts.allErrors, strict: false } as const
  const buildValidator: Factories['buildValidator'] = () => {
    const coercing = new Ajv({ ...options, coerceTypes: true })
    const strict = new Ajv({ ...options, coerceTypes: false })
    // typed as Ajv's own function, which it stands in for
    return ({ schema, httpPart }) =>
      lazyValidator(
        () => (httpPart === 'body' ? strict : coercing).compile(schema as object) as Validate,
        eager
      ) as unknown as ValidateFunction
  }
  const buildSerializer: Factories['buildSerializer'] = (externalSchemas, serializerOpts) => {
    const compile = SerializerSelector()(externalSchemas, serializerOpts)
    return (route) => {
      let fn = eager ? compile(route) : undefined
      return (doc) => (fn ??= compile(route))(doc)
    }
  }
  return { compilersFactory: { buildValidator, buildSerializer } }
}
