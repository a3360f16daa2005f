import type { KvCommand } from '@raftkit/kv'
import type { RegistryCommand, VersionCommand } from '../commands.js'

/** Builds commands for tests, one client with increasing sequence numbers. */
export class CommandMaker {
  readonly clientId: string
  #seq = 0
  at = Date.UTC(2025, 0, 1)

  constructor(clientId = 'test-client') {
    this.clientId = clientId
  }

  get seq(): number {
    return this.#seq
  }

  #envelope(): { clientId: string; seq: number } {
    return { clientId: this.clientId, seq: ++this.#seq }
  }

  kv(
    command: DistributiveOmit<KvCommand, 'clientId' | 'seq'>,
    extra: { expiresAt?: number; at?: number } = {},
  ): RegistryCommand {
    return { t: 'kv', command: { ...command, ...this.#envelope() } as KvCommand, ...extra }
  }

  put(
    key: string,
    value: string,
    extra: { expiresAt?: number; at?: number } = {},
  ): RegistryCommand {
    return this.kv({ op: 'put', key, value }, extra)
  }

  del(key: string, extra: { at?: number } = {}): RegistryCommand {
    return this.kv({ op: 'delete', key }, extra)
  }

  cas(
    key: string,
    expected: string | null,
    value: string,
    extra: { at?: number } = {},
  ): RegistryCommand {
    return this.kv({ op: 'cas', key, expected, value }, extra)
  }

  version(command: DistributiveOmit<VersionCommand, 'clientId' | 'seq'>): RegistryCommand {
    return { t: 'version', command: { ...command, ...this.#envelope() } as VersionCommand }
  }

  add(id: string, platform: string, versionNo: string): RegistryCommand {
    return this.version({ op: 'add', id, platform, versionNo, at: this.at })
  }

  /** The same command again: a client retry (same seq). */
  retry(command: RegistryCommand): RegistryCommand {
    return command
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
