import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LabServer } from '@raftkit/lab'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalClusterProcesses } from '../../cli/src/cluster/local-cluster.js'
import {
  launchBrowser,
  skipReason,
  waitFor,
  watchPage,
  type TestBrowser,
} from './support/browser.js'
import { buildPage, startLab } from './support/lab.js'
import { freePortBase } from './support/ports.js'

/**
 * Live mode: the Lab beside three real `raftkit node` processes (with fault injection), as
 * `raftkit start --debug-faults` runs them. The page shows the real cluster in the same views
 * and its buttons act on the real processes.
 */
describe.skipIf(skipReason !== undefined)('Raft Lab live mode in the browser', () => {
  let browser: TestBrowser
  let built: Awaited<ReturnType<typeof buildPage>>
  let cluster: LocalClusterProcesses
  let lab: LabServer
  let dataDir: string
  let page: Page
  let pageErrors: { readonly errors: string[] }
  const nodeLog: string[] = []

  beforeAll(async () => {
    built = await buildPage()
    dataDir = await mkdtemp(join(tmpdir(), 'raftlab-live-'))
    const sink = { write: (text: string) => nodeLog.push(text) }
    cluster = new LocalClusterProcesses(
      {
        nodes: 3,
        dataDir,
        host: '127.0.0.1',
        clientPortBase: await freePortBase(3),
        peerPortBase: await freePortBase(3),
        debugFaults: true,
        logLevel: 'warn',
        formatLine: () => undefined,
      },
      { stdout: sink, stderr: sink },
    )
    await cluster.start()
    lab = await startLab(built.dir, {
      accounts: false,
      live: {
        members: () => cluster.members.map((m) => ({ id: m.id, clientUrl: m.clientUrl })),
        faults: true,
        crash: (id) => cluster.signal(id, 'SIGKILL'),
        restart: (id) => cluster.restart(id),
      },
    })
    browser = await launchBrowser()
    page = await browser.browser.newPage({ viewport: { width: 1440, height: 900 } })
    pageErrors = watchPage(page)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await lab?.close()
    await cluster?.stop()
    await built?.remove()
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
  })

  const leaderOnPage = (): Promise<string | null> =>
    page.evaluate(
      () =>
        document
          .querySelector<SVGGElement>('g[data-testid^="node-"][data-role="leader"]')
          ?.dataset['testid']?.slice(5) ?? null,
    )

  let leader: string

  it('shows the real cluster: three nodes and their leader', async () => {
    await page.goto(lab.url + '/#live')
    await page.locator('[data-testid=lab]').waitFor({ timeout: 60_000 })
    await waitFor(
      'three nodes',
      async () => (await page.locator('g[data-testid^="node-"]').count()) === 3,
    )
    leader = await waitFor('a leader of the real cluster', leaderOnPage, 90_000)
    expect(await page.locator('.live-note').textContent()).toContain('act on the real nodes')
    // Play, step, speed and the timeline's scrubber belong to simulations: the real cluster
    // runs in real time.
    const simulationOnly =
      '[data-testid=play], [data-testid=pause], [data-testid=step], [data-testid=speed], [data-testid=scrub]'
    expect(await page.locator(simulationOnly).count()).toBe(0)
  })

  it('writes through the page and sees the value in every node', async () => {
    await page.locator('[data-testid=tab-client]').click()
    await page.locator('[data-testid=client-key]').fill('live-key')
    await page.locator('[data-testid=client-value]').fill('from-the-page')
    await page.locator('[data-testid=client-send]').click()
    // Every node's state machine, as the live view polls it, shows the value.
    await waitFor(
      'the value on all three nodes in the key-value view',
      async () =>
        (await page.locator('[data-testid=kv] td', { hasText: 'from-the-page' }).count()) === 3,
      60_000,
    )
    const response = await waitFor('the write on a node', async () => {
      const r = await fetch(`${cluster.members[0]!.clientUrl}/v1/kv/live-key`)
      return r.ok ? ((await r.json()) as { value: string }) : null
    })
    expect(response.value).toBe('from-the-page')
  })

  it('crashes the real leader process and sees another node take over, then restarts it', async () => {
    await page.locator(`g[data-testid="node-${leader}"]`).click()
    await page.locator('[data-testid=crash]').click()
    await page
      .locator(`g[data-testid="node-${leader}"][data-role=down]`)
      .waitFor({ timeout: 60_000 })
    const next = await waitFor(
      'a new leader',
      async () => {
        const id = await leaderOnPage()
        return id !== null && id !== leader ? id : null
      },
      90_000,
    )
    expect(next).not.toBe(leader)
    await page.locator('[data-testid=restart]').click()
    await page
      .locator(`g[data-testid="node-${leader}"]:not([data-role=down])`)
      .waitFor({ timeout: 90_000 })
  })

  it('isolates the leader with a partition on the real nodes, and heals it', async () => {
    const current = await waitFor('a leader', leaderOnPage, 90_000)
    await page.locator('[data-testid=tab-network]').click()
    await page.locator('[data-testid=draw-partition]').click()
    await page.locator(`[data-testid=draft-${current}]`).click()
    await page.locator('[data-testid=apply-partition]').click()
    await page
      .locator('[data-testid=net-summary]', { hasText: 'Partition' })
      .waitFor({ timeout: 30_000 })
    // The two others elect a leader of their own.
    await waitFor(
      'a leader on the majority side',
      async () => {
        const id = await leaderOnPage()
        return id !== null && id !== current
      },
      90_000,
    )
    await page.locator('[data-testid=heal]').click()
    await page
      .locator('[data-testid=net-summary]', { hasText: 'The network is whole.' })
      .waitFor({ timeout: 30_000 })
  })

  it('has had no errors in the page', () => {
    expect(pageErrors.errors).toEqual([])
  })
})
