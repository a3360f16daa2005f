#!/usr/bin/env node
// Screenshots of Raft Lab for the README and for review, at desktop (1440x900) and phone
// (390x844) widths, of scenes set up through the real Lab server's REST API.
//
//   npm run build && node apps/lab-web/scripts/screenshots.mjs [outDir]
//
// Writes PNGs to apps/lab-web/screenshots/ (or outDir); with `pngquant` on the PATH
// (apt-get install pngquant) they are reduced to 256 colours, which keeps them small.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
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
const outDir = process.argv[2] ?? fileURLToPath(new URL('../screenshots', import.meta.url))
const staticDir = process.env.LAB_WEB_DIST ?? fileURLToPath(new URL('../dist', import.meta.url))
const desktop = { width: 1440, height: 900 }
const phone = { width: 390, height: 844 }

const lab = await import('../../../packages/lab/dist/index.js')
const { chromium } = await import('playwright-core')
mkdirSync(outDir, { recursive: true })
const server = await lab.startLabServer({ host: '127.0.0.1', port: 0, staticDir })
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })

const post = async (path, body) => {
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const json = await response.json()
  if (!response.ok) throw new Error(`${path} ${JSON.stringify(body)}: ${JSON.stringify(json)}`)
  return json
}
const session = async (body) => {
  const created = await post('/v1/lab/sessions', { playing: false, ...body })
  const command = async (c) => (await post(`/v1/lab/sessions/${created.id}/commands`, c)).state
  return { id: created.id, command }
}

/** A five-node run a while in: writes flowing, a crashed follower, a one-way cut, a lossy link. */
async function busyRun(nodes = 5) {
  const run = await session({ nodes, seed: 7 })
  await run.command({ type: 'step', count: 300 })
  await run.command({ type: 'workload', writesPerSecond: 30, keys: 8 })
  await run.command({ type: 'step', count: 750 })
  await run.command({ type: 'step', count: 750 })
  await run.command({ type: 'crash', node: nodes >= 5 ? 'n4' : 'n2' })
  await run.command({ type: 'cut', from: 'n1', to: 'n2' })
  await run.command({
    type: 'link',
    from: 'n5',
    to: 'n1',
    lossRate: 0.3,
    delayMs: 40,
    bothWays: true,
  })
  await run.command({ type: 'client', op: 'cas', key: 'k1', expected: null, value: 'hello' })
  await run.command({ type: 'step', count: 80 })
  return run
}

/** Two leaders in term 1: forget-vote on, n1 and n2 cut apart, n3 votes twice. */
async function violationRun() {
  const run = await session({ nodes: 3, seed: 1, electionTimeoutMs: 1000 })
  await run.command({ type: 'settings', preVote: false })
  await run.command({ type: 'settings', checkQuorum: false })
  await run.command({ type: 'settings', unsafe: 'forget-vote' })
  await run.command({ type: 'cut', from: 'n1', to: 'n2' })
  await run.command({ type: 'cut', from: 'n2', to: 'n1' })
  await run.command({ type: 'campaign', node: 'n1' })
  for (
    let i = 0;
    i < 200 && (await run.command({ type: 'step', count: 1 })).nodes[0].role !== 'leader';
    i++
  );
  await run.command({ type: 'crash', node: 'n3' })
  await run.command({ type: 'restart', node: 'n3' })
  await run.command({ type: 'campaign', node: 'n2' })
  for (
    let i = 0;
    i < 300 && (await run.command({ type: 'step', count: 1 })).violations.length === 0;
    i++
  );
  return run
}

async function shoot(name, { viewport, url, language = 'en', fullPage = false, prepare }) {
  const page = await browser.newPage({ viewport })
  page.on('pageerror', (error) => console.error(`${name}: page error: ${error.message}`))
  await page.addInitScript((lang) => localStorage.setItem('raftlab.language', lang), language)
  await page.goto(server.url + url)
  await page.waitForSelector('[data-testid=lab], main.page')
  await page.waitForTimeout(1200)
  if (prepare !== undefined) await prepare(page)
  // Panels out of view are not drawn (content-visibility); a full-page picture needs them.
  if (fullPage)
    await page.addStyleTag({
      content: '.lab-lower > *, .lab-side > * { content-visibility: visible !important; }',
    })
  await page.waitForTimeout(400)
  const file = join(outDir, `${name}.png`)
  await page.screenshot({ path: file, fullPage })
  await page.close()
  shrink(file)
  console.log(`${file}  ${Math.round(statSync(file).size / 1024)} KiB`)
}

/** 256 colours with pngquant (Debian's `pngquant`), when it is there: a third of the size. */
function shrink(file) {
  try {
    execFileSync(
      'pngquant',
      ['--force', '--skip-if-larger', '--quality', '70-95', '--output', file, file],
      { stdio: 'ignore' },
    )
  } catch {
    // No pngquant (or nothing gained): keep the full-colour PNG.
  }
}

const pick = (node) => async (page) => page.click(`g[data-testid="node-${node}"]`)

try {
  if (!existsSync(`${staticDir}/index.html`))
    throw new Error('build the page first: npm run build -w apps/lab-web')
  const busy = await busyRun()
  await shoot('desktop-lab', { viewport: desktop, url: `/#s=${busy.id}`, prepare: pick('n3') })
  await shoot('desktop-lab-full', {
    viewport: desktop,
    url: `/#s=${busy.id}`,
    fullPage: true,
    prepare: async (page) => page.click('[data-testid=tab-network]'),
  })
  await shoot('desktop-lab-zh', {
    viewport: desktop,
    url: `/#s=${busy.id}`,
    language: 'zh',
    prepare: async (page) => page.click('[data-testid=tab-rules]'),
  })
  await shoot('phone-lab', { viewport: phone, url: `/#s=${busy.id}` })
  await shoot('phone-lab-full', {
    viewport: phone,
    url: `/#s=${busy.id}`,
    fullPage: true,
    prepare: async (page) => page.click('[data-testid=tab-client]'),
  })

  const big = await session({ nodes: 9, seed: 42 })
  await big.command({ type: 'workload', writesPerSecond: 200, keys: 40 })
  for (let state = null; state === null || Math.max(...state.nodes.map((n) => n.lastIndex)) < 3000;)
    state = await big.command({ type: 'step', count: 1000 })
  await big.command({ type: 'crash', node: 'n7' })
  await big.command({ type: 'step', count: 200 })
  await shoot('desktop-9-nodes', { viewport: desktop, url: `/#s=${big.id}`, fullPage: true })

  const broken = await violationRun()
  await shoot('desktop-violation', { viewport: desktop, url: `/#s=${broken.id}` })
  await shoot('phone-violation', { viewport: phone, url: `/#s=${broken.id}` })

  const figure8 = await session({ scenario: 'figure-8' })
  for (let k = 0; k < 3; k++) await figure8.command({ type: 'scenarioStep' })
  for (let i = 0; i < 30 && !(await figure8.command({ type: 'step', count: 200 })).stopped; i++);
  await figure8.command({ type: 'pause' })
  await shoot('desktop-figure-8', { viewport: desktop, url: `/#s=${figure8.id}` })

  const guided = await session({ scenario: 'partition-heal' })
  await guided.command({ type: 'scenarioStep' })
  await guided.command({ type: 'step', count: 40 })
  await guided.command({ type: 'pause' })
  await shoot('desktop-scenario', { viewport: desktop, url: `/#s=${guided.id}` })
  await shoot('desktop-scenarios', { viewport: desktop, url: '/#scenarios' })
  await shoot('desktop-sign-in-help', {
    viewport: desktop,
    url: `/#s=${busy.id}`,
    prepare: async (page) => page.click('[data-testid=sign-in]'),
  })
  await shootLive()
} finally {
  await browser.close()
  await server.close()
}

/** The live view of three real node processes (as `raftkit start --debug-faults` runs them). */
async function shootLive() {
  const { LocalClusterProcesses } = await import('../../cli/dist/cluster/local-cluster.js')
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const dataDir = await mkdtemp(join(tmpdir(), 'raftlab-shots-'))
  const base = 30_000 + Math.floor(Math.random() * 20_000)
  const quiet = { write: () => true }
  const cluster = new LocalClusterProcesses(
    {
      nodes: 3,
      dataDir,
      host: '127.0.0.1',
      clientPortBase: base,
      peerPortBase: base + 100,
      debugFaults: true,
      logLevel: 'warn',
      formatLine: () => undefined,
    },
    { stdout: quiet, stderr: quiet },
  )
  await cluster.start()
  const liveServer = await lab.startLabServer({
    host: '127.0.0.1',
    port: 0,
    staticDir,
    accounts: false,
    live: {
      members: () => cluster.members.map((m) => ({ id: m.id, clientUrl: m.clientUrl })),
      faults: true,
      crash: (id) => cluster.signal(id, 'SIGKILL'),
      restart: (id) => cluster.restart(id),
    },
  })
  try {
    for (let i = 0; i < 20; i++) {
      await fetch(`${cluster.members[0].clientUrl}/v1/kv/key${i % 5}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: `v${i}` }),
      }).catch(() => {})
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const page = await browser.newPage({ viewport: desktop })
    await page.goto(`${liveServer.url}/#live`)
    await page.waitForSelector('g[data-testid^="node-"][data-role=leader]', { timeout: 60_000 })
    await page.waitForTimeout(1500)
    const file = join(outDir, 'desktop-live.png')
    await page.screenshot({ path: file })
    await page.close()
    shrink(file)
    console.log(`${file}  ${Math.round(statSync(file).size / 1024)} KiB`)
  } finally {
    await liveServer.close()
    await cluster.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
