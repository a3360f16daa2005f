import { describeMessage, type Entry, type Message, type RaftEvent } from '@raftkit/raft'

/** Entries beyond this many are summarized by count only, so one event stays small. */
const entriesShownMax = 32

/** An entry as the event stream shows it: its position and kind, never its (opaque) bytes. */
export interface EntryJson {
  readonly index: number
  readonly term: number
  readonly kind: Entry['kind']
  /** Payload size of a command entry. */
  readonly bytes?: number
  /** The new configuration of a config entry. */
  readonly config?: { readonly voters: readonly string[]; readonly learners: readonly string[] }
}

function entryJson(entry: Entry): EntryJson {
  switch (entry.kind) {
    case 'command':
      return { index: entry.index, term: entry.term, kind: 'command', bytes: entry.data.byteLength }
    case 'noop':
      return { index: entry.index, term: entry.term, kind: 'noop' }
    case 'config':
      return { index: entry.index, term: entry.term, kind: 'config', config: entry.config }
  }
}

/**
 * A message as plain JSON: every field as the core has it, except that byte payloads become
 * their sizes (`chunkBytes`, `commandBytes`) and long entry lists are cut to their first
 * `entriesShownMax` (with `entriesCount` for the whole), plus `describe`, the canonical one-line
 * description the simulator's trace and the logs use.
 */
export function messageJson(message: Message): Record<string, unknown> {
  const json: Record<string, unknown> = { ...message }
  switch (message.type) {
    case 'AppendEntries':
      json.entries = message.entries.slice(0, entriesShownMax).map(entryJson)
      json.entriesCount = message.entries.length
      break
    case 'InstallSnapshot':
      delete json.chunk
      json.chunkBytes = message.chunk.byteLength
      break
    case 'Propose':
      delete json.commands
      json.commandBytes = message.commands.map((command) => command.byteLength)
      break
    default:
      break
  }
  json.describe = describeMessage(message)
  return json
}

/** A core event as plain JSON (messages projected by `messageJson`). */
export function raftEventJson(event: RaftEvent): Record<string, unknown> {
  if (
    event.type === 'message-sent' ||
    event.type === 'message-received' ||
    event.type === 'message-dropped'
  ) {
    return { ...event, message: messageJson(event.message) }
  }
  return { ...event }
}

export function isMessageEvent(event: RaftEvent): boolean {
  return (
    event.type === 'message-sent' ||
    event.type === 'message-received' ||
    event.type === 'message-dropped'
  )
}
