import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Io } from '../io.js'

export interface LocalClusterSettings {
  readonly nodes: number
  readonly dataDir: string
  readonly host: string
  /** Node i (from 1) serves clients on clientPortBase + i and peers on peerPortBase + i. */
  readonly clientPortBase: number
  readonly peerPortBase: number
  readonly debugFaults: boolean
  readonly logLevel: string
  /** Turns one JSON log line of a node into what the terminal shows (undefined: nothing). */
  readonly formatLine: (id: string, line: string) => string | undefined
}

export interface LocalClusterMember {
  readonly id: string
  readonly clientUrl: string
  readonly peerAddr: string
  process: ChildProcess | undefined
}

const binPath = fileURLToPath(new URL('../../bin/raftkit.js', import.meta.url))

/**
 * Runs a cluster of real `raftkit node` processes on this machine: the same processes an
 * operator runs on separate hosts, each with its own data directory, talking over TCP.
 */
export class LocalClusterProcesses {
  readonly members: LocalClusterMember[]
  readonly #settings: LocalClusterSettings
  readonly #io: Io
  #stopping = false

  constructor(settings: LocalClusterSettings, io: Io) {
    this.#settings = settings
    this.#io = io
    this.members = Array.from({ length: settings.nodes }, (_, i) => ({
      id: `n${i + 1}`,
      clientUrl: `http://${settings.host}:${settings.clientPortBase + i + 1}`,
      peerAddr: `${settings.host}:${settings.peerPortBase + i + 1}`,
      process: undefined,
    }))
  }

  get initialCluster(): string {
    return this.members.map((m) => `${m.id}=${m.peerAddr}`).join(',')
  }

  get initialClientUrls(): string {
    return this.members.map((m) => `${m.id}=${m.clientUrl}`).join(',')
  }

  async start(): Promise<void> {
    for (const member of this.members) await this.startMember(member)
  }

  async startMember(member: LocalClusterMember): Promise<void> {
    const dataDir = resolve(join(this.#settings.dataDir, member.id))
    await mkdir(dataDir, { recursive: true })
    const args = [
      binPath,
      'node',
      '--id',
      member.id,
      '--data-dir',
      dataDir,
      '--listen-client',
      member.clientUrl,
      '--listen-peer',
      member.peerAddr,
      '--initial-cluster',
      this.initialCluster,
      '--initial-client-urls',
      this.initialClientUrls,
      '--log-level',
      this.#settings.logLevel,
      ...(this.#settings.debugFaults ? ['--debug-faults'] : []),
    ]
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    member.process = child
    const prefix = (line: string): string => `[${member.id}] ${line}\n`
    pipeLines(child.stdout, (line) => {
      const shown = this.#settings.formatLine(member.id, line)
      if (shown !== undefined) this.#io.stdout.write(shown + '\n')
    })
    pipeLines(child.stderr, (line) => this.#io.stderr.write(prefix(line)))
    child.on('exit', (code, signal) => {
      if (member.process === child) member.process = undefined
      if (!this.#stopping)
        this.#io.stderr.write(prefix(`exited (code ${code ?? '-'}, signal ${signal ?? '-'})`))
    })
  }

  member(id: string): LocalClusterMember {
    const member = this.members.find((m) => m.id === id)
    if (member === undefined) throw new Error(`no member ${id}`)
    return member
  }

  /**
   * Sends `signal` to one node: SIGKILL to crash it, SIGSTOP/SIGCONT to pause and resume it,
   * SIGTERM to stop it cleanly. Resolves once a killed or stopped node has exited. (For Raft Lab.)
   */
  async signal(id: string, signal: NodeJS.Signals): Promise<void> {
    const child = this.member(id).process
    if (child === undefined || child.exitCode !== null) return
    const exits = signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT'
    const exited = exits ? new Promise<void>((done) => child.once('exit', () => done())) : undefined
    child.kill(signal)
    await exited
  }

  /** Starts a node that is not running (after a crash or a stop), with its data directory. */
  async restart(id: string): Promise<void> {
    const member = this.member(id)
    if (member.process !== undefined && member.process.exitCode === null) return
    await this.startMember(member)
  }

  /** Sends SIGTERM to every node and waits for them to exit (SIGKILL after `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping = true
    await Promise.all(
      this.members.map(async (member) => {
        const child = member.process
        if (child === undefined || child.exitCode !== null) return
        const exited = new Promise<void>((done) => child.once('exit', () => done()))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(timer)
      }),
    )
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return
  let buffer = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      onLine(buffer.slice(0, newline))
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
    }
  })
  stream.on('end', () => {
    if (buffer.length > 0) onLine(buffer)
  })
}
