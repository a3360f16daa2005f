import { describe, expect, it } from 'vitest'
import { settingsSchema, type Recipe } from '../protocol/index.js'
import { createScenarioCatalog } from '../scenarios/index.js'
import { LabSession } from './session.js'

const recipe = (over: Partial<Recipe['settings']> = {}, seed = 11): Recipe => ({
  version: 1,
  seed,
  settings: settingsSchema.parse(over),
  commands: [],
})

/** The state without the fields that describe the session rather than the run. */
function runState(session: LabSession): unknown {
  const {
    playing: _p,
    speed: _s,
    horizon: _h,
    futureCommands: _f,
    recipe: _r,
    ...rest
  } = session.state()
  return JSON.parse(JSON.stringify(rest))
}

/** Plays at 100x until `untilMs` (through scenario pauses), as the frame timer would. */
function play(session: LabSession, untilMs: number): void {
  session.speed = 100
  while (session.time < untilMs && !session.world.stopped) {
    session.playing = true
    session.play(10, 1_000)
  }
}

describe('LabSession', () => {
  it('seeking back and forth gives the same state, event for event', () => {
    const session = new LabSession({ recipe: recipe({ nodes: 5 }), playing: false })
    play(session, 1_000)
    const leader = session.state().nodes.find((n) => n.role === 'leader')!.id
    session.command({ type: 'client', op: 'put', key: 'a', value: '1' })
    play(session, 1_500)
    session.command({ type: 'crash', node: leader })
    session.command({ type: 'workload', writesPerSecond: 50, keys: 5 })
    play(session, 3_000)
    session.command({ type: 'partition', groups: [['n1', 'n2']] })
    play(session, 4_000)
    const at2500 = (() => {
      session.seek({ time: 2_500 })
      return runState(session)
    })()
    const events = session.events(0, 1000).events.map((e) => e.seq)
    session.seek({ time: 4_000 })
    const at4000 = runState(session)
    session.seek({ time: 2_500 })
    expect(runState(session)).toEqual(at2500)
    session.seek({ time: 4_000 })
    expect(runState(session)).toEqual(at4000)
    // A session from the recipe alone reaches the same state.
    const copy = new LabSession({ recipe: session.recipe, playing: false })
    copy.seek({ time: 0 })
    play(copy, 4_000)
    copy.seek({ time: 4_000 })
    expect(runState(copy)).toEqual({ ...(at4000 as object), id: copy.id })
    expect(session.events(0, 1000).events.map((e) => e.seq)).toEqual(events)
  })

  it('seeks through worlds the background builder parked, to the same states as a fresh replay', () => {
    const session = new LabSession({ recipe: recipe({ nodes: 5 }, 21), playing: false })
    session.seek({ time: 300 })
    session.command({ type: 'workload', writesPerSecond: 40, keys: 4 })
    session.seek({ time: 2_000 })
    session.command({ type: 'crash', node: 'n2' })
    session.seek({ time: 6_000 })
    session.seek({ time: 1_000 }) // a seek back marks the session as being scrubbed
    let built = 0
    while (session.buildParkedWorld(1_000) && built++ < 100);
    expect(session.parkedTimes.length).toBeGreaterThanOrEqual(3)
    const fresh = new LabSession({ recipe: session.recipe, playing: false })
    for (const time of [4_500, 3_000, 5_900, 1_600, 4_600]) {
      session.seek({ time })
      fresh.seek({ time: 0 })
      fresh.seek({ time })
      expect({ ...(runState(session) as object), id: '' }).toEqual({
        ...(runState(fresh) as object),
        id: '',
      })
    }
  })

  it('seeks to an event, steps by visible steps, and keeps the recorded future until a new command', () => {
    const session = new LabSession({ recipe: recipe({ nodes: 3 }), playing: false })
    play(session, 800)
    session.command({ type: 'crash', node: 'n1' })
    play(session, 1_600)
    const crashEvent = session.events(0, 1000).events.find((e) => e.type === 'command.crash')!
    session.seek({ event: crashEvent.seq })
    expect(session.state().nodes.find((n) => n.id === 'n1')!.up).toBe(false)
    expect(session.futureCommands).toBe(0)
    session.seek({ time: 100 })
    expect(session.futureCommands).toBe(1)
    const before = session.state().steps
    session.step(3)
    expect(session.state().steps).toBeGreaterThan(before)
    expect(session.playing).toBe(false)
    // Replaying forward re-applies the recorded crash at its stamp.
    session.seek({ time: 1_600 })
    expect(session.state().nodes.find((n) => n.id === 'n1')!.up).toBe(false)
    // A new command after seeking back drops the recorded future.
    session.seek({ time: 200 })
    session.command({ type: 'crash', node: 'n2' })
    expect(session.futureCommands).toBe(0)
    expect(session.recipe.commands.map((c) => c.command)).toEqual([{ type: 'crash', node: 'n2' }])
    expect(session.horizon).toBe(200)
  })

  it('refuses bad commands and changes nothing', () => {
    const session = new LabSession({ recipe: recipe({ nodes: 3 }), playing: false })
    play(session, 500)
    const before = JSON.stringify(session.state())
    expect(() => session.command({ type: 'crash', node: 'n7' })).toThrow(/no node n7/)
    expect(() => session.command({ type: 'restart', node: 'n1' })).toThrow(/running/)
    expect(() => session.command({ type: 'cut', from: 'n1', to: 'n1' })).toThrow(/two different/)
    expect(() => session.command({ type: 'partition', groups: [['n1'], ['n1', 'n2']] })).toThrow(
      /more than one group/,
    )
    expect(() =>
      session.command({
        type: 'transfer',
        to: session.state().nodes.find((n) => n.role === 'leader')!.id,
      }),
    ).toThrow(/leader already/)
    expect(() => session.seek({ event: 10_000 })).toThrow(/not happened yet/)
    expect(JSON.stringify(session.state())).toBe(before)
  })

  it('drives the interactive API: membership, transfer, timeouts, settings, ReadIndex reads', () => {
    const session = new LabSession({ recipe: recipe({ nodes: 3 }), playing: false })
    play(session, 1_000)
    const leader = () => session.state().nodes.find((n) => n.role === 'leader' && n.up)?.id
    const first = leader()!
    session.command({ type: 'addMember' })
    play(session, 3_000)
    const n4 = session.state().nodes.find((n) => n.id === 'n4')!
    expect(n4.up).toBe(true)
    expect(n4.voter).toBe(true)
    const target = ['n1', 'n2', 'n3'].find((id) => id !== first)!
    session.command({ type: 'transfer', to: target })
    play(session, 4_000)
    expect(leader()).toBe(target)
    session.command({ type: 'removeMember', node: first })
    play(session, 5_000)
    expect(session.state().nodes.find((n) => n.id === first)!.member).toBe(false)
    session.command({ type: 'timeout', node: target, electionTimeoutMs: 400 })
    session.command({ type: 'settings', checkQuorum: false, preVote: false })
    session.command({ type: 'client', op: 'put', key: 'k', value: 'v' })
    play(session, session.time + 500)
    session.command({ type: 'client', op: 'get', key: 'k' })
    play(session, session.time + 500)
    const clients = session.state().clients
    expect(clients.map((c) => [c.op, c.status])).toEqual([
      ['put', 'ok'],
      ['get', 'ok'],
    ])
    expect(clients[1]!.result).toMatch(/"v"/)
    expect(session.state().violations).toEqual([])
  })
})

describe('guided scenarios', () => {
  const catalog = createScenarioCatalog()
  it.each(catalog.ids())('%s builds, replays, and ends in free play', (id) => {
    const built = catalog.build(id)!
    const session = new LabSession({ recipe: built.recipe, scenario: built.script, playing: false })
    const last = built.script.steps[built.script.steps.length - 1]!
    const end = Math.max(last.time + 10, built.recipe.endTime ?? 0)
    session.seek({ time: 0 })
    play(session, end)
    session.seek({ time: end })
    expect(session.state().scenario?.freePlay).toBe(true)
    expect(session.state().scenario?.text.zh.length).toBeGreaterThan(0)
    const skipped = session.events(0, 1000).events.filter((e) => e.type === 'command.skipped')
    expect(skipped).toEqual([])
    if (built.recipe.settings.unsafe === null) expect(session.state().violations).toEqual([])
    else expect(session.state().violations.length).toBeGreaterThan(0)
  })
})
