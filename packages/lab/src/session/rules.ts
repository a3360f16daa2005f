import type { Bilingual } from '../protocol/index.js'

/**
 * The Raft rules the core names in its events (`rule` strings, in English, each ending with the
 * paper's section), told in English and Chinese for the Lab's event list. Exact strings first;
 * rules with numbers in them by pattern; any rule the core adds later still gets its section's
 * meaning in Chinese, with the English original kept beside it.
 */

const exact: Readonly<Record<string, string>> = {
  'check-quorum: no word from a quorum within an election timeout (§6.2)':
    '检查法定人数：一个选举超时内没有收到多数派的回应，领导人退位（§6.2）',
  'a live leader is known (leader lease, §4.2.3)': '已知有存活的领导人（领导人租约，§4.2.3）',
  'stale term; replied with the current term (§5.1)': '任期过旧：已用当前任期回复（§5.1）',
  'pre-vote from a lower term (§9.6)': '来自更低任期的预投票（§9.6）',
  'stale term (§5.1)': '任期过旧（§5.1）',
  'election timeout: rehearse the election with a pre-vote (§9.6)':
    '选举超时：先用预投票演练一次选举（§9.6）',
  'a candidate increments its term (§5.2)': '候选人把任期加一（§5.2）',
  'told to take over by the leader (§3.10)': '领导人让它接任（领导权转移，§3.10）',
  'election timeout (§5.2)': '选举超时（§5.2）',
  'pre-vote granted: candidate log is up to date (§9.6)': '同意预投票：候选人的日志足够新（§9.6）',
  'vote granted: first request this term and log up to date (§5.2, §5.4.1)':
    '投出选票：本任期第一个请求，且候选人的日志足够新（§5.2，§5.4.1）',
  'vote refused: candidate log is behind ours (§5.4.1)':
    '拒绝投票：候选人的日志比我们的旧（§5.4.1）',
  'vote refused: already voted or following a leader this term (§5.2)':
    '拒绝投票：本任期已经投过票或已有领导人（§5.2）',
  'lost the election: a majority refused (§5.2)': '落选：多数派拒绝了（§5.2）',
  'won the votes of a majority (§5.2)': '获得多数派选票，成为领导人（§5.2）',
  'conflicting entries are replaced by the leader’s (§5.3)':
    '冲突的日志条目被领导人的条目替换（§5.3）',
  'the leader’s commit index (§5.3)': '跟随领导人的提交索引（§5.3）',
  'the leader’s commit index via heartbeat (§5.3)': '通过心跳得知领导人的提交索引（§5.3）',
  'snapshot matches our log: commit up to it (§7)': '快照与本地日志一致：提交到快照为止（§7）',
  'stored on a majority, entry of the current term (§5.3, §5.4.2)':
    '已存于多数派，且是当前任期的条目，可以提交（§5.3，§5.4.2）',
  'UNSAFE: counted replicas of an old-term entry (the Figure 8 bug)':
    '不安全：按副本数提交了旧任期的条目（图 8 的错误）',
  'removed from the configuration: step down (§4.2.2)': '已被移出集群配置：退位（§4.2.2）',
  'addressed to another node': '消息发给了别的节点',
  'forwarded proposal reached a node that is not the leader': '转发的提案到了一个不是领导人的节点',
  'from a node that is not a member': '来自不是成员的节点',
  'not a voter: cannot take over leadership': '不是投票成员：不能接任领导人',
  'not campaigning for this kind of vote': '并没有在进行这种投票',
  'rejection carries no index (stale-term notice)': '拒绝里没有索引（只是任期过旧的通知）',
  'reply for a leader, and this node is not one': '给领导人的回复，但本节点不是领导人',
  'reply for a snapshot no longer being sent': '针对一个已不再发送的快照的回复',
  'reply to a read that is no longer pending': '针对一个已不再等待的读请求的回复',
  'stale rejection': '过时的拒绝',
  'a follower rejected an entry it had acknowledged: its storage lost writes':
    '跟随者拒绝了它确认过的条目：它的存储丢失了写入',
  'the leader believes entries are stored here that are not: storage lost acknowledged writes':
    '领导人认为这里存有的条目其实不在：存储丢失了已确认的写入',
}

const patterns: readonly [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^saw term (\d+) from (\S+) \(§5\.1\)$/, (m) => `看到来自 ${m[2]} 的更高任期 ${m[1]}（§5.1）`],
  [
    /^heard from leader (\S+) of term (\d+) \(§5\.2\)$/,
    (m) => `收到任期 ${m[2]} 的领导人 ${m[1]} 的消息（§5.2）`,
  ],
  [/^forwarded proposal refused: (.*)$/, (m) => `转发的提案被拒绝：${m[1]}`],
]

/** What each section of the Raft paper (and Ongaro's thesis) is about. */
const sections: Readonly<Record<string, Bilingual>> = {
  '3.10': { en: 'leadership transfer', zh: '领导权转移' },
  '4.1': { en: 'membership changes, one server at a time', zh: '成员变更（一次一台）' },
  '4.2.2': { en: 'removing the current leader', zh: '移除当前领导人' },
  '4.2.3': { en: 'disruptive servers and leader leases', zh: '捣乱的服务器与领导人租约' },
  '5.1': { en: 'terms', zh: '任期' },
  '5.2': { en: 'leader election', zh: '领导人选举' },
  '5.3': { en: 'log replication', zh: '日志复制' },
  '5.4': { en: 'safety', zh: '安全性' },
  '5.4.1': { en: 'election restriction', zh: '选举限制' },
  '5.4.2': { en: 'committing entries from previous terms', zh: '提交之前任期的条目' },
  '6.2': { en: 'check-quorum', zh: '检查法定人数' },
  '6.3': { en: 'client sessions (exactly once)', zh: '客户端会话（恰好一次）' },
  '6.4': { en: 'read-only queries (ReadIndex)', zh: '只读请求（ReadIndex）' },
  '7': { en: 'log compaction and snapshots', zh: '日志压缩与快照' },
  '9.6': { en: 'pre-vote', zh: '预投票' },
}

export interface RuleView {
  readonly section?: string
  readonly text: Bilingual
}

/** The first section a rule names ("§5.4.1" → "5.4.1"). */
export function ruleSection(rule: string): string | undefined {
  return /§(\d+(?:\.\d+)*)/.exec(rule)?.[1]
}

export function sectionTitle(section: string): Bilingual | undefined {
  return sections[section] ?? sections[section.split('.').slice(0, 2).join('.')]
}

/** A core rule string, in both languages. */
export function translateRule(rule: string): RuleView {
  const section = ruleSection(rule)
  const withSection = (zh: string, en = rule): RuleView => ({
    ...(section === undefined ? {} : { section: `§${section}` }),
    text: { en, zh },
  })
  // A bare section ("§9.6") is told by its title.
  const bare = /^§(\d+(?:\.\d+)*)$/.exec(rule.trim())
  if (bare !== null) {
    const title = sectionTitle(bare[1]!)
    if (title !== undefined) return withSection(`${title.zh}（${rule}）`, `${title.en} (${rule})`)
  }
  const known = exact[rule]
  if (known !== undefined) return withSection(known)
  for (const [pattern, render] of patterns) {
    const match = rule.match(pattern)
    if (match !== null) return withSection(render(match))
  }
  const title = section === undefined ? undefined : sectionTitle(section)
  return withSection(title === undefined ? rule : `${title.zh}（§${section}）：${rule}`)
}

/** Every exact rule string this file translates (for the test that the core's rules are covered). */
export const translatedRules: readonly string[] = Object.keys(exact)
