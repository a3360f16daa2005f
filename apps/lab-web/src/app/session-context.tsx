import { createContext, useCallback, useContext, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react'
import { LabError } from '../api/http'
import type { SessionClient, SessionSnapshot } from '../api/session-client'
import type { Command, NodeId } from '../protocol'
import { useNotices } from './notices'

/** A link the user picked in the cluster view: the directed pair `from → to`. */
export interface LinkSelection {
  readonly from: NodeId
  readonly to: NodeId
}

interface Session {
  readonly client: SessionClient
  readonly snapshot: SessionSnapshot
  /** Sends a command; a refusal shows as a notice. Resolves to whether it was applied. */
  readonly send: (command: Command) => Promise<boolean>
  readonly selectedNode: NodeId | null
  readonly selectNode: (node: NodeId | null) => void
  readonly selectedLink: LinkSelection | null
  readonly selectLink: (link: LinkSelection | null) => void
  /** While drawing a partition: the group (0, 1, 2) each node is put in. */
  readonly partitionDraft: Readonly<Record<NodeId, number>> | null
  readonly setPartitionDraft: (draft: Readonly<Record<NodeId, number>> | null) => void
  /** The control panel's open tab: picking a node opens "node", a link "network". */
  readonly panel: PanelTab
  readonly setPanel: (tab: PanelTab) => void
}

export type PanelTab = 'node' | 'network' | 'client' | 'rules' | 'run'

const SessionContext = createContext<Session | null>(null)

export function SessionProvider({ client, children }: { readonly client: SessionClient; readonly children: ReactNode }) {
  const snapshot = useSyncExternalStore(client.subscribe, client.getSnapshot)
  const { notify } = useNotices()
  const [selectedNode, selectNode] = useState<NodeId | null>(null)
  const [selectedLink, selectLink] = useState<LinkSelection | null>(null)
  const [partitionDraft, setPartitionDraft] = useState<Readonly<Record<NodeId, number>> | null>(null)
  const [panel, setPanel] = useState<PanelTab>('node')
  const send = useCallback(
    async (command: Command) => {
      try {
        await client.send(command)
        return true
      } catch (error) {
        notify('error', error instanceof LabError ? error.describe() : String(error))
        return false
      }
    },
    [client, notify],
  )
  const value = useMemo<Session>(
    () => ({
      client,
      snapshot,
      send,
      selectedNode,
      selectNode,
      selectedLink,
      selectLink,
      partitionDraft,
      setPartitionDraft,
      panel,
      setPanel,
    }),
    [client, snapshot, send, selectedNode, selectedLink, partitionDraft, panel],
  )
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (session === null) throw new Error('useSession outside <SessionProvider>')
  return session
}
