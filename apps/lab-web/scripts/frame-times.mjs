#!/usr/bin/env node
// How smooth the Lab page stays with a big cluster and long logs: frame times measured in
// Chromium while the run plays and while the log view is scrolled end to end.
//
//   node apps/lab-web/scripts/frame-times.mjs [--nodes 9] [--entries 3000] [--seconds 6]
//   npm run bench -- lab-frames
//
// Needs `npm run build` first (it serves packages/lab/dist and apps/lab-web/dist) and Debian's
// Chromium at /usr/bin/chromium. Prints numbers; passes or fails nothing.
/* global document, requestAnimationFrame -- collectInPage runs in the page */
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Frame-time statistics (ms) from a list of frame intervals. */
function stats(intervals) {
  const sorted = [...intervals].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  const total = intervals.reduce((sum, v) => sum + v, 0)
  return {
    frames: intervals.length,
    fps: intervals.length / (total / 1000),
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.at(-1) ?? NaN,
    over50: intervals.filter((v) => v > 50).length,
  }
}

/** Collects requestAnimationFrame intervals in the page for `ms`, running `perFrame` each frame. */
const collectInPage = ({ ms, scroll }) =>
  new Promise((resolve) => {
    const intervals = []
    const scroller = document.querySelector('[data-testid=logs]')
    let last = performance.now()
    const start = last
    let direction = 1
    const tick = (now) => {
      intervals.push(now - last)
      last = now
      if (scroll && scroller !== null) {
        // A brisk scroll: 120 px a frame, bouncing between the ends of the log.
        if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2) direction = -1
        else if (scroller.scrollTop <= 0) direction = 1
        scroller.scrollTop += direction * 120
      }
      if (now - start < ms) requestAnimationFrame(tick)
      else resolve(intervals.slice(1))
    }
    requestAnimationFrame(tick)
  })

export async function measureFrameTimes({ nodes = 9, entries = 3000, seconds = 6, print = console.log } = {}) {
  if (!existsSync(chromiumPath)) {
    print(`skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`)
    return undefined
  }
  const lab = await import('../../../packages/lab/dist/index.js')
  const { chromium } = await import('playwright-core')
  const staticDir = process.env.LAB_WEB_DIST ?? fileURLToPath(new URL('../dist', import.meta.url))
  if (!existsSync(`${staticDir}/index.html`)) throw new Error('build the page first: npm run build -w apps/lab-web')
  const server = await lab.startLabServer({ host: '127.0.0.1', port: 0, staticDir })
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  try {
    const post = async (path, body) => {
      const response = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const json = await response.json()
      if (!response.ok) throw new Error(`${path}: ${JSON.stringify(json)}`)
      return json
    }
    const session = await post('/v1/lab/sessions', { nodes, seed: 42, playing: false })
    const command = (c) => post(`/v1/lab/sessions/${session.id}/commands`, c)
    // Fill the logs: a heavy write stream, stepped through until the leader's log is long enough.
    await command({ type: 'workload', writesPerSecond: 200, keys: 50 })
    let state = session.state
    const longest = (s) => Math.max(...s.nodes.map((n) => n.lastIndex))
    const fillStart = performance.now()
    while (longest(state) < entries) state = (await command({ type: 'step', count: 1000 })).state
    const fillSeconds = (performance.now() - fillStart) / 1000
    // Then a lighter stream while watching, so messages keep flying.
    await command({ type: 'workload', writesPerSecond: 40, keys: 50 })
    await command({ type: 'speed', factor: 1 })

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.goto(`${server.url}/#s=${session.id}`)
    await page.waitForSelector('[data-testid=lab]')
    await page.waitForSelector('[data-testid=logs] .logs-row')
    await page.waitForTimeout(1000)
    const domRows = await page.locator('[data-testid=logs] .logs-row').count()

    const paused = stats(await page.evaluate(collectInPage, { ms: 3000, scroll: false }))
    await command({ type: 'play' })
    await page.waitForTimeout(500)
    const playing = stats(await page.evaluate(collectInPage, { ms: seconds * 1000, scroll: false }))
    // A person scrolling the log stops following the newest entry (the wheel does that by itself).
    await page.locator('.logs .inline-check input').uncheck()
    const scrolling = stats(await page.evaluate(collectInPage, { ms: seconds * 1000, scroll: true }))
    const inFlight = (await page.getAttribute('[data-testid=messages]', 'data-count')) ?? '?'
    const final = (await post(`/v1/lab/sessions/${session.id}/commands`, { type: 'pause' })).state

    const row = (name, s) =>
      `${name.padEnd(22)} ${String(s.frames).padStart(6)} ${s.fps.toFixed(1).padStart(6)} ${s.p50.toFixed(1).padStart(6)} ${s.p95.toFixed(1).padStart(6)} ${s.p99.toFixed(1).padStart(6)} ${s.max.toFixed(1).padStart(7)} ${String(s.over50).padStart(6)}`
    print(`cluster: ${nodes} nodes, ${longest(final)} log entries on the longest log (filled in ${fillSeconds.toFixed(1)} s), ${inFlight} messages in flight at the end`)
    print(`DOM: ${domRows} log rows rendered (virtualized), page at 1440x900, Chromium headless, no GPU`)
    print(`${'phase'.padEnd(22)} ${'frames'.padStart(6)} ${'fps'.padStart(6)} ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(7)} ${'>50ms'.padStart(6)}`)
    print(row('paused', paused))
    print(row('playing at 1x', playing))
    print(row('playing + log scroll', scrolling))
    print('(frame intervals in ms, from requestAnimationFrame)')
    return { paused, playing, scrolling }
  } finally {
    await browser.close()
    await server.close()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { nodes: { type: 'string', default: '9' }, entries: { type: 'string', default: '3000' }, seconds: { type: 'string', default: '6' } },
  })
  await measureFrameTimes({ nodes: Number(values.nodes), entries: Number(values.entries), seconds: Number(values.seconds) })
}
