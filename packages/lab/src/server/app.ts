import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { UpgradeWebSocket, WSContext } from 'hono/ws'
import {
  clientFrameSchema,
  commandSchema,
  eventsQuerySchema,
  formatIssues,
  nodeIdSchema,
  type Command,
  type CreateSessionResponse,
  type ErrorDetail,
  type ServerFrame,
} from '../protocol/index.js'
import type { ScenarioCatalog } from '../scenarios/catalog.js'
import type { LabSession } from '../session/session.js'
import type { SessionManager } from '../session/session-manager.js'
import { CommandRefused } from '../session/world.js'
import { problem, readJson, refusalProblem, validationProblem } from './errors.js'
import { planSession } from './recipe-from-body.js'

export interface LabAppDependencies {
  readonly sessions: SessionManager
  readonly scenarios: ScenarioCatalog
  readonly upgradeWebSocket: UpgradeWebSocket<unknown>
  /** Extra routes (accounts, live view, static page) mounted on the same app. */
  readonly extend?: (app: Hono) => void
}

const maxBodyBytes = 1 << 20

/**
 * The Lab's HTTP API and WebSocket (see docs/lab-protocol.md): sessions, their events, nodes
 * and commands, and the guided scenarios.
 */
export function createLabApp(deps: LabAppDependencies): Hono {
  const { sessions, scenarios } = deps
  const app = new Hono()

  app.use(
    '/v1/lab/*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        problem(c, 'payload_too_large', `bodies are limited to ${maxBodyBytes} bytes`),
    }),
  )

  app.onError((error, c) => {
    if (error instanceof CommandRefused) return problem(c, error.code, error.message)
    console.error(error)
    return problem(c, 'internal', 'the Lab server failed on this request; see its log')
  })

  app.post('/v1/lab/sessions', async (c) => {
    const read = await readJson(c)
    if (!read.ok) return read.response
    try {
      const plan = planSession(read.body, scenarios)
      const session = sessions.create(plan.recipe, {
        ...(plan.playing === undefined ? {} : { playing: plan.playing }),
        ...(plan.speed === undefined ? {} : { speed: plan.speed }),
        ...(plan.scenario === undefined ? {} : { scenario: plan.scenario }),
      })
      if (plan.at !== undefined) session.seek({ time: plan.at })
      const body: CreateSessionResponse = {
        id: session.id,
        recipe: session.recipe,
        state: session.state(),
        wsPath: `/v1/lab/sessions/${session.id}/ws`,
      }
      return c.json(body, 201)
    } catch (error) {
      return refusalProblem(c, error)
    }
  })

  const withSession = (c: Context): LabSession | Response => {
    const id = c.req.param('id') ?? ''
    return (
      sessions.get(id) ??
      problem(c, 'not_found', `no session '${id}' (sessions expire after a while unused)`)
    )
  }

  app.get('/v1/lab/sessions/:id', (c) => {
    const session = withSession(c)
    if (session instanceof Response) return session
    return c.json(session.state())
  })

  app.delete('/v1/lab/sessions/:id', (c) => {
    const id = c.req.param('id')
    return sessions.delete(id) ? c.body(null, 204) : problem(c, 'not_found', `no session '${id}'`)
  })

  app.get('/v1/lab/sessions/:id/recipe', (c) => {
    const session = withSession(c)
    if (session instanceof Response) return session
    c.header('content-disposition', `attachment; filename="raft-lab-${session.id}.json"`)
    return c.json(session.recipe)
  })

  app.get('/v1/lab/sessions/:id/events', (c) => {
    const session = withSession(c)
    if (session instanceof Response) return session
    const query = eventsQuerySchema.safeParse(c.req.query())
    if (!query.success) return validationProblem(c, 'query', query.error)
    return c.json(session.events(query.data.after, query.data.limit))
  })

  app.get('/v1/lab/sessions/:id/nodes/:node', (c) => {
    const session = withSession(c)
    if (session instanceof Response) return session
    const node = nodeIdSchema.safeParse(c.req.param('node'))
    const view = node.success ? session.node(node.data) : undefined
    if (view === undefined)
      return problem(
        c,
        'not_found',
        `no node '${c.req.param('node')}' in this session (nodes are ${session.world.cluster.ids.join(', ')})`,
      )
    return c.json(view)
  })

  app.post('/v1/lab/sessions/:id/commands', async (c) => {
    const session = withSession(c)
    if (session instanceof Response) return session
    const read = await readJson(c)
    if (!read.ok) return read.response
    const parsed = commandSchema.safeParse(read.body)
    if (!parsed.success) return validationProblem(c, 'command', parsed.error)
    try {
      const current = runCommand(sessions, scenarios, session, parsed.data)
      sessions.flush(current.id)
      return c.json({ ok: true, state: current.state() })
    } catch (error) {
      return refusalProblem(c, error)
    }
  })

  app.get('/v1/lab/scenarios', (c) => c.json({ scenarios: scenarios.list() }))

  app.get(
    '/v1/lab/sessions/:id/ws',
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
        return problem(
          c,
          'bad_request',
          'this is the session WebSocket: connect with a WebSocket client',
        )
      const session = withSession(c)
      if (session instanceof Response) return session
      await next()
    },
    deps.upgradeWebSocket((c) => {
      const id = c.req.param('id') ?? ''
      let detach: (() => void) | undefined
      return {
        onOpen(_event, ws) {
          detach = sessions.attach(id, socketViewer(ws))
          if (detach === undefined) ws.close(4004, 'no such session')
        },
        onMessage(event, ws) {
          const reply = handleFrame(sessions, scenarios, id, event.data)
          // The new state (and events) first: when the reply arrives, the page already holds
          // the state the command produced.
          if (reply.ok) sessions.flush(id)
          ws.send(JSON.stringify(reply))
        },
        onClose() {
          detach?.()
        },
      }
    }),
  )

  deps.extend?.(app)

  app.notFound((c) => problem(c, 'not_found', `no route ${c.req.method} ${c.req.path}`))
  return app
}

/** Runs a command; a `scenario` command swaps the session's run (same id) and returns the new one. */
function runCommand(
  sessions: SessionManager,
  scenarios: ScenarioCatalog,
  session: LabSession,
  command: Command,
): LabSession {
  if (command.type === 'scenario') {
    const built = scenarios.build(command.id)
    if (built === undefined)
      throw new CommandRefused(
        'not_found',
        `no scenario '${command.id}' (there are: ${scenarios.ids().join(', ')})`,
      )
    return sessions.replace(session.id, built.recipe, { scenario: built.script })
  }
  session.command(command)
  return session
}

type Reply = Extract<ServerFrame, { type: 'reply' }>

/** One frame from the browser: a command by id, answered with a reply; anything else gets an error reply. */
function handleFrame(
  sessions: SessionManager,
  scenarios: ScenarioCatalog,
  id: string,
  data: unknown,
): Reply {
  const fail = (commandId: string | null, error: ErrorDetail): Reply => ({
    type: 'reply',
    commandId,
    ok: false,
    error,
  })
  if (typeof data !== 'string')
    return fail(null, { code: 'bad_request', message: 'frames are JSON text' })
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch (error) {
    return fail(null, {
      code: 'bad_request',
      message: `malformed JSON: ${(error as Error).message}`,
    })
  }
  const frame = clientFrameSchema.safeParse(json)
  if (!frame.success) {
    const commandId =
      typeof (json as { commandId?: unknown })?.commandId === 'string'
        ? String((json as { commandId: string }).commandId).slice(0, 64)
        : null
    const issues = formatIssues(frame.error)
    return fail(commandId, {
      code: 'bad_request',
      message: `invalid frame: ${issues[0]?.path}: ${issues[0]?.message} (send {"type":"command","commandId":"...","command":{...}})`,
      issues,
    })
  }
  const { commandId } = frame.data
  const command = commandSchema.safeParse(frame.data.command)
  if (!command.success) {
    const issues = formatIssues(command.error, 'command')
    return fail(commandId, {
      code: 'bad_request',
      message: `invalid command: ${issues[0]?.path}: ${issues[0]?.message}`,
      issues,
    })
  }
  const session = sessions.get(id)
  if (session === undefined)
    return fail(commandId, { code: 'not_found', message: 'this session has expired' })
  try {
    runCommand(sessions, scenarios, session, command.data)
    return { type: 'reply', commandId, ok: true }
  } catch (error) {
    if (error instanceof CommandRefused)
      return fail(commandId, { code: error.code, message: error.message })
    console.error(error)
    return fail(commandId, {
      code: 'internal',
      message: 'the command failed inside the server; see its log',
    })
  }
}

function socketViewer(ws: WSContext<unknown>): import('../session/session-manager.js').Viewer {
  const raw = ws.raw as { bufferedAmount?: number } | undefined
  return {
    get bufferedAmount() {
      return raw?.bufferedAmount ?? 0
    },
    send: (text) => {
      if (ws.readyState === 1) ws.send(text)
    },
    close: (code, reason) => ws.close(code, reason),
  }
}
