import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's Chromium (`apt-get install -y chromium`); the browser tests skip without it. */
export const chromiumPath: string | undefined = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path): path is string => path !== undefined && path !== '' && existsSync(path),
)

export const skipReason =
  chromiumPath === undefined ? 'no Chromium at /usr/bin/chromium (install it with `apt-get install -y chromium`, or set CHROMIUM_PATH)' : undefined

if (skipReason !== undefined) console.warn(`Raft Lab browser tests skipped: ${skipReason}`)

/** Flags for a headless Chromium on a machine with no network beyond loopback. */
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

export interface TestBrowser {
  readonly browser: Browser
  close(): Promise<void>
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (chromiumPath === undefined) throw new Error(skipReason)
  // Playwright gives each launch a fresh, empty profile of its own.
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  return { browser, close: () => browser.close() }
}

/** Fails the test on any uncaught error in the page; collects console errors for the report. */
export function watchPage(page: Page): { readonly errors: string[] } {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) errors.push(`console: ${message.text()}`)
  })
  return { errors }
}

/** Waits for a condition that needs no page: polls with a generous deadline (the machine is shared). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== null && value !== false) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
