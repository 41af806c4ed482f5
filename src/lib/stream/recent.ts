// SPDX-License-Identifier: Apache-2.0
// What the device report says about the stream's recent past: the last event codes with when they arrived, and
// the last health message (health.ts). A fixed-size ring, so a camera that sends a thousand events a second
// costs the same as a quiet one. Only codes, actions, channels and times are kept: an event's data may carry
// a face, a plate or a card number, and none of that belongs in a bug report.

import { MAX_CODE_CHARS } from '../limits'
import { printable } from '../text'
import type { Health } from './health'
import type { CameraEvent } from '../types'

/** The report lists this many of the last events. */
export const RECENT_EVENTS = 20

export interface RecentEvent {
  /** When its part arrived (ms since the epoch). */
  at: number
  code: string
  action: string
  /** 1-based, as the nodes say it. */
  channel: number
  /** Not as it happened: delivered late by a stalled stream, or put back after a gap (types.ts). */
  kind?: 'late' | 'reconciled'
}

export class RecentEvents {
  private readonly ring: RecentEvent[] = []
  private next = 0
  /** The last health message the stream sent, if any. */
  health: Health | undefined

  constructor(private readonly size = RECENT_EVENTS) {}

  add(event: CameraEvent, at: number): void {
    const entry: RecentEvent = {
      at,
      code: printable(event.code).slice(0, MAX_CODE_CHARS),
      action: printable(event.action).slice(0, 16),
      channel: event.index + 1,
      ...(event.late ? { kind: 'late' } : event.reconciled ? { kind: 'reconciled' } : {}),
    }
    if (this.ring.length < this.size) {
      this.ring.push(entry)
    } else {
      this.ring[this.next] = entry
    }
    this.next = (this.next + 1) % this.size
  }

  /** The events kept, oldest first. */
  list(): RecentEvent[] {
    return this.ring.length < this.size
      ? [...this.ring]
      : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)]
  }
}
