import { createContext, useContext } from 'react'
import type { Me } from '../api/account'
import type { CreateSessionBody } from '../protocol'

export type View = 'sim' | 'scenarios' | 'live' | 'saved'

/** What any part of the page may ask of the shell: start a run, move between views, the account. */
export interface Lab {
  /** Starts a run and shows it; `at` (virtual ms) opens it paused at that moment. */
  readonly startSession: (body: CreateSessionBody, at?: number) => Promise<void>
  readonly view: View
  readonly navigate: (view: View) => void
  readonly me: Me | null
  readonly refreshMe: () => void
  readonly showSignInHelp: () => void
}

export const LabContext = createContext<Lab | null>(null)

export function useLab(): Lab {
  const lab = useContext(LabContext)
  if (lab === null) throw new Error('useLab outside <LabContext>')
  return lab
}
