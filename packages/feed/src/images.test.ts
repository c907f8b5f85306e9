import { encode } from 'cborg'
import { describe, expect, it } from 'vitest'
import { sha256 } from './crypto.js'
import { decodeBody, encodeBody } from './encoding.js'
import { blobCid, imagesJson, imageValue, parseBlobCid, type ImageRef } from './images.js'
import { parseBody } from './parse.js'

const thumb = { hash: sha256(Buffer.from('t')), type: 'image/webp', bytes: 900, width: 320, height: 200, alt: 'klein' }
const img: ImageRef = {
  hash: sha256(Buffer.from('p')),
  type: 'image/jpeg',
  bytes: 900_000,
  width: 1600,
  height: 1000,
  alt: 'Hof',
  thumb
}

describe('images on posts and replies', () => {
  it('round-trips a post and a reply with images through both parsers', () => {
    for (
      const body of [
        { type: 'post' as const, text: 'x', images: [img, { ...img, thumb: null }] },
        { type: 'reply' as const, text: '', replyTo: sha256(Buffer.from('r')), images: [img] }
      ]
    ) {
      const bytes = encodeBody(body)
      const fast = parseBody(body.type, bytes)
      const ref = decodeBody(body.type, bytes)
      expect(fast).toEqual(ref)
      expect(fast.ok && fast.value).toEqual(body)
    }
  })

  it('refuses the wrong shapes as malformed_content in both parsers', () => {
    const bad: unknown[][] = [
      ['x', [[img.hash, 'image/jpeg', 1, 1, 1, 'a']]], // 6 items: no thumb slot
      ['x', [imageValue(img, true).concat([1])]],
      ['x', [[...imageValue(img, false), [...imageValue(thumb, false), null]]]], // a thumb with a thumb
      ['x', [[img.hash.subarray(1), 'image/jpeg', 1, 1, 1, 'a', null]]],
      ['x', 'not an array'],
      ['x', [], 'later']
    ]
    for (const v of bad) {
      const bytes = encode(v)
      const fast = parseBody('post', bytes)
      const ref = decodeBody('post', bytes)
      expect(fast.ok ? 'ok' : fast.code).toBe('malformed_content')
      expect(ref.ok ? 'ok' : ref.code).toBe('malformed_content')
    }
  })

  it('names blobs by CIDv1 raw sha2-256 ids and reads them back, refusing entry ids', () => {
    const cid = blobCid(img.hash)
    expect(cid.startsWith('bafkrei')).toBe(true)
    expect(parseBlobCid(cid)).toEqual(img.hash)
    expect(parseBlobCid('bafyreia74x4gp77oyhj2r5pa7k4nsgd4tjbpru6vvo4u4yz57asod4eqym')).toBeUndefined()
    expect(parseBlobCid('nonsense')).toBeUndefined()
    expect(imagesJson([img])[0]).toEqual({
      cid,
      type: 'image/jpeg',
      bytes: 900_000,
      width: 1600,
      height: 1000,
      alt: 'Hof',
      thumb: { cid: blobCid(thumb.hash), type: 'image/webp', bytes: 900, width: 320, height: 200, alt: 'klein' }
    })
  })
})
