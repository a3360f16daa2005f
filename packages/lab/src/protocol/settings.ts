import { z } from 'zod'

/** A simulated node's name: n1..n9. */
export const nodeIdSchema = z.string().regex(/^n[1-9]$/, 'a node is named n1..n9')
export type NodeId = z.infer<typeof nodeIdSchema>

/** The simulator's unsafe rules (mirrors `unsafeRules` of @raftkit/sim, kept here so the page needs no simulator). */
export const unsafeRuleSchema = z.enum([
  'commit-old-term',
  'forget-vote',
  'stale-read',
  'two-voter-changes',
  'config-before-term-commit',
  'no-sessions',
])
export type UnsafeRuleName = z.infer<typeof unsafeRuleSchema>

/** Virtual milliseconds per tick of a simulated node; every timeout is a whole number of ticks. */
export const labTickMs = 10

const ticks = (min: number, max: number) =>
  z
    .number()
    .int()
    .min(min)
    .max(max)
    .refine((ms) => ms % labTickMs === 0, `must be a multiple of ${labTickMs} ms (one tick)`)

/**
 * Everything that shapes a simulated run besides the seed and the user's commands. Defaults
 * are chosen for watching: elections in 150..300 ms, heartbeats every 50 ms, messages taking
 * 5..15 ms, so at 0.1x speed a message crosses the screen in about a tenth of a second.
 */
export const settingsSchema = z
  .object({
    nodes: z.number().int().min(1).max(9).default(5),
    /** The base election timeout; each node draws its timeout in [base, 2 x base) (§5.2). */
    electionTimeoutMs: ticks(20, 10_000).default(150),
    heartbeatMs: ticks(10, 5_000).default(50),
    /** One-way message latency, uniform in [min, max]. */
    latencyMs: z
      .tuple([z.number().int().min(0).max(5_000), z.number().int().min(0).max(5_000)])
      .refine(([min, max]) => min <= max, 'latencyMs: min must not exceed max')
      .default([5, 15]),
    preVote: z.boolean().default(true),
    checkQuorum: z.boolean().default(true),
    unsafe: unsafeRuleSchema.nullable().default(null),
    /** Each node snapshots and compacts its log every this many applied entries (0: never). */
    snapshotEvery: z.number().int().min(0).max(100_000).default(0),
    /** Flow control: entries per AppendEntries (the core's default, 256, when omitted). */
    maxEntriesPerMessage: z.number().int().min(1).max(256).optional(),
  })
  .strict()
  .refine((s) => s.heartbeatMs < s.electionTimeoutMs, {
    message: 'heartbeatMs must be shorter than electionTimeoutMs',
    path: ['heartbeatMs'],
  })

export type Settings = z.infer<typeof settingsSchema>
export type SettingsInput = z.input<typeof settingsSchema>

export const seedSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
