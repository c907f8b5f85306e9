import { createContext } from 'preact'
import { useContext } from 'preact/hooks'

/** What a post of a kind can do on the box: answers to another entry, by the member this browser posts as. */
export interface LifeActions {
  vote: (poll: string, choices: number[]) => Promise<void>
  rsvp: (event: string, answer: 'going' | 'maybe' | 'no') => Promise<void>
  /** marks one of the writer's own offers or requests done */
  done: (target: string) => Promise<void>
}

const refused = async (): Promise<void> => {
  throw new Error('no box to answer to')
}

export const LifeContext = createContext<LifeActions>({ vote: refused, rsvp: refused, done: refused })

export function useLife (): LifeActions {
  return useContext(LifeContext)
}
