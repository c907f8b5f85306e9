import {
  hash as oneShotHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject
} from 'node:crypto'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './constants.js'

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export function sha256 (bytes: Uint8Array): Uint8Array {
  // crypto.hash is the one-shot API: about twice as fast as createHash for entry-sized inputs.
  const d = oneShotHash('sha256', bytes, 'buffer')
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
}

/**
 * Builds node:crypto KeyObjects once per author. Building one per verify
 * halves the verify rate, so every verifier shares this bounded cache.
 */
export class PublicKeyCache {
  private readonly keys = new Map<string, KeyObject>()
  constructor (private readonly max = 4096) {}

  get (raw: Uint8Array): KeyObject {
    const k = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1')
    let key = this.keys.get(k)
    if (key === undefined) {
      key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' })
      // Map iteration order is insertion order: drop the oldest when full.
      if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value as string)
      this.keys.set(k, key)
    }
    return key
  }
}

/** Verifies an ed25519 signature; false (never a throw) for any malformed input. */
export function verifySignature (
  cache: PublicKeyCache,
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array
): boolean {
  if (publicKey.byteLength !== PUBLIC_KEY_BYTES || signature.byteLength !== SIGNATURE_BYTES) return false
  try {
    return cryptoVerify(null, data, cache.get(publicKey), signature)
  } catch {
    return false
  }
}

/** Produces signatures for one author. The box's libp2p identity key is one such author. */
export interface Signer {
  readonly publicKey: Uint8Array
  sign(data: Uint8Array): Uint8Array
}

/** A Signer over a 32-byte ed25519 seed (libp2p's Ed25519 private key `.raw` is seed ‖ public key). */
export function signerFromSeed (seed: Uint8Array): Signer {
  if (seed.byteLength !== 32) throw new RangeError('ed25519 seed must be 32 bytes')
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8'
  })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  const publicKey = new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.byteLength))
  return {
    publicKey,
    sign: (data) => new Uint8Array(cryptoSign(null, data, privateKey))
  }
}
