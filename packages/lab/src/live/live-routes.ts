import type { Context, Hono } from 'hono'
import type { UpgradeWebSocket, WSContext } from 'hono/ws'
import { commandSchema, eventsQuerySchema, type ServerFrame } from '../protocol/index.js'
import { problem, readJson, refusalProblem, validationProblem } from '../server/errors.js'
import { CommandRefused } from '../session/world.js'
import type { LiveView } from './live-view.js'

const maxBufferedBytes = 1 << 20

/** `/v1/lab/live...`: the live view's state, events, commands and WebSocket (same frames as a session's). */
export function mountLiveRoutes(
  app: Hono,
  live: LiveView | undefined,
  upgradeWebSocket: UpgradeWebSocket<unknown>,
): () => void {
  const missing = (c: Context) =>
    problem(
      c,
      'not_configured',
      'this Lab runs without a cluster: `raftkit start` serves the Lab beside its nodes, with a live view of them',
    )
  app.get('/v1/lab/live', (c) => (live === undefined ? missing(c) : c.json(live.state())))
  app.get('/v1/lab/live/events', (c) => {
    if (live === undefined) return missing(c)
    const query = eventsQuerySchema.safeParse(c.req.query())
    if (!query.success) return validationProblem(c, 'query', query.error)
    return c.json(live.events(query.data.after, query.data.limit))
  })
  app.get('/v1/lab/live/nodes/:node', (c) => {
    if (live === undefined) return missing(c)
    const node = live.state().nodes.find((n) => n.id === c.req.param('node'))
    return node === undefined
      ? problem(c, 'not_found', `no node '${c.req.param('node')}' in the live cluster`)
      : c.json(node)
  })
  app.post('/v1/lab/live/commands', async (c) => {
    if (live === undefined) return missing(c)
    const read = await readJson(c)
    if (!read.ok) return read.response
    const parsed = commandSchema.safeParse(read.body)
    if (!parsed.success) return validationProblem(c, 'command', parsed.error)
    try {
      await live.command(parsed.data)
      return c.json({ ok: true, state: live.state() })
    } catch (error) {
      return refusalProblem(c, error)
    }
  })

  const viewers = new Set<{ ws: WSContext<unknown>; lastSeq: number; lagging: boolean }>()
  app.get(
    '/v1/lab/live/ws',
    async (c, next) => (live === undefined ? missing(c) : next()),
    upgradeWebSocket(() => {
      let viewer: { ws: WSContext<unknown>; lastSeq: number; lagging: boolean } | undefined
      return {
        onOpen(_event, ws) {
          if (live === undefined) return ws.close(4004, 'no live cluster')
          viewer = { ws, lastSeq: live.lastEventSeq, lagging: false }
          viewers.add(viewer)
          ws.send(
            JSON.stringify({
              type: 'hello',
              protocol: 1,
              state: live.state(),
            } satisfies ServerFrame),
          )
        },
        onMessage(event, ws) {
          void (async () => {
            let commandId: string | null = null
            try {
              const frame = JSON.parse(String(event.data)) as {
                commandId?: unknown
                command?: unknown
              }
              commandId = typeof frame.commandId === 'string' ? frame.commandId : null
              const command = commandSchema.safeParse(frame.command)
              if (!command.success)
                throw new CommandRefused(
                  'bad_request',
                  `invalid command: ${command.error.issues[0]?.message ?? 'malformed'}`,
                )
              await live!.command(command.data)
              ws.send(JSON.stringify({ type: 'reply', commandId, ok: true } satisfies ServerFrame))
            } catch (error) {
              const code = error instanceof CommandRefused ? error.code : 'bad_request'
              ws.send(
                JSON.stringify({
                  type: 'reply',
                  commandId,
                  ok: false,
                  error: { code, message: (error as Error).message },
                } satisfies ServerFrame),
              )
            }
          })()
        },
        onClose() {
          if (viewer !== undefined) viewers.delete(viewer)
        },
      }
    }),
  )
  if (live === undefined) return () => {}
  const timer = setInterval(() => {
    if (viewers.size === 0) return
    const state = JSON.stringify({ type: 'state', state: live.state() } satisfies ServerFrame)
    for (const viewer of viewers) {
      const raw = viewer.ws.raw as { bufferedAmount?: number } | undefined
      if ((raw?.bufferedAmount ?? 0) > maxBufferedBytes) {
        if (!viewer.lagging)
          viewer.ws.send(
            JSON.stringify({ type: 'lagging', resumeAfter: viewer.lastSeq } satisfies ServerFrame),
          )
        viewer.lagging = true
        continue
      }
      if (viewer.lagging) {
        viewer.lagging = false
        viewer.lastSeq = live.lastEventSeq
      }
      const events = live.eventsSince(viewer.lastSeq, 500)
      if (events.length > 0) {
        viewer.ws.send(JSON.stringify({ type: 'events', events } satisfies ServerFrame))
        viewer.lastSeq = events[events.length - 1]!.seq
      }
      viewer.ws.send(state)
    }
  }, 200)
  timer.unref()
  return () => clearInterval(timer)
}
