// SPDX-License-Identifier: Apache-2.0
// Turns the stream's state changes into connection-health messages a flow can act on ("camera offline for 2
// minutes") without polling: one message per change, with when it began, why, how many reconnects, and how
// long an outage lasted. Pure: time comes in as an argument.

import type { StateChange } from '../types'

export type HealthState = 'connected' | 'disconnected' | 'retrying' | 'auth-failed' | 'tls-refused'

export interface Health {
  state: HealthState
  /** When this state began (ISO time). */
  since: string
  /** Why the stream is not connected: `closed`, `stalled 15s`, `http 503`, `network ECONNREFUSED`, … */
  reason?: string
  /** Successful re-attaches since the camera node started. */
  reconnects: number
  /** On the `connected` that ends an outage: its length in seconds. */
  downtime?: number
}

export class HealthTracker {
  private state: HealthState | undefined
  private everConnected = false
  private downSince: number | undefined
  private reconnects = 0

  /**
   * The message for this change, or undefined when the health state did not change. `downSince`: when the outage
   * began (the last part received), which is earlier than its detection.
   */
  update(change: StateChange, now: number, downSince?: number): Health | undefined {
    const next = this.next(change)
    if (next === undefined || next === this.state) {
      return undefined
    }
    this.state = next
    const since = next === 'connected' ? now : (downSince ?? now)
    const health: Health = { state: next, since: new Date(since).toISOString(), reconnects: this.reconnects }
    if (next === 'connected') {
      if (this.everConnected) {
        health.reconnects = ++this.reconnects
      }
      if (this.downSince !== undefined) {
        health.downtime = Math.round(now - this.downSince) / 1000
      }
      this.everConnected = true
      this.downSince = undefined
      return health
    }
    this.downSince ??= since
    if (change.reason) {
      health.reason = change.reason.detail
        ? `${change.reason.kind} ${change.reason.detail}`
        : change.reason.kind
    }
    return health
  }

  private next(change: StateChange): HealthState | undefined {
    switch (change.state) {
      case 'connected':
      case 'auth-failed':
      case 'tls-refused':
        return change.state
      case 'retrying':
      case 'unreachable':
        // A stream that was up and is lost is a disconnection; after that, and before any connection, retrying.
        return this.state === 'connected' ? 'disconnected' : 'retrying'
      default:
        return undefined
    }
  }
}
