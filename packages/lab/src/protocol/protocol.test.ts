import { readFileSync } from 'node:fs'
import { unsafeRules } from '@raftkit/sim'
import { describe, expect, it } from 'vitest'
import { translatedRules, translateRule } from '../session/rules.js'
import {
  commandSchema,
  decodeRecipeFromLink,
  encodeRecipeForLink,
  recipeSchema,
  settingsSchema,
  unsafeRuleSchema,
} from './index.js'

describe('the protocol', () => {
  it('names the same unsafe rules as the simulator', () => {
    expect([...unsafeRuleSchema.options].sort()).toEqual([...unsafeRules].sort())
  })

  it('round-trips a recipe through a share link, Chinese text and all', () => {
    const recipe = recipeSchema.parse({
      seed: 12,
      settings: settingsSchema.parse({ nodes: 3 }),
      commands: [
        {
          at: { time: 5, step: 9 },
          command: { type: 'client', op: 'put', key: '键', value: '值 ✓' },
        },
      ],
      endTime: 900,
    })
    const link = encodeRecipeForLink(recipe)
    expect(link).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(recipeSchema.parse(decodeRecipeFromLink(link))).toEqual(recipe)
  })

  it('rejects recipes whose commands are out of order', () => {
    const settings = settingsSchema.parse({})
    const bad = recipeSchema.safeParse({
      seed: 1,
      settings,
      commands: [
        { at: { time: 10, step: 5 }, command: { type: 'heal' } },
        { at: { time: 9, step: 6 }, command: { type: 'heal' } },
      ],
    })
    expect(bad.success).toBe(false)
  })

  it('validates commands with defaults filled in', () => {
    expect(commandSchema.parse({ type: 'step' })).toEqual({ type: 'step', count: 1 })
    expect(commandSchema.safeParse({ type: 'step', count: 1001 }).success).toBe(false)
    expect(commandSchema.safeParse({ type: 'speed', factor: 0.01 }).success).toBe(true)
    expect(commandSchema.safeParse({ type: 'speed', factor: 100 }).success).toBe(true)
  })

  it('translates every rule the core names into Chinese', () => {
    const source = readFileSync(new URL('../../../raft/src/raft.ts', import.meta.url), 'utf8')
    // The rule strings the core passes: literals containing a section sign.
    const literals = [...source.matchAll(/'([^'\n]*§[^'\n]*)'/g)].map((m) => m[1]!)
    expect(literals.length).toBeGreaterThan(10)
    for (const rule of literals) {
      const translated = translateRule(rule)
      expect(translated.text.zh, rule).toMatch(/[\u4e00-\u9fff]/)
      expect(translated.section, rule).toMatch(/^§\d/)
    }
    expect(translatedRules.length).toBeGreaterThan(20)
  })
})
