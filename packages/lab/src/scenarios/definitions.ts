import type { ScenarioDefinition, ScriptContext } from './script.js'

const freePlay = (s: ScriptContext): void =>
  s.say(
    'That is the end of the guide. Play on: crash nodes, cut links, send writes — or scrub back and try another course.',
    '导览到此结束。继续自由探索：让节点崩溃、切断链路、发送写入——或者拖回时间线，换一种走法。',
  )

export const splitVote: ScenarioDefinition = {
  id: 'split-vote',
  title: { en: 'Split vote', zh: '选票瓜分' },
  summary: {
    en: 'Two nodes start an election at the same moment, the votes split, and randomized timeouts break the tie.',
    zh: '两个节点同时发起选举，选票被瓜分，随机化的超时打破僵局。',
  },
  settings: { nodes: 4, preVote: false },
  script: (s) => {
    s.say(
      'Four nodes, no leader yet. A candidate needs 3 of 4 votes. We make n1 and n2 time out at the same moment.',
      '四个节点，还没有领导人。候选人需要 4 票中的 3 票。我们让 n1 和 n2 在同一时刻超时。',
    )
    s.run(60)
    s.do({ type: 'campaign', node: 'n1' })
    s.do({ type: 'campaign', node: 'n2' })
    s.run(40)
    const tally = s.world.cluster.ids.map((id) => s.world.cluster.status(id)?.vote)
    const forN1 = tally.filter((v) => v === 'n1').length
    const forN2 = tally.filter((v) => v === 'n2').length
    if (forN1 !== 2 || forN2 !== 2) return false
    s.say(
      'Each candidate voted for itself, and n3 and n4 split their votes: 2 and 2. Nobody has a majority in term 1 (§5.2).',
      '每个候选人都投给了自己，n3 和 n4 各投一方：2 比 2。任期 1 里没有人获得多数（§5.2）。',
    )
    if (!s.runUntil(() => s.leader() !== undefined, 5_000)) return false
    s.say(
      `Election timeouts are random, so one candidate timed out first, started term ${s.world.cluster.status(s.leader()!)!.term} and won it: ${s.leader()} leads.`,
      `选举超时是随机的，于是一个候选人先超时，发起任期 ${s.world.cluster.status(s.leader()!)!.term} 的选举并获胜：${s.leader()} 成为领导人。`,
    )
    s.run(300)
    freePlay(s)
    return true
  },
}

export const leaderCrash: ScenarioDefinition = {
  id: 'leader-crash',
  title: { en: 'Leader crash', zh: '领导人崩溃' },
  summary: {
    en: 'The leader crashes after a write; the others elect a new one, and the old leader rejoins as a follower.',
    zh: '领导人在一次写入后崩溃；其余节点选出新领导人，旧领导人恢复后成为跟随者。',
  },
  settings: { nodes: 5 },
  script: (s) => {
    s.say('Five nodes elect a leader.', '五个节点选出一个领导人。', { pause: false })
    if (!s.runUntil(() => s.leader() !== undefined, 3_000)) return false
    s.run(100)
    const first = s.leader()!
    s.say(
      `${first} leads. A client writes x=1; the leader appends it and replicates it to a majority, then commits.`,
      `${first} 是领导人。客户端写入 x=1；领导人追加它并复制到多数派，然后提交。`,
    )
    s.do({ type: 'client', op: 'put', key: 'x', value: '1' })
    s.run(200)
    s.say(
      `Now ${first} crashes. Followers stop hearing heartbeats; the first whose election timeout runs out campaigns.`,
      `现在 ${first} 崩溃了。跟随者收不到心跳；选举超时最先到期的节点发起选举。`,
    )
    s.do({ type: 'crash', node: first })
    if (!s.runUntil(() => s.leader() !== undefined, 5_000)) return false
    const second = s.leader()!
    s.run(100)
    s.say(
      `${second} won with votes from a majority of the five. It has x=1: a committed entry is in every future leader's log (§5.4).`,
      `${second} 获得五个节点中多数派的选票。它有 x=1：已提交的条目一定在之后每个领导人的日志里（§5.4）。`,
    )
    s.do({ type: 'client', op: 'put', key: 'y', value: '2' })
    s.run(300)
    s.say(
      `${first} restarts from its disk, sees the higher term, and follows ${second}, catching up on y=2.`,
      `${first} 从磁盘重启，看到更高的任期，于是跟随 ${second}，并补上 y=2。`,
    )
    s.do({ type: 'restart', node: first })
    s.run(500)
    freePlay(s)
    return s.leader() === second
  },
}

export const partitionHeal: ScenarioDefinition = {
  id: 'partition-heal',
  title: { en: 'Partition and heal', zh: '网络分区与恢复' },
  summary: {
    en: 'The leader is cut off with one follower; the majority side elects a new leader; after the heal the old side rolls back.',
    zh: '领导人和一个跟随者被隔离；多数派一侧选出新领导人；网络恢复后旧的一侧回滚。',
  },
  settings: { nodes: 5 },
  script: (s) => {
    if (!s.runUntil(() => s.leader() !== undefined, 3_000)) return false
    s.run(100)
    const old = s.leader()!
    const buddy = s.others(old)[0]!
    const majority = s.others(old, buddy)
    s.say(
      `${old} leads. We split the network: {${old} ${buddy}} on one side, {${majority.join(' ')}} on the other.`,
      `${old} 是领导人。我们把网络分成两半：一侧是 {${old} ${buddy}}，另一侧是 {${majority.join(' ')}}。`,
    )
    s.do({ type: 'partition', groups: [[old, buddy]] })
    s.do({ type: 'client', op: 'put', key: 'side', value: 'minority', via: old })
    s.run(100)
    s.say(
      `A write sent to ${old} is appended but cannot commit: only 2 of 5 nodes have it. Meanwhile the majority side elects a leader.`,
      `发给 ${old} 的写入被追加，但无法提交：5 个节点中只有 2 个有它。同时，多数派一侧选出了领导人。`,
    )
    if (
      !s.runUntil(() => majority.some((id) => s.world.cluster.status(id)?.role === 'leader'), 5_000)
    )
      return false
    const fresh = majority.find((id) => s.world.cluster.status(id)?.role === 'leader')!
    s.do({ type: 'client', op: 'put', key: 'side', value: 'majority', via: fresh })
    s.run(300)
    s.say(
      `${fresh} leads the majority and commits side=majority. With check-quorum, ${old} steps down once it has not heard from a majority for an election timeout (§6.2).`,
      `${fresh} 领导多数派并提交了 side=majority。因为开启了检查法定人数，${old} 在一个选举超时内没有收到多数派回应后就会退位（§6.2）。`,
    )
    s.run(400)
    s.say(
      `Heal the network. ${old} and ${buddy} see the higher term, follow ${fresh}, and replace their uncommitted entry with the leader's log (§5.3).`,
      `恢复网络。${old} 和 ${buddy} 看到更高的任期，跟随 ${fresh}，并用领导人的日志替换它们未提交的条目（§5.3）。`,
    )
    s.do({ type: 'heal' })
    s.run(600)
    freePlay(s)
    return s.leader() === fresh
  },
}

export const staleLeader: ScenarioDefinition = {
  id: 'stale-leader',
  title: { en: 'A stale leader without check-quorum', zh: '没有检查法定人数时的过时领导人' },
  summary: {
    en: 'With check-quorum off, a leader cut off from everyone keeps believing it leads; turn it on and it steps down.',
    zh: '关闭检查法定人数时，与所有节点失联的领导人仍以为自己是领导人；开启后它会退位。',
  },
  settings: { nodes: 5, checkQuorum: false, preVote: true },
  script: (s) => {
    if (!s.runUntil(() => s.leader() !== undefined, 3_000)) return false
    s.run(100)
    const old = s.leader()!
    s.say(
      `Check-quorum is off. ${old} leads; we cut it off from every other node.`,
      `检查法定人数已关闭。${old} 是领导人；我们把它与其他所有节点隔开。`,
    )
    s.do({ type: 'partition', groups: [[old]] })
    if (
      !s.runUntil(
        () => s.others(old).some((id) => s.world.cluster.status(id)?.role === 'leader'),
        5_000,
      )
    )
      return false
    s.run(300)
    const fresh = s.others(old).find((id) => s.world.cluster.status(id)?.role === 'leader')!
    s.say(
      `The others elected ${fresh}. But ${old} still thinks it leads its old term: nothing tells it otherwise. Two nodes show the leader role — in different terms, so Raft is still safe (§5.2), but clients that ask ${old} wait forever.`,
      `其他节点选出了 ${fresh}。但 ${old} 仍以为自己领导着旧任期：没有任何消息告诉它。两个节点都显示领导人——任期不同，所以 Raft 依然安全（§5.2），但询问 ${old} 的客户端会一直等待。`,
    )
    s.do({ type: 'client', op: 'put', key: 'k', value: 'lost', via: old })
    s.run(1_000)
    if (s.world.cluster.status(old)?.role !== 'leader') return false
    s.say(
      `Still a leader after a second. With check-quorum (§6.2) a leader that hears from no majority for an election timeout steps down. Heal the network to end it here.`,
      `一秒后它仍是领导人。开启检查法定人数后（§6.2），一个选举超时内收不到多数派回应的领导人会退位。现在恢复网络来结束这一幕。`,
    )
    s.do({ type: 'heal' })
    s.run(500)
    freePlay(s)
    return true
  },
}

export const snapshotCatchUp: ScenarioDefinition = {
  id: 'snapshot-catch-up',
  title: { en: 'Snapshot catch-up', zh: '用快照追赶' },
  summary: {
    en: 'A follower is down while the log grows and is compacted; when it returns, the leader sends it a snapshot.',
    zh: '一个跟随者宕机期间日志增长并被压缩；它恢复后，领导人给它发送快照。',
  },
  settings: { nodes: 3, snapshotEvery: 20 },
  script: (s) => {
    if (!s.runUntil(() => s.leader() !== undefined, 3_000)) return false
    s.run(100)
    const leader = s.leader()!
    const laggard = s.others(leader)[0]!
    s.say(
      `Each node snapshots its state and drops its log every 20 entries. ${laggard} crashes; a workload writes 40 entries a second.`,
      `每个节点每 20 个条目做一次快照并丢弃之前的日志。${laggard} 崩溃了；负载每秒写入 40 个条目。`,
    )
    s.do({ type: 'crash', node: laggard })
    s.do({ type: 'workload', writesPerSecond: 40, keys: 8 })
    s.run(2_000)
    s.do({ type: 'workload', writesPerSecond: 0, keys: 8 })
    s.run(100)
    s.say(
      `The leader's log now starts after its snapshot: the entries ${laggard} is missing are gone. ${laggard} restarts.`,
      `领导人的日志现在从快照之后开始：${laggard} 缺少的条目已经不存在了。${laggard} 重启。`,
    )
    s.do({ type: 'restart', node: laggard })
    const caught = s.runUntil(
      () => (s.world.cluster.status(laggard)?.snapshotIndex ?? 0) > 0,
      3_000,
    )
    if (!caught) return false
    s.run(200)
    s.say(
      `The leader sent ${laggard} its snapshot (InstallSnapshot, §7) in chunks, then the entries after it.`,
      `领导人把快照分块发给 ${laggard}（InstallSnapshot，§7），然后发送快照之后的条目。`,
    )
    freePlay(s)
    return true
  },
}

const status = (s: ScriptContext, id: string) => s.world.cluster.status(id)

export const figure8: ScenarioDefinition = {
  id: 'figure-8',
  title: {
    en: 'Figure 8: committing an old term by counting replicas',
    zh: '图 8：按副本数提交旧任期的条目',
  },
  summary: {
    en: 'With the unsafe rule commit-old-term, a leader commits an entry of an earlier term once a majority holds it — and a later leader erases it. The safety checker catches it.',
    zh: '开启不安全规则 commit-old-term 后，领导人在多数派持有旧任期条目时就提交它——随后另一个领导人把它抹掉。安全检查器抓住了这一点。',
  },
  settings: {
    nodes: 5,
    unsafe: 'commit-old-term',
    preVote: false,
    checkQuorum: false,
    maxEntriesPerMessage: 1,
  },
  script: (s) => {
    if (!s.runUntil(() => s.leader() !== undefined, 3_000)) return false
    s.run(100)
    const a = s.leader()!
    const [b, c, d, e] = s.others(a) as [string, string, string, string]
    s.say(
      `The unsafe rule commit-old-term is on: a leader may commit an entry of an earlier term by counting replicas. ${a} leads. We cut {${a} ${b}} off and write to ${a}: the entry reaches ${b} only.`,
      `不安全规则 commit-old-term 已开启：领导人可以按副本数提交更早任期的条目。${a} 是领导人。我们把 {${a} ${b}} 隔离，并向 ${a} 写入：条目只到达 ${b}。`,
    )
    s.do({ type: 'partition', groups: [[a, b]] })
    s.do({ type: 'client', op: 'put', key: 'x', value: 'old-term', via: a })
    s.run(60)
    const index = status(s, a)!.lastIndex
    if (status(s, b)?.lastIndex !== index) return false
    s.do({ type: 'crash', node: a })
    if (!s.runUntil(() => [c, d, e].some((id) => status(s, id)?.role === 'leader'), 5_000))
      return false
    const l2 = [c, d, e].find((id) => status(s, id)?.role === 'leader')!
    // Isolated the moment it wins, so its no-op entry reaches no one.
    s.do({ type: 'partition', groups: [[l2]] })
    s.run(30)
    if (status(s, l2)!.lastIndex !== index) return false
    s.say(
      `${a} crashed. ${l2} won a newer term on the other side and wrote its own entry at index ${index} — we isolated it at once, so only it has that entry. Now ${l2} crashes and ${a} comes back.`,
      `${a} 崩溃了。${l2} 在另一侧赢得了更新的任期，并在索引 ${index} 写入了自己的条目——我们立刻隔离了它，所以只有它有这个条目。现在 ${l2} 崩溃，${a} 回来了。`,
    )
    s.do({ type: 'crash', node: l2 })
    s.do({ type: 'heal' })
    s.do({ type: 'restart', node: a })
    s.do({ type: 'campaign', node: a })
    const others = [b, c, d, e].filter((id) => id !== l2)
    const committedOld = (): boolean =>
      (status(s, a)?.commitIndex ?? 0) >= index && status(s, a)?.role === 'leader'
    if (!s.runUntil(committedOld, 3_000)) return false
    const holders = others.filter((id) => (status(s, id)?.lastIndex ?? 0) >= index + 1)
    s.say(
      `${a} leads a newer term and copied its old-term entry ${index} to a majority. By counting replicas it commits it — exactly what §5.4.2 forbids.`,
      `${a} 领导着更新的任期，并把旧任期的条目 ${index} 复制到了多数派。它按副本数提交了这个条目——这正是 §5.4.2 所禁止的。`,
    )
    const voters = [l2, ...others.filter((id) => !holders.includes(id))]
    if (voters.length < 3) return false
    s.do({ type: 'crash', node: a })
    s.do({ type: 'partition', groups: [voters] })
    s.do({ type: 'restart', node: l2 })
    s.do({ type: 'campaign', node: l2 })
    s.say(
      `${a} crashes. ${l2}, whose log ends in a newer term, wins the votes of ${voters.filter((v) => v !== l2).join(' and ')} and overwrites index ${index}: a committed entry is lost. The safety checker stops the run (leader completeness).`,
      `${a} 崩溃。${l2} 的日志以更新的任期结尾，它赢得了 ${voters.filter((v) => v !== l2).join(' 和 ')} 的选票并覆盖了索引 ${index}：一个已提交的条目丢失了。安全检查器停止了运行（领导人完整性）。`,
      { pause: false },
    )
    s.runUntil(() => s.world.stopped, 3_000)
    return s.world.stopped
  },
}

export const membershipChange: ScenarioDefinition = {
  id: 'membership-change',
  title: { en: 'A membership change', zh: '成员变更' },
  summary: {
    en: 'A fourth node joins as a learner, catches up and becomes a voter; then an old member is removed, one change at a time.',
    zh: '第四个节点以学习者身份加入，追上日志后成为投票成员；然后移除一个老成员，一次只改一个。',
  },
  settings: { nodes: 3 },
  script: (s) => {
    if (!s.runUntil(() => s.leader() !== undefined, 3_000)) return false
    s.run(100)
    const leader = s.leader()!
    s.do({ type: 'workload', writesPerSecond: 20, keys: 5 })
    s.run(1_000)
    s.say(
      `Three nodes, ${leader} leads, clients are writing. We add n4: it starts empty and joins as a learner — it receives the log but does not vote (§4.2.1).`,
      `三个节点，${leader} 是领导人，客户端正在写入。我们添加 n4：它以空日志启动，作为学习者加入——接收日志但不投票（§4.2.1）。`,
    )
    s.do({ type: 'addMember', node: 'n4' })
    if (!s.runUntil(() => status(s, leader)?.config.voters.includes('n4') === true, 5_000))
      return false
    s.run(200)
    s.say(
      'n4 caught up, so the leader promoted it to voter with a second configuration entry. Majorities are now 3 of 4.',
      'n4 追上了日志，领导人用第二个配置条目把它提升为投票成员。现在多数派是 4 个中的 3 个。',
    )
    const removed = s.others(leader, 'n4')[0]!
    s.do({ type: 'removeMember', node: removed })
    if (!s.runUntil(() => s.world.cluster.isRetired(removed), 5_000)) return false
    s.do({ type: 'workload', writesPerSecond: 0, keys: 5 })
    s.run(300)
    s.say(
      `We removed ${removed}: once the change committed it left for good. The cluster is {${s.world.cluster.ids.join(' ')}}.`,
      `我们移除了 ${removed}：变更提交后它永久离开。集群现在是 {${s.world.cluster.ids.join(' ')}}。`,
    )
    freePlay(s)
    return true
  },
}

export const definitions: readonly ScenarioDefinition[] = [
  splitVote,
  leaderCrash,
  partitionHeal,
  figure8,
  staleLeader,
  membershipChange,
  snapshotCatchUp,
]
