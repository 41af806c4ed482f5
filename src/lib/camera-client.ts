// SPDX-License-Identifier: Apache-2.0
// One camera's HTTP client: the single long-lived attach stream (auth, liveness, reconnect) over urllib, with
// its own keepalive Agent. It turns socket bytes into events and state changes; it knows nothing of Node-RED.

import { EventEmitter } from 'node:events'
import type { Readable } from 'node:stream'
import { Agent, HttpClient } from 'urllib'
import { decodeEventBody } from './event-body'
import { boundaryFrom, createMultipartParser, type SkippedBytes } from './multipart'
import { DEFAULT_TIMING, LoginBudget, idleLimitMs, retryDelayMs, type Timing } from './policy'
import type {
  CameraAddress,
  CameraCredentials,
  CameraEvent,
  ConnectionState,
  FailureReason,
  StateChange,
} from './types'

export interface CameraClientOptions {
  address: CameraAddress
  credentials: CameraCredentials
  /** Seconds between the camera's heartbeat parts, 1-60 (the attach's `heartbeat` parameter). */
  heartbeatSeconds: number
  timing?: Partial<Timing>
  random?: () => number
  now?: () => number
}

/** Something the camera sent that was not used, said once, without secrets. */
export type StreamWarning =
  { kind: 'skipped'; skipped: SkippedBytes } | { kind: 'invalid-event'; reason: string; sample: string }

export interface CameraClientEvents {
  state: [StateChange]
  /** The event and when its part arrived (ms since the epoch). */
  event: [CameraEvent, number]
  heartbeat: []
  warning: [StreamWarning]
}

type Attempt =
  | { outcome: 'ended'; reason: FailureReason; healthy: boolean }
  | { outcome: 'failed'; reason: FailureReason; reachedCamera: boolean }

/**
 * Start it when the first listener needs events, stop it after the last. `start()` is idempotent; `stop()`
 * resolves once the socket is closed and no timer is left; `close()` also releases the Agent for good.
 */
export class CameraClient extends EventEmitter<CameraClientEvents> {
  readonly timing: Timing
  private readonly http = new HttpClient()
  private readonly agent: Agent
  private readonly budget: LoginBudget
  private readonly random: () => number
  private readonly now: () => number
  private current: StateChange = { state: 'stopped' }
  private scheme: 'digest' | 'basic' = 'digest'
  private session: { stopped: boolean } | undefined
  private running: Promise<void> | undefined
  private abort: AbortController | undefined
  private wake: (() => void) | undefined

  constructor(private readonly options: CameraClientOptions) {
    super()
    this.timing = { ...DEFAULT_TIMING, ...options.timing }
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.budget = new LoginBudget(this.timing)
    this.agent = new Agent({
      connect: {
        timeout: this.timing.connectTimeoutMs,
        // Half-open sockets never error on their own (hb PR #27, pa PR #146): let the kernel probe them.
        keepAlive: true,
        keepAliveInitialDelay: this.timing.keepAliveInitialDelayMs,
        rejectUnauthorized: options.address.verifyTls,
      },
    })
    this.http.setDispatcher(this.agent)
  }

  get state(): StateChange {
    return this.current
  }

  /** The attach URL. Raw brackets: some firmware answers 400 to `%5BAll%5D` (dahua-protocol.md 1.1). */
  get attachUrl(): string {
    return `${this.baseUrl}/cgi-bin/eventManager.cgi?action=attach&codes=[All]&heartbeat=${this.options.heartbeatSeconds}`
  }

  get baseUrl(): string {
    const { protocol, host, port } = this.options.address
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    return `${protocol}://${hostPart}:${port}`
  }

  start(): void {
    if (this.session) {
      return
    }
    const session = { stopped: false }
    this.session = session
    this.setState({ state: 'connecting' })
    this.running = this.run(session).catch((err: unknown) => {
      // The loop catches everything it expects; this is the last guard so that nothing escapes to Node-RED.
      this.emit('warning', { kind: 'invalid-event', reason: `internal: ${describe(err)}`, sample: '' })
    })
  }

  async stop(): Promise<void> {
    const running = this.running
    if (this.session) {
      this.session.stopped = true
    }
    this.session = undefined
    this.running = undefined
    this.abort?.abort()
    this.wake?.()
    if (running) {
      await running
    }
    this.setState({ state: 'stopped' })
  }

  async close(): Promise<void> {
    await this.stop()
    await this.agent.destroy()
  }

  private async run(session: { stopped: boolean }): Promise<void> {
    let failures = 0
    let unreachable = 0
    while (!session.stopped) {
      const blocked = this.budget.waitMs(this.now())
      if (blocked > 0) {
        this.setState({ state: 'auth-failed', reason: { kind: 'auth' }, retryInMs: blocked })
        await this.sleep(blocked)
        continue
      }
      const attempt = await this.attachOnce()
      if (session.stopped) {
        return
      }
      const { reason } = attempt
      if (attempt.outcome === 'ended' && attempt.healthy) {
        // A stream that was working is re-attached at once: every second away can lose an event.
        failures = 0
        unreachable = 0
        this.setState({ state: 'retrying', reason, retryInMs: 0 })
        continue
      }
      failures++
      unreachable = attempt.outcome === 'failed' && !attempt.reachedCamera ? unreachable + 1 : 0
      let delay = retryDelayMs(failures, this.timing, this.random())
      let state: ConnectionState = 'retrying'
      if (reason.kind === 'auth' && this.budget.waitMs(this.now()) > 0) {
        state = 'auth-failed'
        delay = this.budget.waitMs(this.now())
      } else if (reason.kind === 'tls') {
        state = 'tls-refused'
      } else if (unreachable >= this.timing.unreachableAfter) {
        state = 'unreachable'
      }
      this.setState({ state, reason, retryInMs: delay })
      await this.sleep(delay)
    }
  }

  /** One attach: resolves when it failed or, once open, when the stream ended. Never rejects. */
  private async attachOnce(): Promise<Attempt> {
    const abort = new AbortController()
    this.abort = abort
    let response
    for (let schemeSwitches = 0; ; schemeSwitches++) {
      try {
        response = await this.http.request<Readable>(this.attachUrl, {
          method: 'GET',
          dataType: 'stream',
          headers: { accept: 'multipart/x-mixed-replace' },
          ...this.authOption(),
          // [headers, body idle]. Never a total timeout: the stream is endless (rroller#598). Never 0 either:
          // urllib reads 0 as its 5000 ms default (tech-notes.md 1.1).
          timeout: [this.timing.headersTimeoutMs, this.timing.silentCameraMs],
          signal: abort.signal,
        })
      } catch (err) {
        return { outcome: 'failed', reason: classify(err), reachedCamera: false }
      }
      const status = response.status
      if (status === 200) {
        break
      }
      // undici reports a destroyed body as an 'error'; unheard, that would crash Node-RED.
      response.res.on('error', () => undefined)
      response.res.destroy()
      if (
        status === 401 &&
        schemeSwitches === 0 &&
        this.switchScheme(header(response.headers['www-authenticate']))
      ) {
        continue
      }
      if (status === 401 || status === 403) {
        // The camera refused the credentials we answered its challenge with (a 403: it refused the account).
        this.budget.refuse(this.now())
        return { outcome: 'failed', reason: { kind: 'auth', detail: String(status) }, reachedCamera: true }
      }
      return { outcome: 'failed', reason: { kind: 'http', detail: String(status) }, reachedCamera: true }
    }
    this.budget.accept()
    this.setState({ state: 'connected' })
    return this.read(response.res, boundaryFrom(header(response.headers['content-type'])), abort.signal)
  }

  private read(body: Readable, boundary: string, signal: AbortSignal): Promise<Attempt> {
    const openedAt = this.now()
    let delivered = false
    let heartbeatSeen = false
    return new Promise<Attempt>((resolve) => {
      let watchdog: NodeJS.Timeout | undefined
      let settled = false
      const finish = (reason: FailureReason): void => {
        if (settled) {
          return
        }
        settled = true
        clearTimeout(watchdog)
        watchdog = undefined
        signal.removeEventListener('abort', onAbort)
        body.destroy()
        const healthy = delivered && this.now() - openedAt >= this.timing.healthyAfterMs
        resolve({ outcome: 'ended', reason, healthy })
      }
      const armWatchdog = (): void => {
        clearTimeout(watchdog)
        const limit = idleLimitMs(heartbeatSeen, this.options.heartbeatSeconds, this.timing)
        watchdog = setTimeout(() => finish({ kind: 'stalled', detail: `${limit / 1000}s` }), limit)
      }
      const parser = createMultipartParser({
        boundary,
        onPart: (part) => {
          const decoded = decodeEventBody(part)
          if (decoded.kind === 'heartbeat') {
            if (!heartbeatSeen) {
              heartbeatSeen = true
              armWatchdog()
            }
            this.emit('heartbeat')
          } else if (decoded.kind === 'events') {
            if (decoded.trailing !== undefined) {
              this.emit('warning', {
                kind: 'invalid-event',
                reason: 'text after the event',
                sample: decoded.trailing,
              })
            }
            const receivedAt = this.now()
            for (const event of decoded.events) {
              try {
                this.emit('event', event, receivedAt)
              } catch (err) {
                // A listener threw: say so, and keep delivering to the others and the stream alive.
                this.emit('warning', {
                  kind: 'invalid-event',
                  reason: `listener failed: ${describe(err)}`,
                  sample: '',
                })
              }
            }
          } else {
            this.emit('warning', { kind: 'invalid-event', reason: decoded.reason, sample: decoded.sample })
          }
        },
        onSkip: (skipped) => this.emit('warning', { kind: 'skipped', skipped }),
      })
      const onAbort = (): void => finish({ kind: 'closed' })
      signal.addEventListener('abort', onAbort)
      armWatchdog()
      body.on('data', (chunk: Buffer) => {
        if (settled) {
          return
        }
        delivered = true
        watchdog?.refresh()
        parser.feed(chunk)
      })
      body.on('end', () => finish({ kind: 'closed' }))
      body.on('close', () => finish({ kind: 'closed' }))
      body.on('error', (err) => finish(classify(err)))
    })
  }

  private authOption(): { digestAuth: string } | { auth: string } {
    const { username, password } = this.options.credentials
    // Basic only after the camera asked for it: it sends the password in clear (dahua-protocol.md 2.1).
    return this.scheme === 'basic'
      ? { auth: `${username}:${password}` }
      : { digestAuth: `${username}:${password}` }
  }

  /** Follows the scheme the camera's challenge names; true when it changed (that 401 refused no login). */
  private switchScheme(challenge: string): boolean {
    const wanted = /^\s*basic/i.test(challenge)
      ? 'basic'
      : /^\s*digest/i.test(challenge)
        ? 'digest'
        : this.scheme
    if (wanted === this.scheme) {
      return false
    }
    this.scheme = wanted
    return true
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const wake = (): void => done()
      this.wake = wake
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  private setState(change: StateChange): void {
    this.current = change
    try {
      this.emit('state', change)
    } catch (err) {
      // A listener's failure must not end the loop that keeps the stream alive.
      this.emit('warning', { kind: 'invalid-event', reason: `listener failed: ${describe(err)}`, sample: '' })
    }
  }
}

function header(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '')
}

/** Sorts a transport error into a reason a person can act on. Messages are not kept: they may carry a URL. */
export function classify(err: unknown): FailureReason {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown; name?: unknown } } | undefined
  const code = text(e?.code) || text(e?.cause?.code)
  const name = text(e?.name)
  const causeName = text(e?.cause?.name)
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO/.test(code)) {
    return { kind: 'tls', detail: code }
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return { kind: 'stalled', detail: code }
  }
  if (/Timeout/.test(name) || /Timeout/.test(causeName) || /TIMEOUT|ETIMEDOUT/.test(code)) {
    return { kind: 'timeout', detail: code || name }
  }
  return { kind: 'network', detail: code || name || 'error' }
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
}

function describe(err: unknown): string {
  return err instanceof Error ? err.name : String(err)
}
