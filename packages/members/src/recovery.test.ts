import { signerFromSeed } from '@kiez/feed'
import { describe, expect, it } from 'vitest'
import { MemberError, phraseFromSeed, seedFromPhrase } from './index.js'

// The 256-bit entropy vectors of BIP39 (English), from the reference vectors the spec links to (trezor/python-mnemonic).
const BIP39_256: Array<[string, string]> = [
  [
    '0000000000000000000000000000000000000000000000000000000000000000',
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon ' +
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art'
  ],
  [
    '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
    'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful ' +
    'legal winner thank year wave sausage worth title'
  ],
  [
    '8080808080808080808080808080808080808080808080808080808080808080',
    'letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid ' +
    'letter advice cage absurd amount doctor acoustic bless'
  ],
  [
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote'
  ],
  [
    '68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c',
    'hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis ' +
    'maple dilemma loan word shrug inflict delay length'
  ],
  [
    '9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863',
    'panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash ' +
    'devote level hobby quick inner drive ghost inside'
  ],
  [
    '066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad',
    'all hour make first leader extend hole alien behind guard gospel lava path output census museum junior mass ' +
    'reopen famous sing advance salt reform'
  ],
  [
    'f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f',
    'void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group ' +
    'space point ten exist slush involve unfold'
  ]
]

const seedOf = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

function codeOf (fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    return err instanceof MemberError ? err.code : `not a MemberError: ${String(err)}`
  }
}

describe('recovery phrases (BIP39, 256-bit entropy = the ed25519 seed)', () => {
  it('writes and reads the spec\'s 256-bit vectors', () => {
    for (const [entropy, phrase] of BIP39_256) {
      expect(phraseFromSeed(seedOf(entropy))).toBe(phrase)
      expect(Buffer.from(seedFromPhrase(phrase)).toString('hex')).toBe(entropy)
    }
  })

  it('round-trips random seeds to the same signing key', () => {
    for (let i = 0; i < 50; i++) {
      const seed = crypto.getRandomValues(new Uint8Array(32))
      const phrase = phraseFromSeed(seed)
      expect(phrase.split(' ')).toHaveLength(24)
      const back = seedFromPhrase(phrase)
      expect(back).toEqual(seed)
      expect(signerFromSeed(back).publicKey).toEqual(signerFromSeed(seed).publicKey)
    }
  })

  it('forgives case, extra spaces and line breaks', () => {
    const [entropy, phrase] = BIP39_256[4] as [string, string]
    const typed = '  ' + phrase.toUpperCase().split(' ').map((w, i) => i % 6 === 5 ? `${w}\n` : `${w}  `).join('')
    expect(Buffer.from(seedFromPhrase(typed)).toString('hex')).toBe(entropy)
  })

  it('refuses a bad checksum: a word changed for another of the list, or two swapped', () => {
    const words = (BIP39_256[4] as [string, string])[1].split(' ')
    const changed = [...words]
    changed[3] = changed[3] === 'abandon' ? 'ability' : 'abandon'
    expect(codeOf(() => seedFromPhrase(changed.join(' ')))).toBe('bad_checksum')
    const swapped = [...words]
    ;[swapped[0], swapped[1]] = [swapped[1] as string, swapped[0] as string]
    expect(codeOf(() => seedFromPhrase(swapped.join(' ')))).toBe('bad_checksum')
    // all-abandon ends in "art": "abandon" × 24 has the wrong checksum
    expect(codeOf(() => seedFromPhrase(Array(24).fill('abandon').join(' ')))).toBe('bad_checksum')
  })

  it('refuses the wrong number of words and words not in the list, naming them', () => {
    const words = (BIP39_256[5] as [string, string])[1].split(' ')
    expect(codeOf(() => seedFromPhrase(words.slice(0, 23).join(' ')))).toBe('bad_phrase')
    expect(codeOf(() => seedFromPhrase([...words, 'zoo'].join(' ')))).toBe('bad_phrase')
    expect(codeOf(() => seedFromPhrase(''))).toBe('bad_phrase')
    // a 12-word phrase is valid BIP39, but 128 bits are not an ed25519 seed
    expect(codeOf(() => seedFromPhrase(Array(11).fill('abandon').concat('about').join(' ')))).toBe('bad_phrase')
    const typo = [...words]
    typo[6] = 'mufin'
    expect(() => seedFromPhrase(typo.join(' '))).toThrow(/word 7 \("mufin"\)/)
    expect(codeOf(() => seedFromPhrase(42 as unknown as string))).toBe('bad_phrase')
  })

  it('takes only 32-byte seeds', () => {
    expect(() => phraseFromSeed(new Uint8Array(16))).toThrow(RangeError)
  })
})
