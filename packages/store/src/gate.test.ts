import { describe, expect, it } from 'vitest'
import { composeGates, lateGate, type GateVerdict, type IngestGate } from './index.js'
import { full, hex, Log, openStore, post, signer } from '../test/helpers.js'

/** A gate scripted per author (hex of the key): a verdict, payloads taken or not, and what it was asked. */
function scripted (
  verdicts: Record<string, GateVerdict | GateVerdict[]>,
  refusePayloadsOf: string[] = []
): IngestGate & { asked: number[] } {
  const asked: number[] = []
  return {
    asked,
    admit: (e) => {
      asked.push(e.seq)
      const v = verdicts[hex(e.author) as string] ?? 'store'
      return Array.isArray(v) ? (v.shift() ?? 'store') : v
    },
    takesPayload: (author) => !refusePayloadsOf.includes(hex(author) as string)
  }
}

describe('the ingest gate', () => {
  const bob = new Log(signer(2))
  for (let i = 1; i <= 5; i++) bob.add(post(`bob ${i}`))
  const bobKey = hex(signer(2).publicKey) as string

  it('defer keeps a gossiped entry out of the store entirely; it goes in once the gate lets it', async () => {
    const gate = scripted({ [bobKey]: ['defer'] })
    const store = await openStore(undefined, { gate })
    const [e1] = bob.entries
    if (e1 === undefined) throw new Error('no entry')
    expect(await store.ingest(e1.bytes, e1.payload)).toMatchObject({ status: 'deferred' })
    expect(await store.get(e1.hash)).toBeUndefined()
    expect(store.head(e1.author)).toBeUndefined()
    expect(store.stats().deferred).toBe(1)
    expect(await store.ingest(e1.bytes, e1.payload)).toMatchObject({ status: 'stored', payload: 'stored' })
    expect((await store.get(e1.hash))?.body).toEqual(post('bob 1'))
  })

  it('defer in a range stores what came before it and nothing after, and says where it stopped', async () => {
    const gate = scripted({ [bobKey]: ['store', 'store', 'defer'] })
    const store = await openStore(undefined, { gate })
    const r = await store.ingestRange(bob.entries.map(full))
    expect(r).toMatchObject({ stored: 2, deferred: { index: 2 } })
    expect(r.rejection).toBeUndefined()
    expect(store.head(signer(2).publicKey)?.seq).toBe(2)
    expect(gate.asked).toEqual([1, 2, 3]) // not asked past the first defer: nothing after it is spent
    expect(store.stats().deferred).toBe(3)
    // the rest comes with a later pull
    expect(await store.ingestRange(bob.entries.slice(2).map(full))).toMatchObject({ stored: 3 })
    expect(store.head(signer(2).publicKey)?.seq).toBe(5)
  })

  it('header keeps the chain and refuses the content: not stored, not listed as missing while refused', async () => {
    const gate = scripted({ [bobKey]: 'header' }, [bobKey])
    const store = await openStore(undefined, { gate })
    const [e1, e2] = bob.entries
    if (e1 === undefined || e2 === undefined) throw new Error('no entry')
    expect(await store.ingest(e1.bytes, e1.payload)).toMatchObject({ status: 'stored', payload: 'refused' })
    const r = await store.ingestRange(bob.entries.slice(1).map(full))
    expect(r).toMatchObject({ stored: 4, payloads: { refused: 4, stored: 0 } })
    expect(store.head(signer(2).publicKey)?.seq).toBe(5)
    expect(await store.hasPayload(e1.hash)).toBe(false)
    expect(await store.hasPayload(e2.hash)).toBe(false)
    // fetched again while still refused: refused again
    expect(await store.ingest(e2.bytes, e2.payload)).toMatchObject({ status: 'duplicate', payload: 'refused' })
    expect(await store.missingPayloads()).toEqual([])
  })

  it('a header-only author becomes fetchable again when the gate takes its payloads again (unblock)', async () => {
    const refused = [bobKey]
    const gate: IngestGate = {
      admit: () => (refused.length > 0 ? 'header' : 'store'),
      takesPayload: (author) => !refused.includes(hex(author) as string)
    }
    const store = await openStore(undefined, { gate })
    await store.ingestRange(bob.entries.map(full))
    expect(await store.missingPayloads()).toEqual([])
    refused.length = 0
    expect((await store.missingPayloads()).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5])
    const [e1] = bob.entries
    if (e1 === undefined) throw new Error('no entry')
    expect(await store.ingest(e1.bytes, e1.payload)).toMatchObject({ status: 'duplicate', payload: 'stored' })
  })

  it('missing payloads page past the refused ones', async () => {
    const carol = new Log(signer(3))
    for (let i = 1; i <= 5; i++) carol.add(post(`carol ${i}`))
    const gate = scripted({}, [bobKey])
    const store = await openStore(undefined, { gate })
    await store.ingestRange(bob.entries.map((e) => e.bytes))
    await store.ingestRange(carol.entries.map((e) => e.bytes))
    const page = await store.missingPayloads({ limit: 3 })
    expect(page.map((m) => hex(m.author))).toEqual(Array(3).fill(hex(signer(3).publicKey)))
  })

  it('never gates a local append', async () => {
    const me = signer(7)
    const store = await openStore(undefined, { gate: { admit: () => 'defer', takesPayload: () => false } })
    const e = await store.append(me, post('mine'))
    expect((await store.get(e.hash))?.body).toEqual(post('mine'))
  })

  it('composed: the first defer wins and later gates are not asked; header wins over store', () => {
    const e = bob.entries[0]
    if (e === undefined) throw new Error('no entry')
    const a = scripted({ [bobKey]: 'header' })
    const b = scripted({ [bobKey]: 'defer' })
    const c = scripted({})
    expect(composeGates(a, b, c)?.admit(e)).toBe('defer')
    expect(c.asked).toEqual([])
    expect(composeGates(c, a)?.admit(e)).toBe('header')
    expect(composeGates(undefined, c)).toBe(c)
    expect(composeGates()).toBeUndefined()
    expect(composeGates(scripted({}, [bobKey]), c)?.takesPayload(e.author)).toBe(false)
  })

  it('late: lets everything in until bound, then asks only what it was bound to', () => {
    const e = bob.entries[0]
    if (e === undefined) throw new Error('no entry')
    const late = lateGate()
    expect(late.gate.admit(e)).toBe('store')
    expect(late.gate.takesPayload(e.author)).toBe(true)
    const inner = scripted({ [bobKey]: 'header' }, [bobKey])
    late.bind(inner)
    expect(late.gate.admit(e)).toBe('header')
    expect(late.gate.takesPayload(e.author)).toBe(false)
    expect(inner.asked).toEqual([e.seq])
  })
})
