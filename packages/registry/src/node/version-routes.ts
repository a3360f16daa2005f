import { ApiError, problem } from '@raftkit/server'
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { decodeCursor, encodeCursor } from '../versions/cursor.js'
import { parseVersionNo } from '../versions/semver-order.js'
import {
  platformPattern,
  versionIdPattern,
  versionJson,
  type VersionRecord,
} from '../versions/version-record.js'
import {
  booleanQuery,
  consistencyOf,
  identityOf,
  ifMatchOf,
  intQuery,
  parseJsonBody,
} from './http-input.js'
import type { VersionService } from './version-service.js'

const listLimitMax = 1000

const versionNo = z.string().refine((value) => parseVersionNo(value) !== undefined, {
  message: 'not a semantic version (major.minor.patch[-prerelease][+build], e.g. 1.4.0-rc.1)',
})
const platform = z
  .string()
  .regex(platformPattern, 'platforms are 1-64 letters, digits, ., _, + or -')
const versionId = z
  .union([z.string(), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)])
  .transform((value) => String(value))
  .refine((value) => versionIdPattern.test(value), {
    message: 'ids are 1-64 letters, digits, ., _ or -',
  })

const addBody = z.object({ id: versionId.optional(), versionNo, platform }).strict()
const updateBody = z
  .object({
    id: versionId.optional(),
    versionNo: versionNo.optional(),
    platform: platform.optional(),
  })
  .strict()
  .refine((body) => body.versionNo !== undefined || body.platform !== undefined, {
    message: 'give versionNo, platform or both',
  })

/** Adds the version-registry routes of the SPEC to a node's app. */
export function addVersionRoutes(app: Hono, service: VersionService): void {
  const respondWith = (c: Context, version: VersionRecord, status: 200 | 201 = 200): Response => {
    c.header('etag', `"${version.revision}"`)
    return c.json(versionJson(version), status)
  }

  app.post('/v1/versions', async (c) => {
    const body = await parseJsonBody(c, addBody)
    const version = await service.add(body, identityOf(c))
    c.header('location', `/v1/versions/${encodeURIComponent(version.id)}`)
    return respondWith(c, version, 201)
  })

  app.get('/v1/versions', async (c) => {
    const platformName = optionalPlatform(c.req.query('platform'))
    const cursorText = c.req.query('cursor')
    const after =
      cursorText === undefined || cursorText === '' ? undefined : decodeCursor(cursorText)
    if (cursorText !== undefined && cursorText !== '' && after === undefined) {
      throw new ApiError(
        'bad_request',
        'cursor is not one this API returned (pass nextCursor back as is)',
      )
    }
    const order = c.req.query('order') ?? 'desc'
    if (order !== 'asc' && order !== 'desc')
      throw new ApiError('bad_request', 'order must be asc or desc')
    const page = await service.list(
      { platform: platformName, limit: intQuery(c, 'limit', 100, 1, listLimitMax), after, order },
      consistencyOf(c),
    )
    return c.json({
      items: page.items.map(versionJson),
      nextCursor: page.next === undefined ? null : encodeCursor(page.next),
    })
  })

  app.get('/v1/versions/:id', async (c) => {
    const id = idParam(c)
    const version = await service.get(id, consistencyOf(c))
    if (version === undefined) return problem(c, 'not_found', `no version with id ${id}`)
    return respondWith(c, version)
  })

  app.put('/v1/versions/:id', async (c) => {
    const id = idParam(c)
    const body = await parseJsonBody(c, updateBody)
    if (body.id !== undefined && body.id !== id) {
      throw new ApiError('bad_request', `the body's id ${body.id} is not the path's ${id}`)
    }
    const version = await service.update(id, body, ifMatchOf(c), identityOf(c))
    return respondWith(c, version)
  })

  app.delete('/v1/versions/:id', async (c) => {
    await service.delete(idParam(c), ifMatchOf(c), identityOf(c))
    return c.body(null, 204)
  })

  app.get('/v1/platforms', async (c) =>
    c.json({ items: await service.platforms(consistencyOf(c)) }),
  )

  app.get('/v1/platforms/:platform/latest', async (c) => {
    const name = optionalPlatform(c.req.param('platform'))!
    const version = await service.latest(
      name,
      booleanQuery(c, 'includePrerelease', true),
      consistencyOf(c),
    )
    if (version === undefined) return problem(c, 'not_found', `platform ${name} has no versions`)
    return respondWith(c, version)
  })
}

function idParam(c: Context): string {
  const id = c.req.param('id') ?? ''
  if (!versionIdPattern.test(id))
    throw new ApiError('bad_request', 'ids are 1-64 letters, digits, ., _ or -')
  return id
}

function optionalPlatform(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (!platformPattern.test(value)) {
    throw new ApiError('bad_request', 'platforms are 1-64 letters, digits, ., _, + or -')
  }
  return value
}
