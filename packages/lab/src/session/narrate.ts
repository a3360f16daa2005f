import type { KvCommand } from '@raftkit/kv'
import { describeMessage, type Message, type RaftEvent, type Role } from '@raftkit/raft'
import type { TraceRecord, Violation } from '@raftkit/sim'
import type { Bilingual, WorldCommand } from '../protocol/index.js'

/**
 * Sentences for the Lab's event list, in English and Chinese. Pure functions of what happened;
 * the rule behind each event is translated separately (rules.ts).
 */

const roleZh: Record<Role, string> = {
  follower: '跟随者',
  'pre-candidate': '预候选人',
  candidate: '候选人',
  leader: '领导人',
}
const roleEn: Record<Role, string> = {
  follower: 'follower',
  'pre-candidate': 'pre-candidate',
  candidate: 'candidate',
  leader: 'leader',
}

const both = (en: string, zh: string): Bilingual => ({ en, zh })

/** The sentence for one of the core's events, or undefined for those the list leaves out. */
export function narrateRaft(event: RaftEvent): Bilingual | undefined {
  const n = event.node
  switch (event.type) {
    case 'role-changed':
      if (event.to === 'leader')
        return both(
          `${n} became leader of term ${event.term}`,
          `${n} 成为任期 ${event.term} 的领导人`,
        )
      if (event.to === 'follower' && event.from === 'leader')
        return both(
          `${n} stepped down as leader in term ${event.term}`,
          `${n} 在任期 ${event.term} 卸任领导人`,
        )
      if (event.to === 'follower')
        return both(
          `${n} is a follower in term ${event.term}${event.leaderId ? ` of leader ${event.leaderId}` : ''}`,
          `${n} 在任期 ${event.term} 成为跟随者${event.leaderId ? `，领导人是 ${event.leaderId}` : ''}`,
        )
      return both(
        `${n} became ${roleEn[event.to]} in term ${event.term}`,
        `${n} 在任期 ${event.term} 成为${roleZh[event.to]}`,
      )
    case 'term-changed':
      return both(
        `${n} moved from term ${event.from} to term ${event.to}`,
        `${n} 的任期从 ${event.from} 变为 ${event.to}`,
      )
    case 'election-started':
      if (event.preVote)
        return both(
          `${n} asks for pre-votes for term ${event.term}`,
          `${n} 为任期 ${event.term} 征求预投票`,
        )
      return both(
        `${n} starts an election for term ${event.term}${event.transfer ? ' (leadership transfer)' : ''}`,
        `${n} 发起任期 ${event.term} 的选举${event.transfer ? '（领导权转移）' : ''}`,
      )
    case 'vote-cast': {
      if (event.preVote)
        return event.granted
          ? both(
              `${n} grants its pre-vote to ${event.candidate}`,
              `${n} 同意 ${event.candidate} 的预投票`,
            )
          : both(
              `${n} refuses its pre-vote to ${event.candidate}`,
              `${n} 拒绝 ${event.candidate} 的预投票`,
            )
      const pre = 'vote '
      const preZh = '选票'
      return event.granted
        ? both(
            `${n} grants its ${pre}to ${event.candidate} for term ${event.term}`,
            `${n} 把任期 ${event.term} 的${preZh}投给 ${event.candidate}`,
          )
        : both(
            `${n} refuses its ${pre}to ${event.candidate} for term ${event.term}`,
            `${n} 拒绝给 ${event.candidate} 任期 ${event.term} 的${preZh}`,
          )
    }
    case 'committed':
      return event.to === event.from + 1
        ? both(`${n} committed entry ${event.to}`, `${n} 提交了条目 ${event.to}`)
        : both(
            `${n} committed entries ${event.from + 1}..${event.to}`,
            `${n} 提交了条目 ${event.from + 1}..${event.to}`,
          )
    case 'log-truncated':
      return both(
        `${n} dropped its log from index ${event.fromIndex} on`,
        `${n} 删除了从索引 ${event.fromIndex} 起的日志`,
      )
    case 'entries-missing':
      return both(
        `${n} finds ${event.peer} lacks entries it acknowledged (expected ${event.expectedIndex}, has ${event.lastIndex})`,
        `${n} 发现 ${event.peer} 缺少它确认过的条目（应有 ${event.expectedIndex}，实有 ${event.lastIndex}）`,
      )
    case 'proposal-refused':
      return both(
        `${n} refused a proposal: ${event.reason}`,
        `${n} 拒绝了一个提案：${proposalReasonZh(event.reason)}`,
      )
    case 'config-changed':
      return both(
        `${n} now uses configuration voters (${event.config.voters.join(', ')})${event.config.learners.length > 0 ? `, learners (${event.config.learners.join(', ')})` : ''} from index ${event.index}`,
        `${n} 从索引 ${event.index} 起使用新配置：投票成员 (${event.config.voters.join(', ')})${event.config.learners.length > 0 ? `，学习者 (${event.config.learners.join(', ')})` : ''}`,
      )
    case 'snapshot-installed':
      return both(
        `${n} installed a snapshot up to index ${event.index} (term ${event.snapshotTerm})`,
        `${n} 安装了到索引 ${event.index}（任期 ${event.snapshotTerm}）的快照`,
      )
    case 'snapshot-taken':
      return both(
        `${n} took a snapshot at index ${event.index} and compacted its log`,
        `${n} 在索引 ${event.index} 做了快照并压缩了日志`,
      )
    case 'transfer-started':
      return both(
        `${n} hands leadership to ${event.target}`,
        `${n} 开始把领导权交给 ${event.target}`,
      )
    case 'transfer-aborted':
      return both(
        `${n} gave up handing leadership to ${event.target}: ${event.reason}`,
        `${n} 放弃把领导权交给 ${event.target}：${event.reason}`,
      )
    case 'message-dropped':
      return both(
        `${n} ignored ${event.message.type} from ${event.message.from}`,
        `${n} 忽略了来自 ${event.message.from} 的 ${event.message.type}`,
      )
    case 'message-sent':
    case 'message-received':
    case 'applied':
      return undefined
    default:
      return undefined
  }
}

function proposalReasonZh(reason: string): string {
  switch (reason) {
    case 'no-leader':
      return '没有已知的领导人'
    case 'not-leader':
      return '不是领导人'
    case 'overloaded':
      return '过载'
    case 'transfer-in-progress':
      return '正在转移领导权'
    default:
      return reason
  }
}

const lossZh: Record<string, string> = {
  drop: '链路丢包',
  partition: '网络分区',
  'node-down': '目标节点已宕机',
  'unknown-node': '未知节点',
}

/**
 * Losses worth a line: votes and transfers, and appends with entries lost to a lossy link.
 * Heartbeats, and the probes a leader keeps sending to a node that is down or cut off, are
 * left to the picture (they would drown the list).
 */
export function isNotableLoss(message: Message, reason: string): boolean {
  switch (message.type) {
    case 'RequestVote':
    case 'RequestVoteReply':
    case 'TimeoutNow':
      return reason !== 'node-down'
    case 'AppendEntries':
      return reason === 'drop' && message.entries.length > 0
    default:
      return false
  }
}

export function narrateLoss(message: Message, reason: string): Bilingual {
  return both(
    `the network lost ${message.type} ${message.from} → ${message.to} (${reason})`,
    `网络丢失了 ${message.from} → ${message.to} 的 ${message.type}（${lossZh[reason] ?? reason}）`,
  )
}

/** The simulator's own records (faults, violations); the core's events go through `narrateRaft`. */
export function narrateTrace(record: TraceRecord): Bilingual | undefined {
  switch (record.type) {
    case 'crash': {
      const write =
        record.write === 'none'
          ? both('', '')
          : record.write === 'torn'
            ? both(' (its disk write in flight was torn)', '（正在进行的磁盘写入被撕裂）')
            : both(' (its disk write in flight was lost)', '（正在进行的磁盘写入丢失）')
      return both(`${record.node} crashed${write.en}`, `${record.node} 崩溃了${write.zh}`)
    }
    case 'restart':
      return record.forgotVote
        ? both(
            `${record.node} restarted and, by the unsafe rule, forgot its vote`,
            `${record.node} 重启了，并按不安全规则忘记了自己的投票`,
          )
        : both(
            `${record.node} restarted with the term, vote and log on its disk`,
            `${record.node} 带着磁盘上的任期、投票和日志重启了`,
          )
    case 'partition':
      return both(
        `network partitioned: ${record.groups.map((g) => `{${g.join(' ')}}`).join(' | ')} and the rest`,
        `网络分区：${record.groups.map((g) => `{${g.join(' ')}}`).join(' | ')}，其余节点另成一组`,
      )
    case 'cut':
      return both(
        `messages from ${record.from} to ${record.to} are blocked (one way)`,
        `从 ${record.from} 到 ${record.to} 的消息被阻断（单向）`,
      )
    case 'heal':
      return both('the network healed: every link works again', '网络恢复：所有链路重新连通')
    default:
      return undefined
  }
}

export function narrateViolation(violation: Violation): Bilingual {
  return both(
    `SAFETY VIOLATION (${violation.kind}): ${violation.message}`,
    `违反安全性（${violationKindZh[violation.kind] ?? violation.kind}）：${violation.message}`,
  )
}

const violationKindZh: Record<string, string> = {
  'election-safety': '选举安全：同一任期出现两个领导人',
  'log-matching': '日志匹配',
  'leader-completeness': '领导人完整性',
  'state-machine-safety': '状态机安全',
  'commit-regression': '提交索引倒退',
  linearizability: '线性一致性',
  liveness: '活性',
  invariant: '内部不变量',
}

export function describeCommand(command: KvCommand): string {
  switch (command.op) {
    case 'put':
      return `put ${command.key}=${command.value}`
    case 'get':
      return `get ${command.key}`
    case 'delete':
      return `delete ${command.key}`
    case 'cas':
      return `cas ${command.key} ${command.expected ?? '∅'}→${command.value}`
  }
}

/** A one-line message summary without the `from -> to` head (the page draws that). */
export function summarizeMessage(message: Message): string {
  const line = describeMessage(message)
  const head = `${message.from} -> ${message.to} `
  return line.startsWith(head) ? line.slice(head.length) : line
}

/** The line for a command a person gave. */
export function narrateUserCommand(command: WorldCommand): Bilingual {
  switch (command.type) {
    case 'crash':
      return both(`you crashed ${command.node}`, `你让 ${command.node} 崩溃`)
    case 'restart':
      return both(`you restarted ${command.node}`, `你重启了 ${command.node}`)
    case 'partition':
      return both('you partitioned the network', '你对网络做了分区')
    case 'cut':
      return both(
        `you cut the link ${command.from} → ${command.to}`,
        `你切断了 ${command.from} → ${command.to} 的链路`,
      )
    case 'heal':
      return both('you healed the network', '你修复了网络')
    case 'link':
      return both(
        `you set ${command.from} ${command.bothWays ? '↔' : '→'} ${command.to} to lose ${Math.round(command.lossRate * 100)}% and delay up to ${command.delayMs} ms`,
        `你把 ${command.from} ${command.bothWays ? '↔' : '→'} ${command.to} 设为丢包 ${Math.round(command.lossRate * 100)}%、延迟最多 ${command.delayMs} 毫秒`,
      )
    case 'timeout':
      return both(
        `you set ${command.node}'s election timeout to ${command.electionTimeoutMs} ms`,
        `你把 ${command.node} 的选举超时设为 ${command.electionTimeoutMs} 毫秒`,
      )
    case 'campaign':
      return both(`you told ${command.node} to start an election`, `你让 ${command.node} 发起选举`)
    case 'addMember':
      return both(
        `you add member ${command.node ?? '(next)'}`,
        `你添加成员 ${command.node ?? '（下一个）'}`,
      )
    case 'removeMember':
      return both(`you remove member ${command.node}`, `你移除成员 ${command.node}`)
    case 'transfer':
      return both(
        `you ask the leader to hand over to ${command.to}`,
        `你请求领导人把领导权交给 ${command.to}`,
      )
    case 'client':
      return both(
        `a client sends ${command.op} ${command.key}${command.value === undefined ? '' : `=${command.value}`}`,
        `客户端发送 ${command.op} ${command.key}${command.value === undefined ? '' : `=${command.value}`}`,
      )
    case 'workload':
      return command.writesPerSecond === 0
        ? both('you stopped the write workload', '你停止了写入负载')
        : both(
            `you started ${command.writesPerSecond} writes a second over ${command.keys} keys`,
            `你开始以每秒 ${command.writesPerSecond} 次写入 ${command.keys} 个键`,
          )
    case 'settings':
      return both(
        `you changed settings: ${JSON.stringify(command).slice(1, -1)}`,
        `你修改了设置：${JSON.stringify(command).slice(1, -1)}`,
      )
  }
}
