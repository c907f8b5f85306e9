/**
 * Stable error codes of the mesh package. The CLI and the control API map
 * them to messages and exit codes, so never rename one: add new ones.
 */
export type MeshErrorCode =
  | 'no_route' // no address known and the DHT could not find one
  | 'no_reply' // a connection or stream was attempted but the peer did not answer
  | 'bad_target' // not a peer id nor a multiaddr
  | 'bad_config' // KiezNodeInit is invalid (mesh name, listen address, psk)
  | 'not_started' // operation needs a running node
  | 'listen_failed' // libp2p could not start, almost always a listen address in use or not local
  | 'identity_unreadable' // identity.key exists but cannot be read or decoded
  | 'identity_permissions' // identity.key is readable by group/others
  | 'identity_wrong_type' // identity.key holds a non-Ed25519 key

export class MeshError extends Error {
  readonly code: MeshErrorCode
  constructor (code: MeshErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MeshError'
    this.code = code
  }
}

/** A caught value's `message` when it has one, else the value itself, as text. */
export function messageOf (err: unknown): string {
  return String((err as { message?: unknown } | null | undefined)?.message ?? err)
}
