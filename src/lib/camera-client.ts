// SPDX-License-Identifier: Apache-2.0
// One camera's HTTP client: the single long-lived attach stream (auth, liveness, reconnect, refresh) over
// urllib with its own keepalive Agent, plus the few CGI calls beside it (getEventIndexes, snapshot.cgi). It
// turns socket bytes into events, state changes and health; it knows nothing of Node-RED.

import { EventEmitter } from 'node:events'
import type { Readable } from 'node:stream'
import { Agent, HttpClient, type HttpClientResponse, type RequestOptions } from 'urllib'
import { decodeEventBody } from './event-body'
import { HealthTracker, type Health } from './health'
import { EventLedger, parseEventIndexes } from './ledger'
import { boundaryFrom, createMultipartParser, type SkippedBytes } from './multipart'
import { DEFAULT_TIMING, LoginBudget, idleLimitMs, refreshDelayMs, retryDelayMs, type Timing } from './policy'
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
  health: [Health]
}

/** Calls to the camera beside the stream, at most this many at once: a dozen can wedge it (rroller#615). */
const CGI_SLOTS = 2
/**
 * After the new stream of a refresh delivers, the old one stays open this long: bytes already on their way
 * through its socket are read, not lost (the overlap drops the copies).
 */
const OVERLAP_CLOSE_MS = 500
/** After a refresh, how long an event the old stream delivered is still recognised on the new one. */
const OVERLAP_GRACE_MS = 2_000

type Opened = { stream: AttachedStream } | { failure: FailureReason; reachedCamera: boolean }

/** One start-to-stop run: what stop() must close, abort and wake. */
interface Session {
  stopped: boolean
  /** A reconnect was asked for: the next attach goes at once, whatever the last stream was like. */
  now?: boolean
  streams: Set<AttachedStream>
  requests: Set<AbortController>
  /** Timers of the refresh overlap: stop() clears them, so none outlives the client's use. */
  timers: Set<NodeJS.Timeout>
  wake?: () => void
}

/**
 * Start it when the first listener needs events, stop it after the last. `start()` is idempotent; `stop()`
 * resolves once the sockets are closed and no timer is left; `close()` also releases the Agent for good.
 */
export class CameraClient extends EventEmitter<CameraClientEvents> {
  readonly timing: Timing
  private readonly http = new HttpClient()
  private readonly agent: Agent
  private readonly budget: LoginBudget
  private readonly ledger = new EventLedger()
  private readonly healthTracker = new HealthTracker()
  private readonly random: () => number
  private readonly now: () => number
  private readonly slots = new Gate(CGI_SLOTS)
  private readonly snapshots = new Map<number, Promise<Buffer>>()
  private current: StateChange = { state: 'stopped' }
  private scheme: 'digest' | 'basic' = 'digest'
  private session: Session | undefined
  private running: Promise<void> | undefined
  private interest: Set<string> | undefined
  private dedupe: Overlap | undefined

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

  /** The codes the listeners want, lower-case (undefined: all): only those are reconciled. */
  setInterest(codes: Set<string> | undefined): void {
    this.interest = codes
  }

  start(): void {
    if (this.session) {
      return
    }
    const session: Session = { stopped: false, streams: new Set(), requests: new Set(), timers: new Set() }
    this.session = session
    this.setState({ state: 'connecting' })
    this.running = this.run(session).catch((err: unknown) => {
      // The loop catches everything it expects; this is the last guard so that nothing escapes to Node-RED.
      this.emit('warning', { kind: 'invalid-event', reason: `internal: ${describe(err)}`, sample: '' })
    })
  }

  /**
   * Drops the stream and attaches again at once. Asked for by a person, it is a fresh start like a redeploy:
   * it also ends a login pause.
   */
  reconnect(): void {
    const session = this.session
    if (!session) {
      return
    }
    this.budget.accept()
    session.now = true
    for (const stream of session.streams) {
      stream.close({ kind: 'closed', detail: 'reconnect' })
    }
    session.wake?.()
  }

  async stop(): Promise<void> {
    const session = this.session
    const running = this.running
    this.session = undefined
    this.running = undefined
    if (session) {
      session.stopped = true
      for (const stream of session.streams) {
        stream.close({ kind: 'closed' })
      }
      for (const request of session.requests) {
        request.abort()
      }
      for (const timer of session.timers) {
        clearTimeout(timer)
      }
      session.wake?.()
    }
    if (running) {
      await running
    }
    this.setState({ state: 'stopped' })
  }

  async close(): Promise<void> {
    await this.stop()
    await this.agent.destroy()
  }

  /**
   * A JPEG of the channel (1-based) from `snapshot.cgi`. Callers for a channel whose picture is already being
   * fetched share that fetch: one request per channel at a time, inside the camera's request limit.
   */
  snapshot(channel: number): Promise<Buffer> {
    const pending = this.snapshots.get(channel)
    if (pending) {
      return pending
    }
    const fetch = this.cgi(`/cgi-bin/snapshot.cgi?channel=${channel}`).then(({ status, body }) => {
      // A JPEG starts with FF D8; some firmware answers 200 with an error text instead.
      if (status !== 200 || body[0] !== 0xff || body[1] !== 0xd8) {
        throw new Error(status === 200 ? 'not a JPEG' : `HTTP ${status}`)
      }
      return body
    })
    const shared = fetch.finally(() => this.snapshots.delete(channel))
    this.snapshots.set(channel, shared)
    return shared
  }

  private async run(session: Session): Promise<void> {
    let failures = 0
    let unreachable = 0
    while (!session.stopped) {
      const blocked = this.budget.waitMs(this.now())
      if (blocked > 0) {
        this.setState({ state: 'auth-failed', reason: { kind: 'auth' }, retryInMs: blocked })
        await this.sleep(session, blocked)
        continue
      }
      const opened = await this.open(session)
      if (session.stopped) {
        return
      }
      if ('stream' in opened) {
        session.now = false // this stream is the fresh one a reconnect asked for
        const { reason, healthy } = await this.follow(session, opened.stream)
        if (session.stopped) {
          return
        }
        if (healthy || session.now) {
          // A stream that was working is re-attached at once: every second away can lose an event.
          failures = 0
          unreachable = 0
          this.setState({ state: 'retrying', reason, retryInMs: 0 })
          continue
        }
        failures++
        unreachable = 0
        const delay = retryDelayMs(failures, this.timing, this.random())
        this.setState({ state: 'retrying', reason, retryInMs: delay })
        await this.sleep(session, delay)
        continue
      }
      const reason = opened.failure
      failures++
      unreachable = opened.reachedCamera ? 0 : unreachable + 1
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
      await this.sleep(session, delay)
    }
  }

  /**
   * Reads an open stream until it ends, replacing it every `refreshMs` make-before-break: the new attach
   * takes over only once it delivers, and an event both deliver in the overlap is passed on once.
   */
  private async follow(
    session: Session,
    first: AttachedStream,
  ): Promise<{ reason: FailureReason; healthy: boolean }> {
    let stream = first
    for (;;) {
      let refreshTimer: NodeJS.Timeout | undefined
      const refreshDue =
        this.timing.refreshMs > 0
          ? new Promise<'refresh'>((resolve) => {
              // Never while the last refresh's overlap is still open: one overlap at a time.
              const delay = Math.max(
                refreshDelayMs(this.timing, this.random()),
                OVERLAP_CLOSE_MS + OVERLAP_GRACE_MS,
              )
              refreshTimer = setTimeout(() => resolve('refresh'), delay)
            })
          : new Promise<never>(() => undefined)
      const outcome = await Promise.race([stream.ended, refreshDue])
      clearTimeout(refreshTimer)
      if (outcome !== 'refresh') {
        return {
          reason: outcome,
          healthy: stream.delivered && this.now() - stream.openedAt >= this.timing.healthyAfterMs,
        }
      }
      this.dedupe = new Overlap()
      const next = await this.open(session, true)
      if (session.stopped) {
        return { reason: { kind: 'closed' }, healthy: false }
      }
      if (!('stream' in next)) {
        // The old stream still works: keep it, try again at the next refresh.
        this.dedupe = undefined
        continue
      }
      const takeover = await Promise.race([
        next.stream.firstPart.then(() => 'delivering' as const),
        next.stream.ended,
      ])
      if (takeover !== 'delivering') {
        this.dedupe = undefined
        continue
      }
      const old = stream
      const overlap = this.dedupe
      later(session, OVERLAP_CLOSE_MS, () => old.close({ kind: 'closed', detail: 'refresh' }))
      later(session, OVERLAP_CLOSE_MS + OVERLAP_GRACE_MS, () => {
        if (this.dedupe === overlap) {
          this.dedupe = undefined
        }
      })
      stream = next.stream
    }
  }

  /** One attach request; on 200, the open stream. Never rejects. */
  private async open(session: Session, refresh = false): Promise<Opened> {
    const abort = new AbortController()
    session.requests.add(abort)
    let response
    try {
      response = await this.authorized<Readable>(this.attachUrl, {
        dataType: 'stream',
        headers: { accept: 'multipart/x-mixed-replace' },
        // [headers, body idle]. Never a total timeout: the stream is endless (rroller#598). Never 0 either:
        // urllib reads 0 as its 5000 ms default (tech-notes.md 1.1).
        timeout: [this.timing.headersTimeoutMs, this.timing.silentCameraMs],
        signal: abort.signal,
      })
    } catch (err) {
      return { failure: classify(err), reachedCamera: false }
    } finally {
      session.requests.delete(abort)
    }
    const status = response.status
    if (status !== 200) {
      discard(response.res)
      // 401 or 403 here: the camera refused the credentials we answered its challenge with.
      const kind = status === 401 || status === 403 ? 'auth' : 'http'
      return { failure: { kind, detail: String(status) }, reachedCamera: true }
    }
    if (session.stopped) {
      discard(response.res)
      return { failure: { kind: 'closed' }, reachedCamera: true }
    }
    const stream = new AttachedStream(response.res, boundaryFrom(header(response.headers['content-type'])), {
      now: this.now,
      idleLimitMs: (heartbeatSeen) => idleLimitMs(heartbeatSeen, this.options.heartbeatSeconds, this.timing),
      onHeartbeat: () => this.emit('heartbeat'),
      onEvents: (events, trailing) => this.deliver(stream, events, trailing),
      onWarning: (warning) => this.emit('warning', warning),
    })
    session.streams.add(stream)
    void stream.ended.then(() => session.streams.delete(stream))
    if (!refresh) {
      this.setState({ state: 'connected' })
      void this.reconcile(session)
    }
    return { stream }
  }

  private deliver(from: AttachedStream, events: CameraEvent[], trailing: string | undefined): void {
    if (trailing !== undefined) {
      this.emit('warning', { kind: 'invalid-event', reason: 'text after the event', sample: trailing })
    }
    const receivedAt = this.now()
    for (const sent of events) {
      if (this.dedupe?.seenOnOther(from, sent)) {
        continue
      }
      const event = this.ledger.observe(sent, receivedAt)
      this.publish(event, receivedAt)
      if (event.action === 'Start' && this.ledger.unknown(event.code)) {
        void this.learn(event.code, event.index)
      }
    }
  }

  private publish(event: CameraEvent, receivedAt: number): void {
    try {
      this.emit('event', event, receivedAt)
    } catch (err) {
      // A listener threw: say so, and keep delivering to the others and the stream alive.
      this.emit('warning', { kind: 'invalid-event', reason: `listener failed: ${describe(err)}`, sample: '' })
    }
  }

  /** After every attach: ask the camera what is active now, and emit what the gap hid. */
  private async reconcile(session: Session): Promise<void> {
    const codes = this.ledger
      .latchedCodes()
      .filter((code) => !this.interest || this.interest.has(code.toLowerCase()))
    await Promise.all(
      codes.map(async (code) => {
        const answer = await this.eventIndexes(code)
        if (answer && !session.stopped) {
          const at = this.now()
          for (const event of this.ledger.reconcile(code, answer, at)) {
            this.publish(event, at)
          }
        }
      }),
    )
  }

  /** Once per code, while the stream says it is active: does the endpoint track it (dahua-protocol.md 3.1)? */
  private async learn(code: string, index: number): Promise<void> {
    const answer = await this.eventIndexes(code)
    if (answer) {
      this.ledger.learn(code, index, answer)
    }
  }

  private async eventIndexes(code: string): Promise<ReturnType<typeof parseEventIndexes> | undefined> {
    try {
      const { status, body } = await this.cgi(
        `/cgi-bin/eventManager.cgi?action=getEventIndexes&code=${encodeURIComponent(code)}`,
      )
      return status === 200 ? parseEventIndexes(body.toString('utf8')) : undefined
    } catch {
      return undefined
    }
  }

  /**
   * A CGI call beside the stream: at most CGI_SLOTS at once, and its refused logins count against the same
   * budget as the stream's, because the camera locks the account whoever logged in wrongly.
   */
  async cgi(path: string): Promise<{ status: number; body: Buffer }> {
    await this.slots.enter()
    try {
      if (this.budget.waitMs(this.now()) > 0) {
        throw new Error('logins are paused after refusals')
      }
      const response = await this.authorized<Buffer>(`${this.baseUrl}${path}`, {
        dataType: 'buffer',
        timeout: [this.timing.cgiTimeoutMs, this.timing.cgiTimeoutMs],
      })
      return { status: response.status, body: response.data }
    } finally {
      this.slots.leave()
    }
  }

  /**
   * One GET with the camera's login: follows a change of scheme once (that 401 refused nothing), and books
   * every refused login (401, or 403 for a refused account) on the budget that all calls to the camera share.
   */
  private async authorized<T>(
    url: string,
    options: Pick<RequestOptions, 'dataType' | 'headers' | 'timeout' | 'signal'>,
  ): Promise<HttpClientResponse<T>> {
    for (let schemeSwitches = 0; ; schemeSwitches++) {
      const response = await this.http.request<T>(url, { method: 'GET', ...options, ...this.authOption() })
      const status = response.status
      if (
        status === 401 &&
        schemeSwitches === 0 &&
        this.switchScheme(header(response.headers['www-authenticate']))
      ) {
        if (options.dataType === 'stream') {
          discard(response.res)
        }
        continue
      }
      if (status === 401 || status === 403) {
        this.budget.refuse(this.now())
      } else {
        this.budget.accept()
      }
      return response
    }
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

  private sleep(session: Session, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      session.wake = done
      function done(): void {
        clearTimeout(timer)
        session.wake = undefined
        resolve()
      }
    })
  }

  private setState(change: StateChange): void {
    this.current = change
    const health = this.healthTracker.update(change, this.now())
    try {
      this.emit('state', change)
      if (health) {
        this.emit('health', health)
      }
    } catch (err) {
      // A listener's failure must not end the loop that keeps the stream alive.
      this.emit('warning', { kind: 'invalid-event', reason: `listener failed: ${describe(err)}`, sample: '' })
    }
  }
}

interface StreamHooks {
  now: () => number
  idleLimitMs: (heartbeatSeen: boolean) => number
  onHeartbeat: () => void
  onEvents: (events: CameraEvent[], trailing: string | undefined) => void
  onWarning: (warning: StreamWarning) => void
}

/** One open attach response: its parser, its idle watchdog, and a promise of why it ended. */
class AttachedStream {
  readonly ended: Promise<FailureReason>
  /** Resolves with the first part (a heartbeat counts): the stream is delivering. */
  readonly firstPart: Promise<void>
  readonly openedAt: number
  delivered = false
  private settle!: (reason: FailureReason) => void
  private sawFirst!: () => void
  private watchdog: NodeJS.Timeout | undefined
  private settled = false
  private heartbeatSeen = false

  constructor(
    private readonly body: Readable,
    boundary: string,
    private readonly hooks: StreamHooks,
  ) {
    this.openedAt = hooks.now()
    this.ended = new Promise((resolve) => (this.settle = resolve))
    this.firstPart = new Promise((resolve) => (this.sawFirst = resolve))
    const parser = createMultipartParser({
      boundary,
      onPart: (part) => {
        this.sawFirst()
        const decoded = decodeEventBody(part)
        if (decoded.kind === 'heartbeat') {
          if (!this.heartbeatSeen) {
            this.heartbeatSeen = true
            this.arm()
          }
          hooks.onHeartbeat()
        } else if (decoded.kind === 'events') {
          hooks.onEvents(decoded.events, decoded.trailing)
        } else {
          hooks.onWarning({ kind: 'invalid-event', reason: decoded.reason, sample: decoded.sample })
        }
      },
      onSkip: (skipped) => hooks.onWarning({ kind: 'skipped', skipped }),
    })
    this.arm()
    body.on('data', (chunk: Buffer) => {
      if (this.settled) {
        return
      }
      this.delivered = true
      this.watchdog?.refresh()
      parser.feed(chunk)
    })
    body.on('end', () => this.close({ kind: 'closed' }))
    body.on('close', () => this.close({ kind: 'closed' }))
    body.on('error', (err) => this.close(classify(err)))
  }

  close(reason: FailureReason): void {
    if (this.settled) {
      return
    }
    this.settled = true
    clearTimeout(this.watchdog)
    this.watchdog = undefined
    this.body.destroy()
    this.settle(reason)
  }

  private arm(): void {
    clearTimeout(this.watchdog)
    const limit = this.hooks.idleLimitMs(this.heartbeatSeen)
    this.watchdog = setTimeout(() => this.close({ kind: 'stalled', detail: `${limit / 1000}s` }), limit)
  }
}

/**
 * While two streams overlap (a refresh), the camera sends each event on both: the second copy is dropped.
 * Keys are the event as sent, so two genuinely separate but identical events in one overlap are one event; the
 * overlap lasts a heartbeat or so, where that is harmless.
 */
class Overlap {
  private readonly seen = new Map<AttachedStream, Map<string, number>>()

  seenOnOther(from: AttachedStream, event: CameraEvent): boolean {
    const key = `${event.code}|${event.action}|${event.index}|${JSON.stringify(event.data)}`
    for (const [stream, keys] of this.seen) {
      const count = keys.get(key) ?? 0
      if (stream !== from && count > 0) {
        keys.set(key, count - 1)
        return true
      }
    }
    const mine = this.seen.get(from) ?? new Map<string, number>()
    this.seen.set(from, mine)
    mine.set(key, (mine.get(key) ?? 0) + 1)
    return false
  }
}

/** A counting gate: at most `size` callers inside at once, the rest wait in order. */
class Gate {
  private inside = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly size: number) {}

  enter(): Promise<void> {
    if (this.inside < this.size) {
      this.inside++
      return Promise.resolve()
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  leave(): void {
    const next = this.waiting.shift()
    if (next) {
      next()
    } else {
      this.inside--
    }
  }
}

/** A timer of the session's: stop() clears it if it has not run. */
function later(session: Session, ms: number, run: () => void): void {
  const timer = setTimeout(() => {
    session.timers.delete(timer)
    run()
  }, ms)
  session.timers.add(timer)
}

/** Drops a response body. undici reports a destroyed body as an 'error'; unheard, it would crash Node-RED. */
function discard(body: Readable): void {
  body.on('error', () => undefined)
  body.destroy()
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
