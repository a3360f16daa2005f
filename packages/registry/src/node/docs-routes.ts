import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Hono } from 'hono'
import { openApiDocument } from './openapi-document.js'

const require = createRequire(import.meta.url)
/** Swagger UI's files, served from the npm package: no CDN, works offline. */
const assetsDirectory = dirname(require.resolve('swagger-ui-dist/package.json'))
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
}

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>raftkit API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="api"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`

const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api', deepLinking: true, tryItOutEnabled: true, persistAuthorization: true })`

/** `/openapi.json` (the document) and `/docs` (an interactive page for it) on every node. */
export function addDocsRoutes(app: Hono): void {
  app.get('/openapi.json', (c) => c.json(openApiDocument))
  app.get('/docs', (c) => c.html(page))
  app.get('/docs/init.js', (c) =>
    c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  )
  app.get('/docs/assets/:name', async (c) => {
    const name = c.req.param('name')
    const type = assets[name]
    if (type === undefined)
      return c.json({ error: { code: 'not_found', message: `no asset ${name}` } }, 404)
    const bytes = await readFile(join(assetsDirectory, name))
    return c.body(bytes, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' })
  })
}
