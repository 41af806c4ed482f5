// SPDX-License-Identifier: Apache-2.0
// One attach: the request (`eventManager.cgi?action=attach`) and, once the camera answers 200, the open
// stream: its parser, its idle watchdog, and a promise of why it ended. Nothing here retries or decides; the
// orchestration in camera-client.ts does.

import type { Readable } from 'node:stream'
import { decodeEventBody } from './event-body'
import { classify, discard, header, isRedirect, type HttpSession } from '../session/http-session'
import { boundaryFrom, createMultipartParser, type SkippedBytes } from './multipart'
import type { CameraEvent, FailureReason } from '../types'

/**
 * Names of the bounds in limits.ts that a camera can hit, each with its own log line:
 * `depth` and `keys` (an event's data, see event-body.ts), `codes` (MAX_CODES), `snapshot` and `answer` (a CGI
 * answer's size), `snapshots` (MAX_PENDING_SNAPSHOTS).
 */
export type LimitName = 'depth' | 'keys' | 'codes' | 'snapshot' | 'answer' | 'snapshots' | 'late'

/** Something the camera sent that was not used, said once, without secrets. */
export type StreamWarning =
  | { kind: 'skipped'; skipped: SkippedBytes }
  | { kind: 'invalid-event'; reason: string; sample: string }
  | { kind: 'limit'; limit: LimitName; sample: string }

export interface StreamHooks {
  now: () => number
  idleLimitMs: (heartbeatSeen: boolean) => number
  onHeartbeat: () => void
  onEvents: (from: AttachedStream, events: CameraEvent[], trailing: string | undefined) => void
  onWarning: (warning: StreamWarning) => void
}

export type Opened = { stream: AttachedStream } | { failure: FailureReason; reachedCamera: boolean }

/**
 * Sends the attach and, on 200, returns the open stream. Never rejects. The path keeps raw brackets: some
 * firmware answers 400 to `%5BAll%5D` (dahua-protocol.md 1.1).
 */
export async function attach(
  http: HttpSession,
  heartbeatSeconds: number,
  timeout: [headers: number, idle: number],
  signal: AbortSignal,
  hooks: StreamHooks,
): Promise<Opened> {
  let response
  try {
    response = await http.attach(
      `/cgi-bin/eventManager.cgi?action=attach&codes=[All]&heartbeat=${heartbeatSeconds}`,
      timeout,
      signal,
    )
  } catch (err) {
    const failure = await http.explain(classify(err), timeout[0])
    // A Basic challenge that was not answered came from the camera.
    return { failure, reachedCamera: failure.kind === 'basic' }
  }
  const status = response.status
  if (status !== 200) {
    discard(response.res)
    // 401 or 403 here: the camera refused the credentials we answered its challenge with.
    const kind = status === 401 || status === 403 ? 'auth' : isRedirect(status) ? 'redirect' : 'http'
    return { failure: { kind, detail: String(status) }, reachedCamera: true }
  }
  return {
    stream: new AttachedStream(
      response.res,
      boundaryFrom(header(response.headers['content-type'])),
      hooks,
      http.keepAliveOf(response),
    ),
  }
}

/**
 * One open attach response: its parser, its idle watchdog, and a promise of why it ended.
 *
 * A stream the watchdog declares dead is not destroyed: `ended` says it stalled, and it stays readable until
 * close(). A camera that was off the air for a while retransmits what it sent meanwhile once the network is back,
 * and those events are only on this connection (late.ts).
 */
export class AttachedStream {
  readonly ended: Promise<FailureReason>
  /** Resolves with the first part (a heartbeat counts): the stream is delivering. */
  readonly firstPart: Promise<void>
  /** Resolves when the connection is gone: closed by us or by the camera. */
  readonly gone: Promise<void>
  readonly openedAt: number
  delivered = false
  /** When its last part, and its last part with events, arrived (ms since the epoch; 0: none yet). */
  lastPartAt = 0
  lastEventAt = 0
  private settle!: (reason: FailureReason) => void
  private sawFirst!: () => void
  private release!: () => void
  private watchdog: NodeJS.Timeout | undefined
  private settled = false
  private closed = false
  private heartbeatSeen = false

  constructor(
    private readonly body: Readable,
    boundary: string,
    private readonly hooks: StreamHooks,
    /** Turns TCP keepalive on this connection on or off, when its socket is known. */
    private readonly keepAlive?: (on: boolean) => void,
  ) {
    this.openedAt = hooks.now()
    this.ended = new Promise((resolve) => (this.settle = resolve))
    this.firstPart = new Promise((resolve) => (this.sawFirst = resolve))
    this.gone = new Promise((resolve) => (this.release = resolve))
    const parser = createMultipartParser({
      boundary,
      onPart: (part) => {
        this.sawFirst()
        this.delivered = true
        this.lastPartAt = hooks.now()
        // Liveness is a part, not a byte: a camera that sends only garbage, or a line that never ends, is
        // as dead as a silent one.
        this.watchdog?.refresh()
        const decoded = decodeEventBody(part)
        if (decoded.kind === 'heartbeat') {
          if (!this.heartbeatSeen) {
            this.heartbeatSeen = true
            this.arm()
          }
          hooks.onHeartbeat()
        } else if (decoded.kind === 'events') {
          this.lastEventAt = this.lastPartAt
          if (decoded.limit) {
            hooks.onWarning({ kind: 'limit', limit: decoded.limit, sample: decoded.events[0]?.code ?? '' })
          }
          hooks.onEvents(this, decoded.events, decoded.trailing)
        } else {
          hooks.onWarning({ kind: 'invalid-event', reason: decoded.reason, sample: decoded.sample })
        }
      },
      onSkip: (skipped) => hooks.onWarning({ kind: 'skipped', skipped }),
    })
    this.arm()
    body.on('data', (chunk: Buffer) => {
      if (this.closed) {
        return
      }
      try {
        parser.feed(chunk)
      } catch (err) {
        // Nothing a camera sends may end Node-RED: a fault here costs this read, and the parser starts afresh.
        parser.reset()
        hooks.onWarning({
          kind: 'invalid-event',
          reason: `internal: ${String(err)}`.slice(0, 120),
          sample: '',
        })
      }
    })
    body.on('end', () => this.close({ kind: 'closed' }))
    body.on('close', () => this.close({ kind: 'closed' }))
    body.on('error', (err) => this.close(classify(err, true)))
  }

  /** Stops reading (TCP holds what the camera sends meanwhile), or reads on. */
  hold(held: boolean): void {
    if (held) this.body.pause()
    else if (!this.closed) this.body.resume()
  }

  /** Whether `ended` has settled: it stalled, or it is closed. */
  get finished(): boolean {
    return this.settled
  }

  /** Whether the watchdog declared it dead while it was still open. */
  get stalled(): boolean {
    return this.settled && !this.closed
  }

  close(reason: FailureReason): void {
    this.end(reason)
    if (this.closed) {
      return
    }
    this.closed = true
    this.body.destroy()
    this.release()
  }

  private end(reason: FailureReason): void {
    if (this.settled) {
      return
    }
    this.settled = true
    clearTimeout(this.watchdog)
    this.watchdog = undefined
    this.settle(reason)
  }

  private arm(): void {
    clearTimeout(this.watchdog)
    const limit = this.hooks.idleLimitMs(this.heartbeatSeen)
    this.watchdog = setTimeout(() => {
      this.end({ kind: 'stalled', detail: `${limit / 1000}s` })
      // Kept for its backlog, bounded by whoever reads it (event-stream.ts), not by the kernel's probes: they
      // would end it about 20 s into an outage, before the network is back.
      this.keepAlive?.(false)
    }, limit)
  }
}
