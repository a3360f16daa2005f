import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LabServer } from '@raftkit/lab'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeGitHub, type FakeGitHub } from '@raftkit/lab/testing'
import { launchBrowser, skipReason, watchPage, type TestBrowser } from './support/browser.js'
import { buildPage, startLab } from './support/lab.js'

/**
 * Accounts from the page: "Sign in with GitHub" through the stand-in provider (a real HTTP
 * server playing GitHub), save the run, find it on "My runs", open it again, sign out. And the
 * same button on a server without OAuth configuration explains what to set.
 */
describe.skipIf(skipReason !== undefined)('Raft Lab accounts in the browser', () => {
  let browser: TestBrowser
  let built: Awaited<ReturnType<typeof buildPage>>
  let provider: FakeGitHub
  let configured: LabServer
  let unconfigured: LabServer
  let dataDir: string
  let page: Page
  let pageErrors: { readonly errors: string[] }

  beforeAll(async () => {
    built = await buildPage()
    provider = await startFakeGitHub({ users: [{ login: 'ada', name: 'Ada L.' }] })
    dataDir = await mkdtemp(join(tmpdir(), 'raftlab-accounts-'))
    configured = await startLab(built.dir, {
      accounts: { databasePath: join(dataDir, 'lab.sqlite'), oauth: provider.oauthConfig() },
    })
    unconfigured = await startLab(built.dir, { accounts: { oauth: undefined } })
    browser = await launchBrowser()
    page = await browser.browser.newPage({ viewport: { width: 1440, height: 900 } })
    pageErrors = watchPage(page)
  })

  afterAll(async () => {
    await browser?.close()
    await configured?.close()
    await unconfigured?.close()
    await provider?.close()
    await built?.remove()
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
  })

  it('explains what to configure when the server has no OAuth settings', async () => {
    const other = await browser.browser.newPage({ viewport: { width: 1440, height: 900 } })
    try {
      await other.goto(unconfigured.url + '/')
      await other.locator('[data-testid=lab]').waitFor({ timeout: 30_000 })
      await other.locator('[data-testid=sign-in]').click()
      const help = other.locator('[data-testid=sign-in-help]')
      await help.waitFor()
      expect(await help.textContent()).toContain('RAFTKIT_GITHUB_CLIENT_ID')
      expect(await help.textContent()).toContain('/v1/lab/auth/github/callback')
      // The simulation goes on without an account.
      expect(await other.locator('g[data-testid^="node-"]').count()).toBe(5)
    } finally {
      await other.close()
    }
  })

  it('signs in with GitHub through the stand-in provider', async () => {
    await page.goto(configured.url + '/')
    await page.locator('[data-testid=lab]').waitFor({ timeout: 30_000 })
    const before = await page.getAttribute('[data-testid=lab]', 'data-session')
    await page.locator('[data-testid=sign-in]').click()
    // The provider approves at once; the Lab's callback sets the cookie and sends the browser
    // back to where it was: the same session.
    await page.locator('[data-testid=account]', { hasText: 'ada' }).waitFor({ timeout: 30_000 })
    expect(provider.tokenRequests.length).toBe(1)
    await page.locator('[data-testid=lab]').waitFor({ timeout: 30_000 })
    expect(await page.getAttribute('[data-testid=lab]', 'data-session')).toBe(before)
  })

  it('saves the run as a scenario and finds it on "My runs", then opens it', async () => {
    await page.locator('[data-testid=lab]').waitFor({ timeout: 30_000 })
    await page.locator('[data-testid=tab-run]').click()
    await page.locator('[data-testid=save-name]').fill('my first partition')
    await page.locator('[data-testid=save-kind]').selectOption('scenario')
    await page.locator('[data-testid=save]').click()
    await page.locator('[data-testid=notice-info]', { hasText: 'Saved.' }).waitFor()
    const seed = await page.locator('[data-testid=recipe-summary]').textContent()
    const before = await page.getAttribute('[data-testid=lab]', 'data-session')
    await page.locator('[data-testid=nav-saved]').click()
    const item = page.locator('[data-testid=saved-item]', { hasText: 'my first partition' })
    await item.waitFor({ timeout: 30_000 })
    expect(await item.textContent()).toContain('scenario')
    await item.locator('[data-testid=saved-open]').click()
    await page.locator('[data-testid=lab]').waitFor({ timeout: 30_000 })
    expect(await page.getAttribute('[data-testid=lab]', 'data-session')).not.toBe(before)
    await page.locator('[data-testid=tab-run]').click()
    // The same recipe: same seed (the summary names it).
    expect(
      (await page.locator('[data-testid=recipe-summary]').textContent())?.split(' · ')[0],
    ).toBe(seed?.split(' · ')[0])
  })

  it('signs out', async () => {
    await page.locator('[data-testid=account] button').click()
    await page.locator('[data-testid=sign-in]').waitFor({ timeout: 30_000 })
    await page.locator('[data-testid=nav-saved]').click()
    await page.locator('[data-testid=saved-page]', { hasText: 'Sign in to keep' }).waitFor()
  })

  it('has had no errors in the page', () => {
    expect(pageErrors.errors).toEqual([])
  })
})
