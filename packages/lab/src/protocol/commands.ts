import { z } from 'zod'
import { nodeIdSchema, unsafeRuleSchema } from './settings.js'

/**
 * What a person can ask a session to do. Commands that change the simulated world (crash, cut,
 * write, ...) are recorded in the session's recipe with the virtual time at which they took
 * effect; commands that only change how the session is watched (play, pause, step, speed, seek)
 * are not, since they do not change what happens.
 */

const key = z.string().min(1).max(256)
const value = z.string().max(4096)

export const worldCommandSchemas = [
  z.object({ type: z.literal('crash'), node: nodeIdSchema }).strict(),
  z.object({ type: z.literal('restart'), node: nodeIdSchema }).strict(),
  /** Nodes not named form one more group together, so `[["n1"]]` isolates n1. Replaces earlier cuts. */
  z
    .object({
      type: z.literal('partition'),
      groups: z.array(z.array(nodeIdSchema).min(1)).min(1).max(9),
    })
    .strict(),
  /** Blocks messages from `from` to `to` only. */
  z.object({ type: z.literal('cut'), from: nodeIdSchema, to: nodeIdSchema }).strict(),
  /** Removes every partition and cut (link loss and delay stay; reset them with `link`). */
  z.object({ type: z.literal('heal') }).strict(),
  /**
   * Loss and delay on one directed link (both directions with `bothWays`): each message is lost
   * with probability `lossRate`, else held up an extra 1..`delayMs` ms (0: no extra delay).
   */
  z
    .object({
      type: z.literal('link'),
      from: nodeIdSchema,
      to: nodeIdSchema,
      lossRate: z.number().min(0).max(1),
      delayMs: z.number().int().min(0).max(10_000).default(0),
      bothWays: z.boolean().default(false),
    })
    .strict(),
  /** Changes one node's base election timeout (it draws in [base, 2 x base)). */
  z
    .object({
      type: z.literal('timeout'),
      node: nodeIdSchema,
      electionTimeoutMs: z.number().int().min(20).max(10_000),
    })
    .strict(),
  /** Makes a node start an election now (with pre-vote, if on). */
  z.object({ type: z.literal('campaign'), node: nodeIdSchema }).strict(),
  /** Adds a new member (the next free id when `node` is omitted). */
  z.object({ type: z.literal('addMember'), node: nodeIdSchema.optional() }).strict(),
  z.object({ type: z.literal('removeMember'), node: nodeIdSchema }).strict(),
  z.object({ type: z.literal('transfer'), to: nodeIdSchema }).strict(),
  /**
   * A client request sent to `via` (default: the current leader, else the first running node).
   * `get` is a linearizable read; `cas` with `expected: null` means "only if absent".
   */
  z
    .object({
      type: z.literal('client'),
      op: z.enum(['put', 'get', 'cas', 'delete']),
      key,
      value: value.optional(),
      expected: value.nullable().optional(),
      via: nodeIdSchema.optional(),
    })
    .strict()
    .refine((c) => (c.op === 'put' || c.op === 'cas' ? c.value !== undefined : true), {
      message: 'put and cas need a value',
      path: ['value'],
    })
    .refine((c) => (c.op === 'cas' ? c.expected !== undefined : true), {
      message: 'cas needs expected (a string, or null for "only if absent")',
      path: ['expected'],
    }),
  /** A steady stream of writes through the leader, to fill logs (0 stops it). */
  z
    .object({
      type: z.literal('workload'),
      writesPerSecond: z.number().min(0).max(200),
      keys: z.number().int().min(1).max(1000).default(10),
    })
    .strict(),
  /** Switches pre-vote, check-quorum or an unsafe rule at run time. */
  z
    .object({
      type: z.literal('settings'),
      preVote: z.boolean().optional(),
      checkQuorum: z.boolean().optional(),
      unsafe: unsafeRuleSchema.nullable().optional(),
    })
    .strict(),
] as const

export const viewCommandSchemas = [
  z.object({ type: z.literal('play') }).strict(),
  z.object({ type: z.literal('pause') }).strict(),
  /** Advances `count` visible steps: simulator events that delivered a message or made an event. */
  z
    .object({ type: z.literal('step'), count: z.number().int().min(1).max(1000).default(1) })
    .strict(),
  /** Virtual ms per real ms. */
  z.object({ type: z.literal('speed'), factor: z.number().min(0.01).max(100) }).strict(),
  /** Moves to a virtual time or to just after an event, replaying the recipe when going back. */
  z
    .object({
      type: z.literal('seek'),
      time: z.number().int().min(0).optional(),
      event: z.number().int().min(0).optional(),
    })
    .strict()
    .refine((c) => (c.time === undefined) !== (c.event === undefined), {
      message: 'seek needs exactly one of time and event',
    }),
  /** Replaces the session's run with a guided scenario (from its start). */
  z.object({ type: z.literal('scenario'), id: z.string().min(1).max(64) }).strict(),
  /** Moves a guided scenario to its next (or a given) step. */
  z.object({ type: z.literal('scenarioStep'), step: z.number().int().min(0).optional() }).strict(),
] as const

export const worldCommandSchema = z.discriminatedUnion('type', [...worldCommandSchemas])
export const commandSchema = z.discriminatedUnion('type', [
  ...worldCommandSchemas,
  ...viewCommandSchemas,
])

export type WorldCommand = z.infer<typeof worldCommandSchema>
export type Command = z.infer<typeof commandSchema>
export type CommandInput = z.input<typeof commandSchema>
export type CommandType = Command['type']

export const worldCommandTypes = [
  'crash',
  'restart',
  'partition',
  'cut',
  'heal',
  'link',
  'timeout',
  'campaign',
  'addMember',
  'removeMember',
  'transfer',
  'client',
  'workload',
  'settings',
] as const satisfies readonly WorldCommand['type'][]

export const viewCommandTypes = [
  'play',
  'pause',
  'step',
  'speed',
  'seek',
  'scenario',
  'scenarioStep',
] as const satisfies readonly Exclude<CommandType, WorldCommand['type']>[]

export function isWorldCommand(command: Command): command is WorldCommand {
  return (worldCommandTypes as readonly string[]).includes(command.type)
}
