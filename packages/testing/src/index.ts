/**
 * @packageDocumentation
 *
 * The test toolbox: `eventually`, the one loop that waits for a state a test
 * cannot be told about (a count reached, a peer connected, a line served),
 * `Log`, an author's chain of signed entries built body by body, and
 * `jpegFixture`, a JPEG-structured file of a chosen size.
 * Used by the package tests and the suites under test/, never by shipped code.
 *
 * Must not import a Kiez package other than `@kiez/feed` (which every other
 * one builds on), a test runner or anything with I/O. `filesHolding`, which
 * reads a data dir's raw files, is the one exception and lives apart, at
 * `@kiez/testing/files`, so this entry point stays free of `node:fs`. Only
 * ever a devDependency, so it costs the production install nothing.
 */
export { eventually, type EventuallyOptions } from './eventually.js'
export { jpegFixture } from './jpeg.js'
export { Log, NOW } from './log.js'
