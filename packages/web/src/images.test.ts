import { describe, expect, it } from 'vitest'
import { fitWithin, MAX_SIDE, THUMB_SIDE } from './images/prepare.js'
import { asBlobRef, asImages, blobUrl } from './images/refs.js'

const CID = 'bafkreiexnxs74atzkbdogug7f46zn3aomenc3ipprtxdcf25kslo4euf64'
const THUMB = 'bafkreic7hse2f2y37moap3qazxgsnyspzkjjx45b5l2ichkjrwet3adbt4'

describe('fitWithin', () => {
  it('scales the long side down to the limit, keeping the aspect, never up', () => {
    expect(fitWithin(4032, 3024, MAX_SIDE)).toEqual({ width: 1600, height: 1200 })
    expect(fitWithin(3024, 4032, MAX_SIDE)).toEqual({ width: 1200, height: 1600 })
    expect(fitWithin(1200, 1600, THUMB_SIDE)).toEqual({ width: 240, height: 320 })
    expect(fitWithin(800, 600, MAX_SIDE)).toEqual({ width: 800, height: 600 })
    // a panorama keeps at least one pixel on its short side
    expect(fitWithin(100_000, 10, THUMB_SIDE)).toEqual({ width: 320, height: 1 })
  })
})

describe('asImages (feed JSON)', () => {
  const image = {
    cid: CID,
    type: 'image/jpeg',
    bytes: 921_600,
    width: 1600,
    height: 1200,
    alt: 'Fahrrad',
    thumb: { cid: THUMB, type: 'image/jpeg', bytes: 20_000, width: 320, height: 240, alt: 'Fahrrad' }
  }

  it('keeps well-formed images, with or without a thumb', () => {
    expect(asImages([image])).toEqual([image])
    expect(asImages([{ ...image, thumb: null }])).toEqual([{ ...image, thumb: null }])
  })

  it('leaves out what the page must not show: other types, bad ids, odd sizes, a thumb over 320 px', () => {
    expect(asImages([{ ...image, type: 'image/svg+xml' }])).toBeUndefined()
    expect(asImages([{ ...image, cid: '../../status' }])).toBeUndefined()
    expect(asImages([{ ...image, bytes: 2 * 1024 * 1024 }])).toBeUndefined()
    expect(asImages([{ ...image, width: 0 }])).toBeUndefined()
    expect(asImages([{ ...image, thumb: { ...image.thumb, width: 321 } }])).toEqual([{ ...image, thumb: null }])
    expect(asImages([])).toBeUndefined()
    expect(asImages('nope')).toBeUndefined()
    // at most four, and a missing alt is an empty one
    expect(asImages(Array.from({ length: 6 }, () => image))?.length).toBe(4)
    expect(asImages([{ ...image, alt: 7 }])?.[0]?.alt).toBe('')
  })

  it('reads a POST /blobs answer, and names the blob\'s URL', () => {
    expect(asBlobRef({ cid: CID, type: 'image/webp', bytes: 1, width: 1, height: 1 })).toEqual({
      cid: CID,
      type: 'image/webp',
      bytes: 1,
      width: 1,
      height: 1
    })
    expect(asBlobRef({ cid: CID, type: 'text/html', bytes: 1, width: 1, height: 1 })).toBeUndefined()
    expect(blobUrl(CID)).toBe(`/api/v1/blobs/${CID}`)
  })
})
