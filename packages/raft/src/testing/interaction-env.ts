import { describeMessage } from '../describe.js'
import type { RaftEvent } from '../events.js'
import type { Message } from '../messages.js'
import type { Entry, NodeId, PersistedState } from '../types.js'
import { parseArgs, type TestCase } from './datadriven.js'
import { encode, TestNetwork } from './network.js'

/** Turns one core event into a line of interaction-test output (undefined: not shown). */
function describeEvent(event: RaftEvent): string | undefined {
  switch (event.type) {
    case 'role-changed':
      return `${event.node} became ${event.to} at term ${event.term}${event.leaderId && event.to === 'follower' ? ` (leader ${event.leaderId})` : ''}: ${event.rule}`
    case 'vote-cast':
      return `${event.node} ${event.granted ? 'grants' : 'refuses'} ${event.preVote ? 'pre-vote' : 'vote'} to ${event.candidate} at term ${event.term}: ${event.rule}`
    case 'committed':
      return `${event.node} committed ${event.from + 1}..${event.to}: ${event.rule}`
    case 'message-dropped':
      return `${event.node} dropped [${describeMessage(event.message)}]: ${event.rule}`
    case 'log-truncated':
      return `${event.node} truncated its log from ${event.fromIndex}: ${event.rule}`
    case 'entries-missing':
      return `${event.node} finds entries missing (${event.peer}: expected ${event.expectedIndex}, last ${event.lastIndex}): ${event.rule}`
    case 'proposal-refused':
      return `${event.node} refused a proposal: ${event.reason}`
    case 'config-changed':
      return `${event.node} config at ${event.index}: voters=(${event.config.voters.join(',')}) learners=(${event.config.learners.join(',')})`
    case 'snapshot-installed':
      return `${event.node} installed snapshot ${event.index}/${event.snapshotTerm}`
    case 'snapshot-taken':
      return `${event.node} took a snapshot at ${event.index} and compacted its log`
    case 'transfer-started':
    case 'transfer-aborted':
      return `${event.node} ${event.type} to ${event.target}: ${event.reason}`
    default:
      return undefined
  }
}

function messageFilter(options: Map<string, string>): (m: Message) => boolean {
  const from = options.get('from')
  const to = options.get('to')
  const type = options.get('type')
  return (m) =>
    (from === undefined || m.from === from) &&
    (to === undefined || m.to === to) &&
    (type === undefined || m.type === type)
}

/**
 * The environment behind `testdata/*.txt` interaction scripts: a hand-driven cluster whose
 * every step prints what the core did, in the same words the simulator and Raft Lab use.
 */
export class InteractionEnv {
  #net: TestNetwork | undefined
  #out: string[] = []

  handle(testCase: TestCase): string {
    this.#out = []
    const { positional, options } = parseArgs(testCase.args)
    const net = (): TestNetwork => {
      if (this.#net === undefined) throw new Error('add-nodes first')
      return this.#net
    }
    switch (testCase.command) {
      case 'add-nodes': {
        // add-nodes n1 n2 n3 [learners=n4,n5] [unsafe=rule,rule] [check-quorum=false] ...
        const learners = (options.get('learners') ?? '').split(',').filter((x) => x !== '')
        const unsafe = new Set((options.get('unsafe') ?? '').split(','))
        this.#net = new TestNetwork([...positional, ...learners], {
          initialConfig: { voters: positional, learners },
          unsafe: {
            commitOldTerm: unsafe.has('commit-old-term'),
            multipleVoterChanges: unsafe.has('two-voter-changes'),
            configChangeBeforeTermCommit: unsafe.has('config-before-term-commit'),
          },
          preVote: options.get('pre-vote') !== 'false',
          checkQuorum: options.get('check-quorum') !== 'false',
          maxEntriesPerMessage: Number(options.get('max-entries') ?? 256),
          maxInflightMessages: Number(options.get('inflight') ?? 64),
          snapshotChunkBytes: Number(options.get('chunk') ?? 256 << 10),
          onEvent: (event) => {
            const line = describeEvent(event)
            if (line !== undefined) this.#out.push(line)
          },
        })
        break
      }
      case 'set-log': {
        // set-log n1 terms=1,1,2 term=3: the node restarts with this persisted log.
        const id = positional[0]!
        const terms = (options.get('terms') ?? '')
          .split(',')
          .filter((t) => t !== '')
          .map(Number)
        const entries: Entry[] = terms.map((term, i) => ({
          kind: 'command',
          term,
          index: i + 1,
          data: encode(`${id}-${i + 1}`),
        }))
        const state: PersistedState = {
          hardState: {
            term: Number(options.get('term') ?? terms.at(-1) ?? 0),
            vote: undefined,
            commit: 0,
          },
          snapshot: undefined,
          entries,
        }
        net().start(id, state)
        break
      }
      case 'campaign':
        net().node(positional[0]!).campaign()
        this.#flushSent()
        break
      case 'tick': {
        const times = Number(positional[1] ?? 1)
        for (let i = 0; i < times; i++) net().node(positional[0]!).tick()
        this.#flushSent()
        break
      }
      case 'tick-all': {
        const times = Number(positional[0] ?? 1)
        for (let i = 0; i < times; i++) for (const node of net().nodes.values()) node.tick()
        this.#flushSent()
        break
      }
      case 'propose': {
        const result = net()
          .node(positional[0]!)
          .propose(encode(positional[1] ?? ''))
        this.#out.push(
          `propose: ${result.ok ? `${result.outcome}${result.outcome === 'appended' ? ` at ${result.index}` : ` to ${result.leaderId}`}` : `${result.error}${'leaderId' in result && result.leaderId ? ` (leader ${result.leaderId})` : ''}`}`,
        )
        this.#flushSent()
        break
      }
      case 'deliver':
        this.#deliver(messageFilter(options))
        break
      case 'drop': {
        const filter = messageFilter(options)
        const dropped = net().outbox.filter(filter)
        net().outbox = net().outbox.filter((m) => !filter(m))
        for (const m of dropped) this.#out.push(`lost: ${describeMessage(m)}`)
        break
      }
      case 'stabilize':
        for (let round = 0; round < 100 && net().outbox.length > 0; round++)
          this.#deliver(() => true)
        break
      case 'isolate':
        net().isolate(positional[0]!)
        break
      case 'heal':
        net().heal()
        break
      case 'restart':
        net().restart(positional[0]!)
        this.#out.push(`${positional[0]} restarted: ${this.#statusLine(positional[0]!)}`)
        break
      case 'status':
        for (const id of positional.length > 0 ? positional : [...net().nodes.keys()])
          this.#out.push(this.#statusLine(id))
        break
      case 'logs':
        for (const [id, node] of net().nodes) {
          const status = node.status()
          const terms = node
            .entries(status.snapshotIndex + 1, status.lastIndex + 1)
            .map((e) => e.term)
          this.#out.push(`${id}: [${terms.join(' ')}] commit=${status.commitIndex}`)
        }
        break
      case 'read-index':
        net().node(positional[0]!).readIndex(Number(positional[1]))
        this.#flushSent()
        break
      case 'read-states':
        for (const [id, states] of net().readStates) {
          if (states.length > 0)
            this.#out.push(
              `${id}: ${states.map((s) => `request ${s.requestId} at index ${s.index}`).join(', ')}`,
            )
        }
        for (const [id, failures] of net().readFailures) {
          for (const f of failures)
            this.#out.push(`${id}: request ${f.requestId} failed: ${f.reason}`)
        }
        if (this.#out.length === 0) this.#out.push('no read answered yet')
        break
      case 'add-node': {
        // add-node n4: a fresh node with an empty disk and the bootstrap configuration.
        net().start(positional[0]!)
        this.#out.push(`${positional[0]} started: ${this.#statusLine(positional[0]!)}`)
        break
      }
      case 'compact': {
        // compact n1: the node snapshots its state machine at its applied index.
        const node = net().node(positional[0]!)
        const status = node.status()
        const index = status.appliedIndex
        node.compact({
          meta: { index, term: node.termAt(index)!, config: node.configAt(index) },
          data: encode(`state of ${positional[0]} at ${index}`),
        })
        this.#flushSent()
        break
      }
      case 'config':
        for (const id of positional.length > 0 ? positional : [...net().nodes.keys()]) {
          const s = net().node(id).status()
          this.#out.push(
            `${id}: voters=(${s.config.voters.join(',')}) learners=(${s.config.learners.join(',')}) at ${s.configIndex}`,
          )
        }
        break
      case 'transfer': {
        const result = net().node(positional[0]!).transferLeadership(positional[1]!)
        this.#out.push(result.ok ? 'transfer: started' : `transfer: refused: ${result.error}`)
        this.#flushSent()
        break
      }
      case 'change-config': {
        const list = (name: string): string[] =>
          (options.get(name) ?? '').split(',').filter((x) => x !== '')
        const result = net()
          .node(positional[0]!)
          .proposeConfigChange({ voters: list('voters'), learners: list('learners') })
        this.#out.push(
          result.ok
            ? `config change appended at ${result.index}`
            : `config change refused: ${result.error}`,
        )
        this.#flushSent()
        break
      }
      default:
        throw new Error(`unknown command ${testCase.command}`)
    }
    return this.#out.join('\n')
  }

  #statusLine(id: NodeId): string {
    const s = this.#net!.node(id).status()
    return `${id} ${s.role} term=${s.term} vote=${s.vote ?? '-'} leader=${s.leaderId ?? '-'} last=${s.lastIndex}/${s.lastTerm} commit=${s.commitIndex} applied=${s.appliedIndex}`
  }

  /** Lists the messages queued by the last action (handling Readys first). */
  #flushSent(): void {
    const net = this.#net!
    const before = net.outbox.length
    net.flush()
    for (const m of net.outbox.slice(before)) this.#out.push(`sent: ${describeMessage(m)}`)
  }

  #deliver(filter: (m: Message) => boolean): void {
    const net = this.#net!
    net.flush()
    const batch = net.outbox.filter(filter)
    net.outbox = net.outbox.filter((m) => !filter(m))
    for (const message of batch) {
      if (net.cut.has(`${message.from}->${message.to}`)) {
        this.#out.push(`cut: ${describeMessage(message)}`)
        continue
      }
      this.#out.push(`deliver: ${describeMessage(message)}`)
      net.nodes.get(message.to)?.step(message)
      this.#flushSent()
    }
  }
}
