import { generateKey } from '@libp2p/pnet'
import { MeshError } from './errors.js'

// '/key/swarm/psk/1.0.0/\n/base16/\n' + 64 hex digits (the go-ipfs swarm.key format)
const PSK_FILE_BYTES = 95
const PSK_RE = /^\/key\/swarm\/psk\/1\.0\.0\/\r?\n\/base16\/\r?\n([0-9a-f]{64})\s*$/

/** A new pnet key file (swarm.key format, readable by go-libp2p/kubo too). */
export function generatePsk (): Uint8Array {
  const bytes = new Uint8Array(PSK_FILE_BYTES)
  generateKey(bytes)
  return bytes
}

/**
 * Checks a key file before libp2p sees it, so a typo fails at start with a
 * typed error instead of every connection silently failing later.
 * Only the base16 encoding is accepted (what generatePsk writes).
 */
export function checkPsk (psk: Uint8Array): void {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(psk)
  if (psk.byteLength > 256 || !PSK_RE.test(text)) {
    throw new MeshError('bad_config', 'psk is not a /key/swarm/psk/1.0.0/ base16 key file (make one with generatePsk)')
  }
}
