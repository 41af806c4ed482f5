// SPDX-License-Identifier: Apache-2.0
// One camera's event stream, orchestrated: when to attach, when to retry and how long to wait, when to
// refresh, what start, stop and reconnect do. The rooms it directs each have a file: one attach
// (attach-stream.ts), the refresh overlap (overlap.ts) and reconciliation (reconciler.ts); the HTTP session is
// the device's (device.ts), shared with acting on it. It knows nothing of Node-RED.

import { EventEmitter } from 'node:events'
import { attach, type AttachedStream, type Opened, type StreamWarning } from './attach-stream'
import { HealthTracker, type Health } from './health'
import type { HttpSession } from '../session/http-session'
import { MAX_CODE_CHARS, MAX_CODES, MAX_INDEX } from '../limits'
import { OVERLAP_CLOSE_MS, OVERLAP_END_MS, Overlap } from './overlap'
import { idleLimitMs, refreshDelayMs, retryDelayMs, type Timing } from '../session/policy'
import { Reconciler } from './reconciler'
import { printable } from '../text'
import type { CameraEvent, ConnectionState, FailureReason, StateChange } from '../types'

export type { StreamWarning }

export interface EventStreamOptions {
  /** Seconds between the camera's heartbeat parts, 1-60 (the attach's `heartbeat` parameter). */
  heartbeatSeconds: number
  timing: Timing
  random: () => number
  now: () => number
}

export interface EventStreamEvents {
  state: [StateChange]
  /** The event and when its part arrived (ms since the epoch). */
  event: [CameraEvent, number]
  heartbeat: []
  warning: [StreamWarning]
  health: [Health]
}

/** Refreshes are at least this far apart: one overlap is long over before the next begins. */
const MIN_REFRESH_GAP_MS = 2_500

/**
 * One start-to-stop run. Everything it began ends with it: stop() aborts its requests (the attach, snapshots,
 * getEventIndexes), closes its streams and clears its timers, and its refresh overlap goes with it.
 */
interface Session {
  stopped: boolean
  /** A reconnect was asked for: the next attach goes at once, whatever the last stream was like. */
  now?: boolean
  abort: AbortController
  streams: Set<AttachedStream>
  overlap?: Overlap
  timers: Set<NodeJS.Timeout>
  wake?: () => void
}

/**
 * Start it when the first listener needs events, stop it after the last. `start()` is idempotent; `stop()`
 * resolves once the sockets are closed and no timer is left.
 */
export class EventStream extends EventEmitter<EventStreamEvents> {
  private readonly timing: Timing
  private readonly reconciler: Reconciler
  private readonly healthTracker = new HealthTracker()
  private readonly random: () => number
  private readonly now: () => number
  /** The codes this camera has sent, at most MAX_CODES: events of codes beyond are dropped. */
  private readonly codes = new Set<string>()
  /** A recorder's channel names by 0-based index (`ChannelTitle`), read after each attach. */
  private names = new Map<number, string>()
  /** The device answered that it has no `ChannelTitle` table: not asked again until redeploy. */
  private namesUnsupported = false
  private current: StateChange = { state: 'stopped' }
  private currentSince = 0
  private currentAt = 0
  private session: Session | undefined
  private running: Promise<void> | undefined

  constructor(
    private readonly http: HttpSession,
    private readonly options: EventStreamOptions,
  ) {
    super()
    // One listener per event node is the design, and a recorder has a node per channel: no leak to warn of.
    this.setMaxListeners(0)
    this.timing = options.timing
    this.random = options.random
    this.now = options.now
    this.reconciler = new Reconciler(this.http, this.now, (event, at) => this.publish(event, at))
  }

  /** Aborted when this run of the stream stops; undefined while stopped. */
  get signal(): AbortSignal | undefined {
    return this.session?.abort.signal
  }

  get state(): StateChange {
    return this.current
  }

  /** When the current state began, and when it was last reported (ms since the epoch): badges say "since". */
  get times(): { since: number; at: number } {
    return { since: this.currentSince, at: this.currentAt }
  }

  /** The codes the listeners want, lower-case (undefined: all): only those are reconciled. */
  setInterest(codes: Set<string> | undefined): void {
    this.reconciler.setInterest(codes)
  }

  /** The name the device gives the video channel of this 0-based index (a recorder's camera), if any. */
  channelName(index: number): string | undefined {
    return this.names.get(index)
  }

  start(): void {
    if (this.session) {
      return
    }
    const session: Session = {
      stopped: false,
      abort: new AbortController(),
      streams: new Set(),
      timers: new Set(),
    }
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
    this.http.budget.accept()
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
      session.abort.abort()
      for (const stream of session.streams) {
        stream.close({ kind: 'closed' })
      }
      for (const timer of session.timers) {
        clearTimeout(timer)
      }
      session.overlap = undefined
      session.wake?.()
    }
    if (running) {
      await running
    }
    this.setState({ state: 'stopped' })
  }

  private async run(session: Session): Promise<void> {
    let failures = 0
    let unreachable = 0
    while (!session.stopped) {
      const blocked = this.http.budget.waitMs(this.now())
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
        this.setState({ state: 'connected' })
        void this.reconciler.reconcile(session.abort.signal)
        void this.readChannelNames(session.abort.signal)
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
      if (reason.kind === 'auth' && this.http.budget.waitMs(this.now()) > 0) {
        state = 'auth-failed'
        delay = this.http.budget.waitMs(this.now())
      } else if (reason.kind === 'basic') {
        // No login was sent, so none was refused; asking again slowly finds a camera fixed meanwhile.
        state = 'auth-failed'
        delay = this.timing.retryCapMs
      } else if (reason.kind === 'tls') {
        state = 'tls-refused'
      } else if (
        unreachable >= this.timing.unreachableAfter ||
        // Known at once, and no retry changes them: a port that speaks the other protocol, and a camera that
        // took the connection but did not answer within the whole headers limit (red as soon as a refused
        // connection would be, not after three such waits).
        reason.kind === 'protocol' ||
        reason.kind === 'timeout'
      ) {
        state = 'unreachable'
      }
      this.setState({ state, reason, retryInMs: delay })
      await this.sleep(session, delay)
    }
  }

  /**
   * Reads an open stream until it ends, replacing it every `refreshMs` make-before-break: the new attach
   * takes over only once it delivers, an event both deliver in the overlap is passed on once, and the state is
   * reconciled after the takeover, because a stream that heartbeats while losing events is what refresh is for.
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
              const delay = Math.max(refreshDelayMs(this.timing, this.random()), MIN_REFRESH_GAP_MS)
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
      // No login while logins are paused (a Test connection with a typo, another node's old password): the old
      // stream still works, so the refresh waits for its next turn (review-2026-12.md 13).
      if (this.http.budget.waitMs(this.now()) > 0) {
        continue
      }
      // From the moment the camera registers the new attach it sends every event on both (overlap.ts).
      const overlap = new Overlap()
      session.overlap = overlap
      const next = await this.open(session)
      if (session.stopped) {
        return { reason: { kind: 'closed' }, healthy: false }
      }
      if (!('stream' in next)) {
        session.overlap = undefined
        continue // the old stream still works: keep it, try again at the next refresh
      }
      // The new stream takes over once it delivers, or at once if the old one ends meanwhile.
      const takeover = await Promise.race([
        next.stream.firstPart.then(() => 'delivering' as const),
        stream.ended.then(() => 'old stream ended' as const),
        next.stream.ended.then(() => 'failed' as const),
      ])
      if (session.stopped) {
        return { reason: { kind: 'closed' }, healthy: false }
      }
      if (takeover === 'failed') {
        session.overlap = undefined
        continue
      }
      const old = stream
      later(session, OVERLAP_CLOSE_MS, () => old.close({ kind: 'closed', detail: 'refresh' }))
      later(session, OVERLAP_END_MS, () => {
        if (session.overlap === overlap) {
          session.overlap = undefined
        }
      })
      stream = next.stream
      void this.reconciler.reconcile(session.abort.signal)
      void this.readChannelNames(session.abort.signal)
    }
  }

  /** One attach of this session: its stream is the session's to close. */
  private async open(session: Session): Promise<Opened> {
    const opened = await attach(
      this.http,
      this.options.heartbeatSeconds,
      // [headers, body idle]. Never a total timeout: the stream is endless (rroller#598). Never 0 either:
      // urllib reads 0 as its 5000 ms default (tech-notes.md 1.1). Firmware that answers only when it has
      // something to send sends a heartbeat within an interval (dahua-protocol.md 1.2): three intervals, at
      // least 10 s, are enough to tell a camera that does not answer.
      [
        Math.min(this.timing.headersTimeoutMs, Math.max(10_000, 3_000 * this.options.heartbeatSeconds)),
        this.timing.silentCameraMs,
      ],
      session.abort.signal,
      {
        now: this.now,
        idleLimitMs: (heartbeatSeen) =>
          idleLimitMs(heartbeatSeen, this.options.heartbeatSeconds, this.timing),
        onHeartbeat: () => this.emit('heartbeat'),
        onEvents: (from, events, trailing) => this.deliver(session, from, events, trailing),
        onWarning: (warning) => this.emit('warning', warning),
      },
    )
    if ('stream' in opened) {
      const stream = opened.stream
      session.streams.add(stream)
      void stream.ended.then(() => session.streams.delete(stream))
      if (session.stopped) {
        stream.close({ kind: 'closed' })
      }
    }
    return opened
  }

  private deliver(
    session: Session,
    from: AttachedStream,
    events: CameraEvent[],
    trailing: string | undefined,
  ): void {
    if (trailing !== undefined) {
      this.emit('warning', { kind: 'invalid-event', reason: 'text after the event', sample: trailing })
    }
    const receivedAt = this.now()
    for (const sent of events) {
      if (session.stopped || !this.admit(sent.code) || session.overlap?.duplicate(from, sent, receivedAt)) {
        continue
      }
      this.publish(this.reconciler.observe(sent, receivedAt, session.abort.signal), receivedAt)
    }
  }

  /**
   * Reads the channel names (`configManager.cgi?action=getConfig&name=ChannelTitle`) after an attach, as a
   * recorder's cameras may have been renamed meanwhile (dahua-protocol.md 3.3). A device that answers with an
   * error status (not a refused login) has no such table and is not asked again. Never rejects.
   */
  private async readChannelNames(signal: AbortSignal): Promise<void> {
    if (this.namesUnsupported) {
      return
    }
    try {
      const { status, body } = await this.http.cgi(
        '/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle',
        { signal },
      )
      const text = body.toString('utf8')
      if (status !== 200 || /^\s*Error/i.test(text)) {
        this.namesUnsupported = status !== 200 && status !== 401 && status !== 403
        return
      }
      this.names = parseChannelTitles(text)
    } catch {
      // No names this time: events go out without them, as they did before.
    }
  }

  /** Whether a code is one of the first MAX_CODES this camera sent: only those are passed on and tracked. */
  private admit(code: string): boolean {
    if (this.codes.has(code)) {
      return true
    }
    if (this.codes.size >= MAX_CODES) {
      this.emit('warning', { kind: 'limit', limit: 'codes', sample: code })
      return false
    }
    this.codes.add(code)
    return true
  }

  private publish(event: CameraEvent, receivedAt: number): void {
    try {
      this.emit('event', event, receivedAt)
    } catch (err) {
      // A listener threw: say so, and keep delivering to the others and the stream alive.
      this.emit('warning', { kind: 'invalid-event', reason: `listener failed: ${describe(err)}`, sample: '' })
    }
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
    const now = this.now()
    if (change.state !== this.current.state) {
      this.currentSince = now
    }
    this.currentAt = now
    this.current = change
    const health = this.healthTracker.update(change, now)
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

/**
 * `table.ChannelTitle[2].Name=Garage` lines as 0-based index -> name: only real channels (limits.ts), names cut
 * to MAX_CODE_CHARS and cleaned of control characters, for they go into messages and the editor.
 */
export function parseChannelTitles(text: string): Map<number, string> {
  const names = new Map<number, string>()
  for (const match of text.matchAll(/^table\.ChannelTitle\[(\d{1,4})\]\.Name=(.*)$/gm)) {
    const index = Number(match[1])
    const name = printable(match[2] ?? '').slice(0, MAX_CODE_CHARS)
    if (index <= MAX_INDEX && name) {
      names.set(index, name)
    }
  }
  return names
}

/** A timer of the session's: stop() clears it if it has not run. */
function later(session: Session, ms: number, run: () => void): void {
  const timer = setTimeout(() => {
    session.timers.delete(timer)
    try {
      run()
    } catch {
      // A timer's work is closing a stream or forgetting an overlap: nothing worth ending Node-RED over.
    }
  }, ms)
  session.timers.add(timer)
}

function describe(err: unknown): string {
  return err instanceof Error ? err.name : String(err)
}
