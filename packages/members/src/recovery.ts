import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { MemberError } from './errors.js'

/** A recovery phrase has 24 words: 256 bits of entropy (the seed) and an 8-bit checksum (BIP39). */
export const PHRASE_WORDS = 24

const ENGLISH = new Set(wordlist)

/**
 * A member's key as a BIP39 recovery phrase: the 32-byte ed25519 seed is the
 * 256-bit entropy, written as 24 words of the English list. It is the key
 * itself, not a wallet seed: no passphrase, no PBKDF2, no derivation path
 * (docs/DECISIONS.md).
 */
export function phraseFromSeed (seed: Uint8Array): string {
  if (!(seed instanceof Uint8Array) || seed.byteLength !== 32) throw new RangeError('an ed25519 seed is 32 bytes')
  return entropyToMnemonic(seed, wordlist)
}

/**
 * The seed in a recovery phrase. Forgiving in what a person types (case,
 * spaces, line breaks between words), strict in what it means: exactly 24
 * words of the English list, and the checksum must match, or a MemberError
 * says which (`bad_phrase`, `bad_checksum`).
 */
export function seedFromPhrase (phrase: string): Uint8Array {
  if (typeof phrase !== 'string') throw new MemberError('bad_phrase', 'a recovery phrase is text')
  const words = phrase.normalize('NFKD').toLowerCase().split(/\s+/u).filter((w) => w !== '')
  if (words.length !== PHRASE_WORDS) {
    throw new MemberError('bad_phrase', `a recovery phrase has ${PHRASE_WORDS} words, this one has ${words.length}`)
  }
  const unknown = words.map((w, i) => [i + 1, w] as const).filter(([, w]) => !ENGLISH.has(w))
  if (unknown.length > 0) {
    const which = unknown.map(([i, w]) => `${i} ("${w.slice(0, 16)}")`).join(', ')
    throw new MemberError('bad_phrase', `word ${which} is not in the BIP39 English word list`)
  }
  try {
    return Uint8Array.from(mnemonicToEntropy(words.join(' '), wordlist))
  } catch (err) {
    throw new MemberError(
      'bad_checksum',
      'the recovery phrase\'s checksum does not match: a word is mistyped or two are swapped',
      { cause: err }
    )
  }
}
