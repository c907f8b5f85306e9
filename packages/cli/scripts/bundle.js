// The daemon and CLI as a few files (esbuild), what the packaging runs: a router starts it in
// ~0.7 s instead of ~1 s, since Node resolves and reads ~2 000 modules one by one otherwise
// (docs/DECISIONS.md, "Start-up"). Split at the CLI's dynamic imports, so `kiez status` does not
// load libp2p. Run by `npm run build` after tsc; reads packages/cli/dist, writes packages/cli/bundle.
//
// The output sits at the same depth as dist/ (packages/cli/bundle/*.mjs): the code finds
// ../package.json and ../../web/dist/ relative to its own file, and those must still resolve.
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const cli = fileURLToPath(new URL('..', import.meta.url))
const outdir = `${cli}bundle`
rmSync(outdir, { recursive: true, force: true })
const result = await build({
  entryPoints: [`${cli}dist/bin.js`],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outdir,
  outExtension: { '.js': '.mjs' },
  // the LevelDB binding loads a prebuilt .node file from its own package directory
  external: ['classic-level'],
  // some CommonJS dependencies call require() for Node's built-ins
  banner: {
    js:
      'import { createRequire as __kiezRequire } from \'node:module\'; const require = __kiezRequire(import.meta.url);'
  },
  // Without comments and indentation the code V8 keeps as source is 3.4 MB, not 5.0: comments with
  // characters beyond Latin-1 (…, ⋅, −) also made V8 hold the whole chunk as two-byte, 9 MB of heap.
  // Names are kept, so a stack trace still says which function (at line 1, a column).
  legalComments: 'none',
  minifyWhitespace: true,
  logLevel: 'warning',
  metafile: true
})
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0)
console.log(`@kiez/cli: bundle/bin.mjs and ${Object.keys(result.metafile.outputs).length - 1} chunks, ${bytes} B`)
