import type { LabServer, NodeView, State } from '@raftkit/lab'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, skipReason, waitFor, watchPage, type TestBrowser } from './support/browser.js'
import { buildPage, sessionCommand, sessionState, startLab } from './support/lab.js'

/**
 * Raft Lab end to end: the page built from source, the real Lab server with the real
 * simulator, Debian's Chromium. One visitor's story, in order: open the page, watch a leader
 * get elected, crash it, see a new one, cut the network and heal it, scrub back and forward,
 * share the run as a link and reopen it at the same moment.
 */
describe.skipIf(skipReason !== undefined)('Raft Lab in the browser', () => {
  let page: Page
  let browser: TestBrowser
  let server: LabServer
  let built: Awaited<ReturnType<typeof buildPage>>
  let pageErrors: { readonly errors: string[] }

  beforeAll(async () => {
    built = await buildPage()
    server = await startLab(built.dir)
    browser = await launchBrowser()
    page = await browser.browser.newPage({ viewport: { width: 1440, height: 900 } })
    pageErrors = watchPage(page)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await built?.remove()
  })

  const sessionId = async (): Promise<string> => {
    const id = await page.getAttribute('[data-testid=lab]', 'data-session')
    if (id === null) throw new Error('no session on the page')
    return id
  }
  const state = async (): Promise<State> => sessionState(server, await sessionId())
  const leaderOnPage = async (excluding: readonly string[] = [], minTerm = 1): Promise<{ id: string; term: number } | null> =>
    page.evaluate(
      ({ excluding, minTerm }) => {
        for (const node of document.querySelectorAll<SVGGElement>('g[data-testid^="node-"][data-role="leader"]')) {
          const id = node.dataset['testid']!.slice('node-'.length)
          const term = Number(node.dataset['term'])
          if (!excluding.includes(id) && term >= minTerm) return { id, term }
        }
        return null
      },
      { excluding: [...excluding], minTerm },
    )

  let firstLeader: { id: string; term: number }
  let secondLeader: { id: string; term: number }

  it('opens on a running cluster, with no sign-in, and shows a leader being elected', async () => {
    await page.goto(server.url + '/')
    await page.locator('[data-testid=lab]').waitFor({ timeout: 30_000 })
    expect(await page.locator('g[data-testid^="node-"]').count()).toBe(5)
    await page.locator('[data-testid=connection][data-status=open]').waitFor({ timeout: 30_000 })
    // The speed slider is logarithmic: its end is 100×. Run at 1× from here (through the page's
    // own command path, checked against the server).
    await page.locator('[data-testid=speed]').focus()
    await page.keyboard.press('End')
    await page.locator('[data-testid=speed-value]', { hasText: '100×' }).waitFor()
    await waitFor('speed 100 on the server', async () => (await state()).speed === 100)
    await sessionCommand(server, await sessionId(), { type: 'speed', factor: 1 })
    firstLeader = await waitFor('a leader on the page', () => leaderOnPage())
    // Messages fly, the log fills (the leader's no-op), events name their rule.
    await waitFor('a committed entry in the log view', async () => (await page.locator('[data-testid=logs] .log-cell-committed').count()) > 0)
    await waitFor('an event citing a Raft rule', async () => (await page.locator('[data-testid=events] .event-rule').count()) > 0)
  })

  it('crashes the leader from the page and sees a new leader elected', async () => {
    await page.locator(`g[data-testid="node-${firstLeader.id}"]`).click()
    await page.locator('[data-testid=crash]').click()
    await page.locator(`g[data-testid="node-${firstLeader.id}"][data-role=down]`).waitFor({ timeout: 30_000 })
    secondLeader = await waitFor('a new leader', () => leaderOnPage([firstLeader.id], firstLeader.term + 1))
    const server_ = await state()
    expect(server_.nodes.find((n) => n.id === firstLeader.id)?.up).toBe(false)
    expect(server_.terms.at(-1)?.leader).toBe(secondLeader.id)
  })

  it('draws a partition that isolates the new leader, and heals it', async () => {
    await page.locator('[data-testid=tab-network]').click()
    await page.locator('[data-testid=draw-partition]').click()
    // Put the leader alone in group B: the other three (a majority of five) stay in group A.
    await page.locator(`[data-testid=draft-${secondLeader.id}]`).click()
    await page.locator(`[data-testid=draft-${secondLeader.id}][data-group="1"]`).waitFor()
    await page.locator('[data-testid=apply-partition]').click()
    await waitFor('the partition on the server', async () => (await state()).network.groups !== null)
    const others = (await state()).nodes.filter((n) => n.id !== secondLeader.id && n.id !== firstLeader.id)
    const pair = [secondLeader.id, others[0]!.id].sort()
    expect(await page.getAttribute(`[data-testid=link-${pair[0]}-${pair[1]}]`, 'data-cut')).toBe('both')
    // The majority side elects a leader of its own in a later term.
    const third = await waitFor('a leader in the majority', () => leaderOnPage([firstLeader.id, secondLeader.id], secondLeader.term + 1))
    expect(others.map((n) => n.id)).toContain(third.id)
    await page.locator('[data-testid=heal]').click()
    await waitFor('the healed network on the server', async () => {
      const network = (await state()).network
      return network.groups === null && network.cuts.length === 0
    })
    await page.locator('[data-testid=net-summary]', { hasText: 'The network is whole.' }).waitFor()
    expect(await page.locator('[data-cut=both], [data-cut=one-way]').count()).toBe(0)
  })

  it('cuts one direction of a link only', async () => {
    const [a, b] = (await state()).nodes.filter((n) => n.up).map((n) => n.id)
    await page.locator(`[data-testid=link-${a}-${b}] .link-hit`).click({ force: true })
    await page.locator('[data-testid=link-editor]').waitFor()
    await page.locator('[data-testid=cut-one-way]').click()
    await waitFor('a one-way cut', async () => {
      const cuts = (await state()).network.cuts
      return cuts.length === 1 && cuts[0]!.from === a && cuts[0]!.to === b
    })
    await page.locator(`[data-testid=link-${a}-${b}][data-cut=one-way]`).waitFor()
    await page.locator('[data-testid=heal]').click()
    await page.locator(`[data-testid=link-${a}-${b}][data-cut=none]`).waitFor()
  })

  let pausedAt: State

  it('scrubs back to the start and forward again, replaying the same run', async () => {
    await page.locator('[data-testid=pause]').click()
    await waitFor('paused', async () => !(await state()).playing)
    pausedAt = await state()
    await page.locator('[data-testid=scrub]').focus()
    await page.keyboard.press('Home')
    await waitFor('the run at time 0', async () => (await state()).time === 0)
    // Back at the start nobody has crashed yet, and the recorded commands are still ahead.
    await page.locator(`g[data-testid="node-${firstLeader.id}"][data-role=follower]`).waitFor()
    expect((await state()).futureCommands).toBeGreaterThan(0)
    expect(await page.locator('[data-testid=time]').textContent()).toBe('0 ms')
    await page.keyboard.press('End')
    await waitFor('back at the end', async () => (await state()).time === pausedAt.time)
    const again = await state()
    expect(summarize(again.nodes)).toEqual(summarize(pausedAt.nodes))
    expect(again.eventSeq).toBe(pausedAt.eventSeq)
    await page.locator(`g[data-testid="node-${firstLeader.id}"][data-role=down]`).waitFor()
  })

  it('shares the run as a link that reopens at the same moment', async () => {
    await page.locator('[data-testid=tab-run]').click()
    await page.locator('[data-testid=copy-link]').click()
    const link = await page.locator('[data-testid=share-link]').inputValue()
    expect(link).toMatch(/#r=[A-Za-z0-9_-]+&t=\d+$/)
    const other = await browser.browser.newPage({ viewport: { width: 1440, height: 900 } })
    const otherErrors = watchPage(other)
    try {
      await other.goto(link)
      await other.locator('[data-testid=lab]').waitFor({ timeout: 60_000 })
      const otherId = (await other.getAttribute('[data-testid=lab]', 'data-session'))!
      expect(otherId).not.toBe(await sessionId())
      const reopened = await waitFor('the reopened run at the shared moment', async () => {
        const s = await sessionState(server, otherId)
        return s.time === pausedAt.time ? s : null
      })
      expect(reopened.playing).toBe(false)
      expect(summarize(reopened.nodes)).toEqual(summarize(pausedAt.nodes))
      expect(reopened.recipe?.commands).toEqual(pausedAt.recipe?.commands)
      await other.locator(`g[data-testid="node-${firstLeader.id}"][data-role=down]`).waitFor()
      expect(otherErrors.errors).toEqual([])
    } finally {
      await other.close()
    }
  })

  it('turns on an unsafe rule and the safety monitor catches two leaders in one term', async () => {
    // A fresh run of three nodes with long election timeouts, so nothing happens by itself.
    await page.locator('[data-testid=tab-run]').click()
    await page.locator('[data-testid=new-nodes]').focus()
    await page.keyboard.press('Home')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    await page.locator('[data-testid=new-seed]').fill('1')
    await page.locator('[data-testid=new-timeout]').fill('1000')
    const before = await sessionId()
    await page.locator('[data-testid=new-run]').click()
    await waitFor('the new session', async () => (await sessionId()) !== before)
    expect(await page.locator('g[data-testid^="node-"]').count()).toBe(3)
    await page.locator('[data-testid=pause]').click()
    // Rules: no pre-vote, no check-quorum, and a restarting node forgets its vote.
    await page.locator('[data-testid=tab-rules]').click()
    await page.locator('[data-testid=prevote]').uncheck()
    await page.locator('[data-testid=checkquorum]').uncheck()
    await page.locator('[data-testid=unsafe]').selectOption('forget-vote')
    await waitFor('the rules on the server', async () => {
      const settings = (await state()).settings
      return settings['preVote'] === false && settings['checkQuorum'] === false && settings['unsafe'] === 'forget-vote'
    })
    await page.locator('.unsafe-on').waitFor()
    // n1 and n2 cannot hear each other; n3 hears both.
    await page.locator('[data-testid=link-n1-n2] .link-hit').click({ force: true })
    await page.locator('[data-testid=cut-both]').click()
    await page.locator('[data-testid=link-n1-n2][data-cut=both]').waitFor()
    // n1 wins term 1 with n3's vote.
    await page.locator('g[data-testid="node-n1"]').click()
    await page.locator('[data-testid=campaign]').click()
    await page.locator('[data-testid=play]').click()
    await page.locator('g[data-testid="node-n1"][data-role=leader]').waitFor({ timeout: 60_000 })
    await page.locator('[data-testid=pause]').click()
    // n3 crashes and restarts, forgetting its vote; n2 asks it for term 1 too.
    await page.locator('g[data-testid="node-n3"]').click()
    await page.locator('[data-testid=crash]').click()
    await page.locator('[data-testid=restart]').click()
    await page.locator('g[data-testid="node-n2"]').click()
    await page.locator('[data-testid=campaign]').click()
    await page.locator('[data-testid=play]').click()
    const alarm = page.locator('[data-testid=safety-alarm]')
    await alarm.waitFor({ timeout: 60_000 })
    expect(await alarm.textContent()).toContain('election-safety')
    const stopped = await state()
    expect(stopped.stopped).toBe(true)
    expect(stopped.violations[0]?.kind).toBe('election-safety')
    expect(await page.locator('g[data-testid^="node-"][data-role=leader]').count()).toBe(2)
    // Going back to just before it clears the alarm (the past had no violation).
    await page.locator('[data-testid=safety-rewind]').click()
    await page.locator('[data-testid=safety-ok]').waitFor()
  })

  it('speaks Chinese after the language switch, and keeps it', async () => {
    await page.locator('[data-testid=language]').selectOption('zh')
    await page.locator('[data-testid=nav-sim]', { hasText: '模拟' }).waitFor()
    await page.locator('[data-testid=tab-network]', { hasText: '网络' }).waitFor()
    // Server-sent texts come in both languages; the event list shows the Chinese half.
    await page.locator('[data-testid=play]').click()
    await waitFor('a Chinese event text', async () => /[\u4e00-\u9fff]/.test((await page.locator('[data-testid=events] .event-text').last().textContent()) ?? ''))
    await page.reload()
    await page.locator('[data-testid=nav-sim]', { hasText: '模拟' }).waitFor({ timeout: 30_000 })
    await page.locator('[data-testid=language]').selectOption('en')
    await page.locator('[data-testid=nav-sim]', { hasText: 'Simulation' }).waitFor()
  })

  it('has had no errors in the page', () => {
    expect(pageErrors.errors).toEqual([])
  })
})

/** What must match between two replays of one run at one moment. */
function summarize(nodes: readonly NodeView[]) {
  return nodes.map((n) => ({
    id: n.id,
    up: n.up,
    role: n.role,
    term: n.term,
    votedFor: n.votedFor,
    commitIndex: n.commitIndex,
    lastIndex: n.lastIndex,
    log: n.log.map((e) => `${e.index}/${e.term}/${e.text}`),
    kv: n.kv,
  }))
}
