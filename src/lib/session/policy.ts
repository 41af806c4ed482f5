// SPDX-License-Identifier: Apache-2.0
// The connection policy in one place: how long silence may last, how soon to re-attach, and when to stop
// trying to log in. Pure: time and randomness come in as arguments, so every rule is testable with a table.

import type { StateChange } from '../types'

export interface Timing {
  /** TCP (and TLS) connect limit. */
  connectTimeoutMs: number
  /**
   * Limit for the response headers. Generous: some firmware sends its status line only when it has something
   * to send (dahua-protocol.md 1.2), and `heartbeat` makes that within one interval.
   */
  headersTimeoutMs: number
  /** Idle limit for a camera that has not (yet) sent a heartbeat on this connection (Scrypted uses 5 min). */
  silentCameraMs: number
  /** Silence, in heartbeat intervals, after which a heartbeating stream is dead (issue: more than 3). */
  heartbeatMisses: number
  /** Overrides `heartbeatMisses x interval` (tests shrink it; cameras cannot heartbeat faster than 1 s). */
  stallMs?: number
  /** A stream that delivered data for this long was healthy: when it ends, re-attach at once. */
  healthyAfterMs: number
  retryBaseMs: number
  /** A camera that answers with an error is asked again at least this often. */
  retryCapMs: number
  /**
   * The cap for attaches that never reached HTTP (refused, no route, no connection): they spend no login and cost
   * the camera a SYN, and every second away after the network is back loses events (network-faults.md 2).
   */
  quickRetryCapMs: number
  /** Failed attaches in a row that could not reach the camera before the badge says "unreachable". */
  unreachableAfter: number
  /**
   * After a stream, how long a camera that cannot be reached is taken to be restarting (a Dahua reboot takes one
   * to two minutes) rather than unreachable: yellow, not red with advice about the port.
   */
  restartGraceMs: number
  /**
   * How long a stalled stream is kept readable for what it still delivers (late.ts): TCP retransmits what the
   * camera sent during an outage once the network is back, after up to its retransmission timeout.
   */
  lateWindowMs: number
  /**
   * A moment without events this long: a refresh switches streams in one, and late events are sorted in one (once
   * both streams are this quiet, nothing is in flight).
   */
  quietMs: number
  /** TCP keepalive idle time: a silent dead peer is noticed about 20 s after it (libuv probes 1 s x 10). */
  keepAliveInitialDelayMs: number
  /** Refused logins in a row after which no login is tried (Dahua locks accounts after 3-5 failures). */
  maxRefusals: number
  /** How long to stay away after `maxRefusals`; Dahua locks the source IP for about 30 min (rroller#729). */
  authCooldownMs: number
  /**
   * Replace the attach this often (0: never), make-before-break: some firmware keeps heartbeating while it has
   * stopped delivering events, which no idle limit can see (rroller#596).
   */
  refreshMs: number
  /** Limit for a CGI call beside the stream (getEventIndexes, snapshot.cgi). */
  cgiTimeoutMs: number
  /**
   * A siren stops by itself after 10-15 s (rroller client.py); one asked to sound longer (`msg.duration`) is
   * started again this often.
   */
  sirenRepeatMs: number
  /**
   * A device's "not here" to what the package learns before acting (a 400 to a coaxial status) is believed this
   * long: recorders answer 400 for hours and then recover (real-devices-acting.md 6), so it is never for good.
   */
  absentForMs: number
  /**
   * An open of a door within this long after it was opened is answered "already opened" and not sent: the lock
   * is still released (a VTO2202F holds it 2 s, `UnlockHoldInterval`, fixtures/devices/door), and a button's
   * bounce or a flow's burst would otherwise release it again.
   */
  doorOpenAgainMs: number
}

export const DEFAULT_TIMING: Timing = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  silentCameraMs: 5 * 60_000,
  heartbeatMisses: 3,
  healthyAfterMs: 3_000,
  retryBaseMs: 500,
  retryCapMs: 30_000,
  quickRetryCapMs: 2_000,
  unreachableAfter: 3,
  restartGraceMs: 2 * 60_000,
  lateWindowMs: 3 * 60_000,
  quietMs: 1_000,
  keepAliveInitialDelayMs: 10_000,
  maxRefusals: 3,
  authCooldownMs: 30 * 60_000,
  refreshMs: 60 * 60_000,
  cgiTimeoutMs: 5_000,
  sirenRepeatMs: 8_000,
  absentForMs: 60_000,
  doorOpenAgainMs: 2_000,
}

/**
 * The longest delay a Node timer keeps: a longer one fires after 1 ms, so a refresh of a few months would
 * re-attach hundreds of times a second. Every delay the runtime sets stays under it.
 */
export const MAX_DELAY_MS = 2_147_483_647

/** The least each limit may be: 0 would mean "no limit" to urllib (its 5000 ms default) or a busy retry loop. */
const MIN_TIMING: Record<keyof Timing, number> = {
  connectTimeoutMs: 1,
  headersTimeoutMs: 1,
  silentCameraMs: 1,
  heartbeatMisses: 1,
  stallMs: 1,
  healthyAfterMs: 0,
  retryBaseMs: 10,
  retryCapMs: 10,
  quickRetryCapMs: 10,
  unreachableAfter: 1,
  restartGraceMs: 0,
  lateWindowMs: 0,
  quietMs: 10,
  keepAliveInitialDelayMs: 1_000,
  maxRefusals: 1,
  authCooldownMs: 0,
  refreshMs: 0,
  cgiTimeoutMs: 1,
  sirenRepeatMs: 100,
  absentForMs: 0,
  doorOpenAgainMs: 0,
}

/**
 * Timing whatever settings.js or the editor gave: each number finite (else the default, which for `stallMs` is
 * none), and between its least value and MAX_DELAY_MS.
 */
export function boundedTiming(timing: Timing): Timing {
  const bounded: Partial<Record<keyof Timing, number>> = {}
  for (const key of Object.keys(MIN_TIMING) as Array<keyof Timing>) {
    const number = Number(timing[key])
    const value = Number.isFinite(number)
      ? Math.min(MAX_DELAY_MS, Math.max(MIN_TIMING[key], number))
      : DEFAULT_TIMING[key]
    if (value !== undefined) {
      bounded[key] = value
    }
  }
  return bounded as Timing
}

/** When to refresh: `refreshMs` give or take 10 %, so that many cameras do not refresh together. */
export function refreshDelayMs(timing: Timing, random: number): number {
  return Math.min(MAX_DELAY_MS, Math.round(timing.refreshMs * (0.9 + 0.2 * random)))
}

/**
 * The wait before attach number `failures + 1` after `failures` failed attaches in a row (>= 1): exponential
 * from `retryBaseMs`, capped at `retryCapMs`, with up to 20 % jitter taken off so that many cameras behind one
 * Node-RED do not retry in lock step. `random` is in [0, 1).
 */
export function retryDelayMs(failures: number, timing: Timing, random: number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30)
  const delay = Math.min(timing.retryCapMs, timing.retryBaseMs * 2 ** exponent)
  return Math.round(delay * (1 - 0.2 * random))
}

/**
 * How often a camera that cannot be reached is really tried, as the log says it: the wait, plus the connect limit
 * that an attempt without an answer holds first (network-faults.md 3d: "at least every 30 s" was 35-40 s).
 */
export function retryEveryMs(change: StateChange, timing: Timing): number {
  return (change.retryInMs ?? 0) + (change.reason?.kind === 'no-connect' ? timing.connectTimeoutMs : 0)
}

/**
 * How long the stream may be silent before it is declared dead. Once the camera has heartbeated on this
 * connection, more than `heartbeatMisses` intervals; before that (or on firmware that never heartbeats,
 * hb#21) the long fallback, so that such a camera is not torn down every few seconds.
 */
export function idleLimitMs(heartbeatSeen: boolean, heartbeatSeconds: number, timing: Timing): number {
  if (!heartbeatSeen) {
    return timing.silentCameraMs
  }
  return timing.stallMs ?? timing.heartbeatMisses * heartbeatSeconds * 1000
}

/**
 * What a runtime remembers about logging in to one camera (host and port), shared by everything that logs in to
 * it: the stream, its side calls, Test connection, and the client a redeploy replaces it with.
 */
export interface LoginMemory {
  /**
   * Refused logins in a row, by a digest of the credentials: a success with one password clears that password's
   * count, not another's, so a second camera node with an old password cannot retry for ever while the first
   * succeeds (review-2026-12.md 6). Bounded: a camera has a few nodes, each with one set of credentials.
   */
  refusals: Map<string, number>
  /** Until when nothing logs in: the account or the address may be locked, whoever's password was refused. */
  blockedUntil: number
  /** A digest of the credentials the pause is for: only their success, or a deploy of others, ends it. */
  refusedWith?: string
}

/** A camera's login memory before anything has logged in to it. */
export function freshLoginMemory(): LoginMemory {
  return { refusals: new Map(), blockedUntil: 0 }
}

/** The most credentials one camera's memory keeps counts for (a few camera nodes, a few Test connections). */
const MAX_CREDENTIALS = 16

/**
 * Counts refused logins across everything that logs in to one camera. A single 401 is not proof of a wrong
 * password (connection limits and nonce races answer 401 too, rroller#603, #714), so a few are allowed; after
 * `maxRefusals` in a row nothing logs in until the cool-down ends, because every further try renews Dahua's
 * lock on the account or the source address.
 */
export class LoginBudget {
  constructor(
    private readonly timing: Timing,
    private readonly memory: LoginMemory = freshLoginMemory(),
    /** Which credentials this budget's user logs in with (a digest, never the password). */
    private readonly credentials = '',
  ) {}

  /** Records a refusal; true when the budget is now spent. */
  refuse(now: number): boolean {
    const refusals = this.refused + 1
    this.memory.refusals.delete(this.credentials)
    if (this.memory.refusals.size >= MAX_CREDENTIALS) {
      this.memory.refusals.delete(this.memory.refusals.keys().next().value as string)
    }
    this.memory.refusals.set(this.credentials, refusals)
    if (refusals >= this.timing.maxRefusals) {
      this.memory.blockedUntil = now + this.timing.authCooldownMs
      this.memory.refusedWith = this.credentials
      return true
    }
    return false
  }

  /** A success of these credentials: their count starts again, and a pause they caused ends. */
  accept(): void {
    this.memory.refusals.delete(this.credentials)
    if (this.memory.refusedWith === undefined || this.memory.refusedWith === this.credentials) {
      this.memory.blockedUntil = 0
      this.memory.refusedWith = undefined
    }
  }

  /**
   * A deploy: the pause ends if the credentials are not the ones that were refused (the user corrected them);
   * the same ones stay paused, so that deploying other flows cannot spend the camera's lockout budget again.
   */
  renew(): void {
    if (this.memory.refusedWith !== undefined && this.memory.refusedWith !== this.credentials) {
      this.memory.blockedUntil = 0
      this.memory.refusedWith = undefined
    }
  }

  /** ms until a login may be tried again; 0 when it may be tried now. */
  waitMs(now: number): number {
    return Math.max(0, this.memory.blockedUntil - now)
  }

  get refused(): number {
    return this.memory.refusals.get(this.credentials) ?? 0
  }

  /** Refusals still allowed before logins pause. */
  get left(): number {
    return Math.max(0, this.timing.maxRefusals - this.refused)
  }
}
