import { ReconcileError } from './errors.js'
import { Negentropy } from './negentropy.js'
import type { ReconcileStorage } from './storage.js'

export interface LocalOutcome {
  have: Uint8Array[]
  need: Uint8Array[]
  rounds: number
  /** bytes initiator → responder, responder → initiator (negentropy messages only) */
  bytesOut: number
  bytesIn: number
}

/** Runs both sides in one process (tests, benches): what a session would do, without a stream. */
export function reconcileInMemory (
  initiator: ReconcileStorage,
  responder: ReconcileStorage,
  opts: { frameSizeLimit: number, maxRounds: number, idListBelow?: number, responderIdListBelow?: number }
): LocalOutcome {
  const a = new Negentropy(initiator, opts.frameSizeLimit, opts)
  const b = new Negentropy(responder, opts.frameSizeLimit, {
    idListBelow: opts.responderIdListBelow ?? opts.idListBelow
  })
  const out: LocalOutcome = { have: [], need: [], rounds: 0, bytesOut: 0, bytesIn: 0 }
  for (let msg: Uint8Array | null = a.initiate(); msg !== null;) {
    if (++out.rounds > opts.maxRounds) throw new ReconcileError('bad_state', `more than ${opts.maxRounds} rounds`)
    out.bytesOut += msg.byteLength
    const answer = b.reconcile(msg).output as Uint8Array
    out.bytesIn += answer.byteLength
    const r = a.reconcile(answer)
    out.have.push(...r.have)
    out.need.push(...r.need)
    msg = r.output
  }
  return out
}
