import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { BlobRef } from './refs.js'

/** Uploads one prepared photo to the box (`POST /api/v1/blobs`); App provides it. */
export type Upload = (blob: Blob) => Promise<BlobRef>

/** Without a provider there is nowhere to upload to, and the compose boxes offer no photos. */
export const UploadContext = createContext<Upload | undefined>(undefined)

export function useUpload (): Upload | undefined {
  return useContext(UploadContext)
}
