import { ApiError } from '../api.js'

/** An error as one line for the page: the box's message and its stable code. */
export function message (err: unknown): string {
  return err instanceof ApiError ? `${err.message} (${err.code})` : String(err)
}
