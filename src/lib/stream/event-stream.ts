// SPDX-License-Identifier: Apache-2.0
// One camera's event stream, orchestrated: when to attach, when to retry and how long to wait, when to
// refresh, what start, stop and reconnect do. The rooms it directs each have a file: one attach
// (attach-stream.ts), a stalled stream's late events (late.ts) and reconciliation (reconciler.ts); the HTTP
// session is the device's (device.ts), shared with acting on it. It knows nothing of Node-RED.

import { EventEmitter, setMaxListeners } from 'node:events'
import { attach, type AttachedStream, type Opened, type StreamWarning } from './attach-stream'
import { HealthTracker, type Health } from './health'
import type { HttpSession } from '../session/http-session'
import { MAX_CODE_CHARS, MAX_CODES, MAX_INDEX } from '../limits'
import { detectionOf, type Detection } from './detection'
import { Backlog, keyOf, overlapOf, type Held } from './late'
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
  /** The event, when its part arrived (ms since the epoch), and what it saw (detection.ts), read once for all. */
  event: [CameraEvent, number, Detection | undefined]
  heartbeat: []
  warning: [StreamWarning]
  health: [Health]
}

/** Refreshes are at least this far apart, and a refresh put off for events is tried again this soon. */
const MIN_REFRESH_GAP_MS = 2_500

/**
 * The camera writes an event to all its streams at once: its copies are read within this of each other. A
 * refresh's old stream that has had no event for this long after the new one's answer has nothing in flight.
 */
const COPY_WITHIN_MS = 200

/** Events of the old stream remembered while a refresh switches (a few at most: it switches when quiet). */
const MAX_SWITCH_EVENTS = 1000

/** A stalled stream kept for what it still delivers (late.ts), until its window closes or it catches up. */
interface Drain {
  stream: AttachedStream
  backlog: Backlog
  timers: NodeJS.Timeout[]
}

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
  /** The stream whose events go out as they come. */
  live?: AttachedStream
  /** A refresh's new stream while it is decided whether it takes over: its events wait here. */
  candidate?: { stream: AttachedStream; held: Held[]; oldKeys: string[] }
  drain?: Drain
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
  /** When the outage under way began, as far as anyone can tell: the last part received (undefined: up). */
  private downSince: number | undefined
  /** When a stream last delivered a part: a camera refusing soon after is restarting, not misconfigured. */
  private lastStreamedAt = 0
  /** The camera has heartbeated on some stream: a new one that stays silent is dead within the stall limit. */
  private heartbeats = false
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
    // Every call beside the stream listens to it: state questions (one per code, MAX_CODES at most) and pictures
    // (MAX_PENDING_SNAPSHOTS). Bounded, so Node's warning past 10 listeners would only be noise in the log.
    setMaxListeners(0, session.abort.signal)
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
      this.endDrain(session)
      session.wake?.()
    }
    if (running) {
      await running
    }
    this.setState({ state: 'stopped' })
  }

  private async run(session: Session): Promise<void> {
    // Failed attaches in a row the camera answered (HTTP errors: backoff to retryCapMs), and those that never
    // reached HTTP (refused, no route, no connection: they spend no login, backoff to quickRetryCapMs).
    let failures = 0
    let unanswered = 0
    this.downSince = this.now()
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
        this.downSince = undefined
        this.setState({ state: 'connected' })
        void this.reconciler.reconcile(session.abort.signal)
        void this.readChannelNames(session.abort.signal)
        const { reason, healthy, stream } = await this.follow(session, opened.stream)
        if (session.stopped) {
          return
        }
        // The outage began with the last part the camera sent, whatever noticed it later (network-faults.md 3c).
        this.downSince = stream.lastPartAt || stream.openedAt
        this.lastStreamedAt = Math.max(this.lastStreamedAt, stream.lastPartAt)
        this.endDrain(session)
        if (stream.stalled) {
          this.startDrain(session, stream)
        }
        if (healthy || session.now) {
          // A stream that was working is re-attached at once: every second away can lose an event.
          failures = 0
          unanswered = 0
          this.setState({ state: 'retrying', reason, retryInMs: 0 })
          continue
        }
        failures++
        const delay = retryDelayMs(failures, this.timing, this.random())
        this.setState({ state: 'retrying', reason, retryInMs: delay })
        await this.sleep(session, delay)
        continue
      }
      let reason = opened.failure
      if (opened.reachedCamera) {
        failures++
        unanswered = 0
      } else {
        unanswered++
      }
      let delay = opened.reachedCamera
        ? retryDelayMs(failures, this.timing, this.random())
        : retryDelayMs(unanswered, { ...this.timing, retryCapMs: this.quickCapMs }, this.random())
      // A camera that streamed a moment ago and now cannot be reached is most likely restarting: yellow for a
      // reboot's length, with no advice about a port it streamed from (network-faults.md 3b).
      const restarting =
        !opened.reachedCamera &&
        this.lastStreamedAt > 0 &&
        this.now() - this.lastStreamedAt < this.timing.restartGraceMs
      if (restarting && reason.kind === 'refused') {
        reason = { kind: 'restarting' }
      }
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
        (!restarting && unanswered >= this.timing.unreachableAfter) ||
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

  /** The cap for attaches that never reached HTTP: never above the cap for those that did. */
  private get quickCapMs(): number {
    return Math.min(this.timing.quickRetryCapMs, this.timing.retryCapMs)
  }

  /**
   * Reads an open stream until it ends, replacing it every `refreshMs`, make-before-break, because a stream that
   * heartbeats while losing events is what refresh is for (the state is reconciled after each).
   *
   * Every event the camera writes after it registered the new attach is on both streams, in the same order, and
   * nothing says which of two identical events is which. So the switch is made where nothing can be confused: the
   * new attach is asked for once the old stream has had no event for `quietMs` (a stream that delivers events
   * has proven itself, and can wait for such a moment), and it takes over only if the old one still had none from
   * the moment it was asked for until COPY_WITHIN_MS after its answer. Then everything before the registration
   * came on the old stream and everything after comes on the new one. Otherwise the new one is closed, which
   * loses nothing (the old stream carries all it did), and the refresh waits for the next quiet moment.
   */
  private async follow(
    session: Session,
    first: AttachedStream,
  ): Promise<{ reason: FailureReason; healthy: boolean; stream: AttachedStream }> {
    let stream = first
    // Refreshes put off in a row: each cost the camera an attach (a login), so each next try waits twice as long.
    let putOff = 0
    session.live = stream
    if (session.drain) {
      this.sortWhenQuiet(session, session.drain) // the new stream may stay quiet: the stalled one is sorted anyway
    }
    for (;;) {
      const due = Math.max(refreshDelayMs(this.timing, this.random()), MIN_REFRESH_GAP_MS)
      const delay = putOff > 0 ? Math.min(due, MIN_REFRESH_GAP_MS * 2 ** Math.min(putOff - 1, 20)) : due
      const outcome =
        this.timing.refreshMs > 0 ? await this.until(session, stream, delay) : await stream.ended
      if (outcome !== 'due') {
        session.live = undefined
        return {
          reason: outcome,
          healthy: stream.delivered && this.now() - stream.openedAt >= this.timing.healthyAfterMs,
          stream,
        }
      }
      // No login while logins are paused (a Test connection with a typo, another node's old password): the old
      // stream still works, so the refresh waits for its next turn (review-2026-12.md 13). Nor while a stalled
      // stream is read for its late events: those are sorted against this stream.
      if (this.http.budget.waitMs(this.now()) > 0 || session.drain) {
        continue
      }
      if (!(await this.quietMoment(session, stream))) {
        continue // it ended: the next turn returns why
      }
      const askedAt = this.now()
      const candidate = { held: [] as Held[], oldKeys: [] as string[] }
      const next = await this.open(session, candidate)
      if (session.stopped) {
        return { reason: { kind: 'closed' }, healthy: false, stream }
      }
      if (!('stream' in next)) {
        session.candidate = undefined
        continue // the old stream still works: keep it, try again at the next refresh
      }
      const fresh = next.stream
      await Promise.race([this.pause(session, COPY_WITHIN_MS), stream.ended, fresh.ended])
      session.candidate = undefined
      if (session.stopped) {
        return { reason: { kind: 'closed' }, healthy: false, stream }
      }
      const oldEnded = stream.finished
      if (fresh.finished) {
        fresh.close({ kind: 'closed', detail: 'refresh failed' })
        continue // the new one failed at once: the old one delivered all there was
      }
      if (!oldEnded && stream.lastEventAt >= askedAt) {
        fresh.close({ kind: 'closed', detail: 'refresh put off' })
        putOff++
        continue
      }
      stream.close({ kind: 'closed', detail: 'refresh' })
      putOff = 0
      stream = fresh
      session.live = stream
      // Only if the old stream ended with events since the ask can the new one's first be copies of them.
      const copies = overlapOf(
        candidate.oldKeys,
        candidate.held.map(({ event }) => keyOf(event).key),
      )
      for (const { event, at } of candidate.held.slice(copies)) {
        this.live(session, event, at)
      }
      void this.reconciler.reconcile(session.abort.signal)
      void this.readChannelNames(session.abort.signal)
    }
  }

  /** 'due' after `ms`, or why the stream ended first. */
  private async until(session: Session, stream: AttachedStream, ms: number): Promise<'due' | FailureReason> {
    let timer: NodeJS.Timeout | undefined
    const due = new Promise<'due'>((resolve) => {
      timer = setTimeout(() => resolve('due'), ms)
      session.timers.add(timer)
    })
    try {
      return await Promise.race([due, stream.ended])
    } finally {
      // A stream that ends first leaves no hour-long refresh timer behind, however often it reconnects.
      clearTimeout(timer)
      if (timer) session.timers.delete(timer)
    }
  }

  /** Resolves true once the stream has had no event for `quietMs`, false if it ends first. */
  private async quietMoment(session: Session, stream: AttachedStream): Promise<boolean> {
    for (;;) {
      const left = stream.lastEventAt + this.timing.quietMs - this.now()
      if (left <= 0) {
        return !stream.finished
      }
      if ((await this.until(session, stream, left)) !== 'due') {
        return false
      }
    }
  }

  /** A wait that stop() ends (its timer is the session's). */
  private pause(session: Session, ms: number): Promise<void> {
    return new Promise((resolve) => later(session, ms, resolve))
  }

  /** One attach of this session: its stream is the session's to close. A refresh's is its `candidate`. */
  private async open(session: Session, candidate?: { held: Held[]; oldKeys: string[] }): Promise<Opened> {
    session.drain?.backlog.newStream(true)
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
        // A camera seen to heartbeat will heartbeat on a new stream too: one that stays silent is dead.
        idleLimitMs: (heartbeatSeen) =>
          idleLimitMs(heartbeatSeen || this.heartbeats, this.options.heartbeatSeconds, this.timing),
        onHeartbeat: () => {
          this.heartbeats = true
          this.emit('heartbeat')
        },
        onEvents: (from, events, trailing) => this.deliver(session, from, events, trailing),
        onWarning: (warning) => this.emit('warning', warning),
      },
    )
    if ('stream' in opened) {
      const stream = opened.stream
      session.streams.add(stream)
      void stream.gone.then(() => session.streams.delete(stream))
      if (candidate) {
        session.candidate = { stream, ...candidate }
      }
      if (session.stopped) {
        stream.close({ kind: 'closed' })
      }
    } else if (session.drain) {
      // Nothing was registered: whatever the stalled stream brings meanwhile is late for certain.
      session.drain.backlog.newStream(false)
      this.late(session, session.drain.backlog.sort(false))
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
      if (session.stopped || !this.admit(sent.code)) {
        continue
      }
      const drain = session.drain
      if (from === session.live) {
        if (session.candidate && session.candidate.oldKeys.length < MAX_SWITCH_EVENTS) {
          session.candidate.oldKeys.push(keyOf(sent).key)
        }
        this.live(session, sent, receivedAt)
      } else if (from === session.candidate?.stream) {
        if (session.candidate.held.length < MAX_SWITCH_EVENTS) {
          session.candidate.held.push({ event: sent, at: receivedAt })
        }
      } else if (drain && from === drain.stream) {
        this.late(session, drain.backlog.fromOld(sent, receivedAt, this.quiet(session)))
      }
      // Anything else is from a stream on its way out: a refresh's old one after the switch.
    }
  }

  /** An event as it comes: recorded for reconciliation, compared with a stalled stream's late ones. */
  private live(session: Session, event: CameraEvent, at: number): void {
    const drain = session.drain
    this.publish(this.reconciler.observe(event, at, session.abort.signal), at)
    if (drain) {
      this.late(session, drain.backlog.fromNew(event))
      this.sortWhenQuiet(session, drain)
    }
  }

  /** Late events: history, marked so, with when they arrived; never recorded as the state now. */
  private late(session: Session, events: Held[]): void {
    for (const { event, at } of events) {
      if (!session.stopped) {
        this.publish({ ...event, late: true }, at)
      }
    }
    const drain = session.drain
    if (!drain) {
      return
    }
    if (drain.backlog.overrun) {
      this.emit('warning', { kind: 'limit', limit: 'late', sample: '' })
    }
    if (drain.backlog.overrun || drain.backlog.caughtUp) {
      this.endDrain(session) // caught up, everything after is a copy
    } else {
      // Bounded memory, no loss: at its bound the stalled stream is not read until some of it goes out.
      drain.stream.hold(drain.backlog.full)
    }
  }

  /** Keeps a stalled stream readable for its late events, within `lateWindowMs`; one at a time. */
  private startDrain(session: Session, stream: AttachedStream): void {
    if (this.timing.lateWindowMs <= 0) {
      stream.close({ kind: 'closed', detail: 'stalled' })
      return
    }
    const drain: Drain = { stream, backlog: new Backlog(), timers: [] }
    session.drain = drain
    const end = (): void => {
      if (session.drain === drain) this.endDrain(session)
    }
    drain.timers.push(setTimeout(end, this.timing.lateWindowMs))
    void stream.gone.then(end)
  }

  /**
   * Whether the new stream has had no event for `quietMs` (since it opened, at least): then the camera wrote
   * nothing lately, and every copy the stalled stream can bring is already on the new one (late.ts).
   */
  private quiet(session: Session): boolean {
    const live = session.live
    return live !== undefined && this.now() - Math.max(live.lastEventAt, live.openedAt) >= this.timing.quietMs
  }

  /** Sorts the stalled stream's events in the new stream's next quiet moment, and ends it if it caught up. */
  private sortWhenQuiet(session: Session, drain: Drain): void {
    clearTimeout(drain.timers[1])
    drain.timers[1] = setTimeout(() => {
      if (session.drain !== drain) return
      if (!this.quiet(session)) {
        this.sortWhenQuiet(session, drain)
        return
      }
      this.late(session, drain.backlog.sort(true))
    }, this.timing.quietMs)
  }

  private endDrain(session: Session): void {
    const drain = session.drain
    if (!drain) {
      return
    }
    session.drain = undefined
    for (const timer of drain.timers) clearTimeout(timer)
    drain.stream.close({ kind: 'closed', detail: 'late' })
    this.late(session, drain.backlog.end(this.quiet(session)))
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
      this.emit('event', event, receivedAt, detectionOf(event))
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
      // A state that says the camera is not streaming began when the outage did, not when it was named.
      this.currentSince =
        change.state === 'connected' || change.state === 'stopped' ? now : (this.downSince ?? now)
    }
    this.currentAt = now
    this.current = change
    const health = this.healthTracker.update(change, now, this.downSince)
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
