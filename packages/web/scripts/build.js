// Builds the page into dist/: index.html plus content-hashed JS and CSS, so the
// gateway can cache assets forever and the page needs nothing from outside the box.
import { build } from 'esbuild'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { icons } from './icons.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')

await rm(dist, { recursive: true, force: true })
await mkdir(join(dist, 'assets'), { recursive: true })

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/main.tsx', style: 'src/style.css' },
  outdir: 'dist/assets',
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning'
})

let js = ''
let css = ''
for (const out of Object.keys(result.metafile.outputs)) {
  if (out.endsWith('.js')) js = basename(out)
  if (out.endsWith('.css')) css = basename(out)
}
if (js === '' || css === '') throw new Error('esbuild produced no JS or no CSS')

const template = await readFile(join(root, 'src/index.html'), 'utf8')
const html = template.replaceAll('%APP_JS%', `/assets/${js}`).replaceAll('%APP_CSS%', `/assets/${css}`)
await writeFile(join(dist, 'index.html'), html)
// "add to home screen": the manifest and its icons, at fixed names the manifest and index.html link
await writeFile(join(dist, 'manifest.webmanifest'), await readFile(join(root, 'src/manifest.webmanifest')))
for (const [name, png] of Object.entries(icons())) await writeFile(join(dist, name), png)

const sizes = Object.entries(result.metafile.outputs).map(([f, o]) => `${basename(f)} ${o.bytes} B`)
console.log(`@kiez/web: dist/index.html, ${sizes.join(', ')}`)
