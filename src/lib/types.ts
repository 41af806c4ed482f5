// SPDX-License-Identifier: Apache-2.0
// The shared vocabulary of every layer: what a camera event is, what a camera connection can be doing,
// and how a camera is addressed. Plain types only; no behaviour lives here.

/** One event as the camera sent it: `Code=<code>;action=<action>;index=<index>[;data=<data>]`. */
export interface CameraEvent {
  code: string
  /** Start, Stop, Pulse or State on every firmware seen; anything else is passed through as sent. */
  action: string
  /** The number the camera sent: a 0-based video channel (for AlarmLocal, the alarm input). */
  index: number
  /** The parsed JSON of `data=`, its raw text when it is not JSON, absent when the event has none. */
  data?: unknown
  /** Set on the events that put the state back after a gap in the stream, not sent by the camera as such. */
  reconciled?: true
  /** On a Stop whose Start was seen: seconds between them. */
  duration?: number
  /**
   * Set on an event a stalled stream delivered after the new stream had taken over, that the new one did not
   * carry (late.ts): it happened while the network was down, and says nothing of the state now.
   */
  late?: true
}

/**
 * What the one attach stream of a camera is doing.
 * - `connecting`: the first attach since start.
 * - `connected`: the camera answered 200 and the stream is open.
 * - `retrying`: the stream was lost or refused; a new attach is scheduled or under way.
 * - `unreachable`: several attaches in a row could not reach the camera at all; still retrying.
 * - `auth-failed`: logins were refused; no login is tried until the cool-down ends or the client restarts.
 *   Also: the camera asked for a Basic login that was not sent (reason `basic`); asked again slowly.
 * - `tls-refused`: the camera's certificate was not accepted; still retrying slowly.
 * - `stopped`: no stream is wanted.
 */
export type ConnectionState =
  'connecting' | 'connected' | 'retrying' | 'unreachable' | 'auth-failed' | 'tls-refused' | 'stopped'

/**
 * Why a stream ended or an attach failed, in classes a person can act on. `detail` is a short text without
 * secrets (an HTTP status, an error code, seconds).
 * - `closed`: the camera ended the stream (a reboot does). `stalled`: nothing for `detail`.
 * - `keepalive`: an open stream went silent and the kernel's keepalive probes went unanswered.
 * - `refused`: nothing listens on that port. `restarting`: refused, soon after the camera streamed (a reboot). `dns`: the name does not resolve. `no-route`: no route to the host.
 * - `no-connect`: no TCP connection within the connect limit (a host that is off or filtered).
 * - `timeout`: connected, but no answer within `detail` seconds.
 * - `protocol`: `https-to-http` (TLS spoken to a plain port) or `http-to-https` (the reverse).
 * - `tls`: the certificate is not trusted (`detail`: the check that failed).
 * - `http`: an error status; `redirect`: a 3xx, never followed; `auth`: login refused.
 * - `basic`: the camera asked for Basic login and it was not sent (`not-allowed` or `downgrade`).
 * - `network`: anything else (`detail`: its code).
 */
export interface FailureReason {
  kind:
    | 'closed'
    | 'stalled'
    | 'keepalive'
    | 'refused'
    | 'restarting'
    | 'dns'
    | 'no-route'
    | 'no-connect'
    | 'timeout'
    | 'protocol'
    | 'tls'
    | 'http'
    | 'redirect'
    | 'auth'
    | 'basic'
    | 'network'
  detail?: string
}

export interface StateChange {
  state: ConnectionState
  reason?: FailureReason
  /** When the next attach is due (ms from now), for states that retry. */
  retryInMs?: number
}

export interface CameraAddress {
  host: string
  port: number
  protocol: 'http' | 'https'
  /** false accepts a self-signed certificate (https only). */
  verifyTls: boolean
}

export interface CameraCredentials {
  username: string
  password: string
}
