import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeRecipeFromLink, encodeRecipeForLink, recipeSchema } from '../protocol/index.js'
import { LabClient, waitFor } from '../testing/lab-client.js'
import { startLabServer, type LabServer } from './serve.js'

let server: LabServer
let lab: LabClient

beforeAll(async () => {
  server = await startLabServer({ port: 0, staticDir: '/nonexistent-lab-web-dist' })
  lab = new LabClient(server.url)
})
afterAll(async () => {
  await server.close()
})

describe('sessions over REST', () => {
  it('creates a session and serves its state, events and nodes', async () => {
    const created = await lab.createSession({ nodes: 3, seed: 42, speed: 10 })
    expect(created.wsPath).toBe(`/v1/lab/sessions/${created.id}/ws`)
    expect(created.recipe).toMatchObject({ version: 1, seed: 42, commands: [] })
    expect(created.state.nodes.map((n: any) => n.id)).toEqual(['n1', 'n2', 'n3'])
    await waitFor(
      async () =>
        (await lab.get(`/v1/lab/sessions/${created.id}`)).body.terms.some((t: any) => t.leader),
      30_000,
      'a leader',
    )
    const first = await lab.get(`/v1/lab/sessions/${created.id}/events?after=0&limit=5`)
    expect(first.status).toBe(200)
    expect(first.body.events.map((e: any) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(first.body.next).toBe(5)
    const second = await lab.get(`/v1/lab/sessions/${created.id}/events?after=5&limit=5`)
    expect(second.body.events[0].seq).toBe(6)
    const event = first.body.events.find((e: any) => e.rule)
    expect(event.text.en.length).toBeGreaterThan(0)
    expect(event.text.zh).toMatch(/[\u4e00-\u9fff]/)
    expect(event.rule.section).toMatch(/^§/)
    const node = await lab.get(`/v1/lab/sessions/${created.id}/nodes/n2`)
    expect(node.body).toMatchObject({ id: 'n2', up: true })
    expect((await lab.get(`/v1/lab/sessions/${created.id}/nodes/n7`)).status).toBe(404)
    expect((await lab.get(`/v1/lab/sessions/${created.id}/events?after=-1`)).status).toBe(400)
    expect((await lab.get(`/v1/lab/sessions/${created.id}/events?limit=5000`)).status).toBe(400)
    expect((await lab.get('/v1/lab/sessions/nope')).status).toBe(404)
  })

  it('refuses bad session bodies with a clear error', async () => {
    const cases: [unknown, RegExp][] = [
      [{ nodes: 10 }, /nodes/],
      [{ nodes: 'three' }, /nodes/],
      [{ electionTimeoutMs: [100, 300] }, /2 x base|\[100, 200\]/],
      [{ heartbeatMs: 200, electionTimeoutMs: 100 }, /heartbeatMs/],
      [{ unsafe: 'yolo' }, /unsafe/],
      [{ scenario: 'nope' }, /no scenario/],
      [{ scenario: 'split-vote', nodes: 3 }, /not more than one/],
      [{ extra: true }, /extra|Unrecognized/i],
    ]
    for (const [body, message] of cases) {
      const response = await lab.post('/v1/lab/sessions', body)
      expect(response.status, JSON.stringify(body)).toBe(
        body && (body as any).scenario === 'nope' ? 404 : 400,
      )
      expect(response.body.error.message).toMatch(message)
    }
    expect((await lab.post('/v1/lab/sessions', '{not json')).status).toBe(400)
    const noType = await fetch(`${server.url}/v1/lab/sessions`, { method: 'POST', body: '{}' })
    expect(noType.status).toBe(415)
  })

  it('takes every command over REST, and a bad one changes nothing', async () => {
    const { id } = await lab.createSession({ nodes: 5, seed: 7, playing: false })
    const ok = async (command: unknown) => {
      const response = await lab.command(id, command)
      expect(response.status, JSON.stringify({ command, body: response.body })).toBe(200)
      return response.body.state
    }
    await ok({ type: 'speed', factor: 50 })
    await ok({ type: 'play' })
    await waitFor(
      async () =>
        (await lab.get(`/v1/lab/sessions/${id}`)).body.nodes.some((n: any) => n.role === 'leader'),
      30_000,
      'a leader',
    )
    await ok({ type: 'pause' })
    let state = await ok({ type: 'step', count: 5 })
    const leader = state.nodes.find((n: any) => n.role === 'leader').id
    const follower = state.nodes.find((n: any) => n.role !== 'leader').id
    await ok({ type: 'client', op: 'put', key: 'a', value: '1' })
    await ok({ type: 'client', op: 'cas', key: 'a', expected: '1', value: '2' })
    await ok({ type: 'client', op: 'get', key: 'a', via: follower })
    await ok({ type: 'client', op: 'delete', key: 'a' })
    await ok({ type: 'link', from: 'n1', to: 'n2', lossRate: 0.5, delayMs: 20, bothWays: true })
    await ok({ type: 'timeout', node: 'n3', electionTimeoutMs: 300 })
    await ok({ type: 'settings', preVote: false, checkQuorum: true, unsafe: null })
    await ok({ type: 'workload', writesPerSecond: 20, keys: 3 })
    await ok({ type: 'step', count: 50 })
    await ok({ type: 'transfer', to: follower })
    await ok({ type: 'step', count: 200 })
    await ok({ type: 'cut', from: 'n4', to: 'n5' })
    await ok({ type: 'partition', groups: [['n1', 'n2'], ['n3']] })
    await ok({ type: 'heal' })
    await ok({ type: 'crash', node: leader })
    await ok({ type: 'restart', node: leader })
    await ok({ type: 'campaign', node: 'n5' })
    await ok({ type: 'workload', writesPerSecond: 0 })
    await ok({ type: 'step', count: 300 })
    await ok({ type: 'addMember' })
    state = await ok({ type: 'step', count: 100 })
    expect(state.nodes.map((n: any) => n.id)).toContain('n6')
    await ok({ type: 'removeMember', node: 'n6' })
    await ok({ type: 'seek', time: 100 })
    state = await ok({ type: 'seek', event: 3 })
    expect(state.eventSeq).toBeGreaterThanOrEqual(3)
    const scenario = await ok({ type: 'scenario', id: 'leader-crash' })
    expect(scenario.scenario.id).toBe('leader-crash')
    await ok({ type: 'scenarioStep' })
    await ok({ type: 'pause' })

    const before = (await lab.get(`/v1/lab/sessions/${id}`)).body
    const bad: [unknown, number, RegExp][] = [
      [{ type: 'explode' }, 400, /type/],
      [{ type: 'crash' }, 400, /node/],
      [{ type: 'crash', node: 'n12' }, 400, /n1\.\.n9/],
      [{ type: 'crash', node: 'n9' }, 400, /no node n9/],
      [{ type: 'speed', factor: 1000 }, 400, /factor/],
      [{ type: 'speed', factor: 0.001 }, 400, /factor/],
      [{ type: 'step', count: 0 }, 400, /count/],
      [{ type: 'seek' }, 400, /exactly one/],
      [{ type: 'seek', time: 1, event: 1 }, 400, /exactly one/],
      [{ type: 'client', op: 'put', key: 'k' }, 400, /value/],
      [{ type: 'client', op: 'cas', key: 'k', value: 'v' }, 400, /expected/],
      [{ type: 'link', from: 'n1', to: 'n2', lossRate: 2 }, 400, /lossRate/],
      [{ type: 'partition', groups: [] }, 400, /groups/],
      [{ type: 'timeout', node: 'n1', electionTimeoutMs: 155 }, 400, /multiple/],
      [{ type: 'scenario', id: 'nope' }, 404, /no scenario/],
      [{ type: 'crash', node: 'n1', extra: 1 }, 400, /extra|Unrecognized/i],
    ]
    for (const [command, status, message] of bad) {
      const response = await lab.command(id, command)
      expect(response.status, JSON.stringify(command)).toBe(status)
      expect(response.body.error.message).toMatch(message)
    }
    const after = (await lab.get(`/v1/lab/sessions/${id}`)).body
    expect(after).toEqual(before)
  })

  it('shares a run as a recipe that reproduces it exactly', async () => {
    const { id } = await lab.createSession({ nodes: 3, seed: 99, playing: false })
    await lab.command(id, { type: 'step', count: 60 })
    await lab.command(id, { type: 'crash', node: 'n2' })
    await lab.command(id, { type: 'client', op: 'put', key: 'x', value: 'y' })
    await lab.command(id, { type: 'step', count: 80 })
    const original = (await lab.get(`/v1/lab/sessions/${id}`)).body
    const file = await lab.get(`/v1/lab/sessions/${id}/recipe`)
    expect(recipeSchema.parse(file.body)).toEqual(original.recipe)
    // Through a share link and back.
    const link = encodeRecipeForLink(original.recipe)
    const recipe = decodeRecipeFromLink(link)
    const copy = await lab.createSession({ recipe, playing: false })
    const replayed = await lab.command(copy.id, { type: 'seek', time: original.time })
    const strip = (state: any) => ({ ...state, id: '', playing: false, speed: 0 })
    expect(strip(replayed.body.state)).toEqual(strip(original))
    const events = async (sid: string) =>
      (await lab.get(`/v1/lab/sessions/${sid}/events?after=0&limit=1000`)).body.events
    expect(await events(copy.id)).toEqual(await events(id))
    expect((await lab.post('/v1/lab/sessions', { recipe: { seed: 1 } })).status).toBe(400)
  })

  it('lists the guided scenarios in both languages', async () => {
    const response = await lab.get('/v1/lab/scenarios')
    const ids = response.body.scenarios.map((s: any) => s.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'split-vote',
        'leader-crash',
        'partition-heal',
        'stale-leader',
        'snapshot-catch-up',
      ]),
    )
    for (const scenario of response.body.scenarios) {
      expect(scenario.title.zh).toMatch(/[\u4e00-\u9fff]/)
      expect(scenario.steps).toBeGreaterThan(1)
    }
    const session = await lab.createSession({ scenario: 'split-vote' })
    expect(session.state.scenario).toMatchObject({ id: 'split-vote', step: 0 })
  })

  it('serves a page that says how to build the Lab page when it is not built', async () => {
    const response = await fetch(`${server.url}/`)
    expect(response.status).toBe(200)
    expect(await response.text()).toMatch(/npm run build -w apps\/lab-web/)
    expect((await fetch(`${server.url}/v1/nope`)).status).toBe(404)
  })
})
