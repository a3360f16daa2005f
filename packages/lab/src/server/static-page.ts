import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { Hono } from 'hono'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
}

/**
 * Serves the Lab page: the files of `apps/lab-web/dist` (the page's Vite build) at `/` and
 * `/lab/`, with `index.html` for every page path (the page routes itself). When the page has
 * not been built, a short page says how to build it.
 */
export function mountStaticPage(app: Hono, dir: string | undefined): void {
  const root = dir === undefined ? undefined : resolve(dir)
  const serve = async (path: string): Promise<Response> => {
    if (root === undefined || !existsSync(join(root, 'index.html')))
      return new Response(notBuiltPage(root), {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
      })
    const relative = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, '')
    const file = resolve(root, relative)
    const inside = file === root || file.startsWith(root + sep)
    const target =
      inside && existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html')
    const body = await readFile(target)
    const type = contentTypes[extname(target)] ?? 'application/octet-stream'
    const cache = target.includes(`${sep}assets${sep}`)
      ? 'public, max-age=31536000, immutable'
      : 'no-cache'
    return new Response(body, { headers: { 'content-type': type, 'cache-control': cache } })
  }
  app.get('/lab', (c) => c.redirect('/lab/'))
  app.get('/lab/*', (c) => serve(c.req.path.slice('/lab'.length)))
  app.get('/*', async (c, next) => {
    if (c.req.path.startsWith('/v1/')) return next()
    return serve(c.req.path)
  })
}

function notBuiltPage(root: string | undefined): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Raft Lab — page not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:4px}pre{padding:.8rem}</style>
</head><body>
<h1>Raft Lab</h1>
<p>The Lab server is running, but the page has not been built yet${root === undefined ? '' : ` (no <code>${escapeHtml(root)}/index.html</code>)`}. Build it with:</p>
<pre>npm run build -w apps/lab-web</pre>
<p>then reload. The API works already: <code>POST /v1/lab/sessions</code> creates a session, and here are <a href="/v1/lab/scenarios">the guided scenarios</a>.</p>
<p lang="zh">Raft Lab 服务器已在运行，但页面还没有构建。请运行 <code>npm run build -w apps/lab-web</code>，然后刷新本页。</p>
</body></html>`
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!,
  )
}
