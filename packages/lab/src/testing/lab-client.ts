import WebSocket from 'ws'

/** A JSON client for the Lab server in tests: real HTTP and WebSocket. */
export class LabClient {
  readonly base: string
  constructor(base: string) {
    this.base = base
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(this.base + path, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { 'content-type': 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          }),
      redirect: 'manual',
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed }
  }

  get(path: string) {
    return this.request('GET', path)
  }

  post(path: string, body: unknown = {}) {
    return this.request('POST', path, body)
  }

  async createSession(
    body: unknown = {},
  ): Promise<{ id: string; wsPath: string; state: any; recipe: any }> {
    const response = await this.post('/v1/lab/sessions', body)
    if (response.status !== 201)
      throw new Error(`create failed: ${response.status} ${JSON.stringify(response.body)}`)
    return response.body
  }

  command(id: string, command: unknown) {
    return this.post(`/v1/lab/sessions/${id}/commands`, command)
  }

  socket(path: string): FrameSocket {
    return new FrameSocket(this.base.replace(/^http/, 'ws') + path)
  }
}

/** A WebSocket that collects frames and waits for the one a test expects. */
export class FrameSocket {
  readonly ws: WebSocket
  readonly frames: any[] = []
  bytes = 0
  readonly #waiters: { test: (frame: any) => boolean; resolve: (frame: any) => void }[] = []
  readonly opened: Promise<void>
  readonly closed: Promise<{ code: number; reason: string }>

  constructor(url: string) {
    this.ws = new WebSocket(url)
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    )
    this.ws.on('message', (data) => {
      const text = data.toString()
      this.bytes += text.length
      const frame = JSON.parse(text)
      this.frames.push(frame)
      for (const waiter of [...this.#waiters])
        if (waiter.test(frame)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
          waiter.resolve(frame)
        }
    })
  }

  /** The first frame (already received or to come) that passes `test`. */
  next(test: (frame: any) => boolean, timeoutMs = 30_000, from = 0): Promise<any> {
    const seen = this.frames.slice(from).find(test)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching frame within ${timeoutMs} ms`)),
        timeoutMs,
      )
      this.#waiters.push({
        test,
        resolve: (frame) => {
          clearTimeout(timer)
          resolve(frame)
        },
      })
    })
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Sends a command and waits for its reply. */
  async command(commandId: string, command: unknown): Promise<any> {
    const from = this.frames.length
    this.send({ type: 'command', commandId, command })
    return this.next((f) => f.type === 'reply' && f.commandId === commandId, 30_000, from)
  }

  close(): void {
    this.ws.close()
  }
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}
