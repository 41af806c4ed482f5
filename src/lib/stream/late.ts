// SPDX-License-Identifier: Apache-2.0
// Late events: what a stalled stream still delivers once the network is back, that the new stream did not.
// A camera writes every event to each of its attach streams, in one order. The stalled stream's backlog, which
// TCP retransmits after an outage, is therefore the events written before the new attach was registered (late)
// followed by copies of what the new stream carries, in the same order. No sequence number says where one ends
// and the other begins; order and quiet moments do. Pure: it sees events and is told when the streams are quiet.

import { createHash } from 'node:crypto'
import { MAX_LATE_BYTES, MAX_LATE_EVENTS } from '../limits'
import type { CameraEvent } from '../types'

const MAX_KEY_CHARS = 256

export interface Held {
  event: CameraEvent
  /** When its part arrived (ms since the epoch). */
  at: number
}

/**
 * The stalled stream's events after the stall, sorted into late ones and copies of the new stream's. Each one it
 * returns is late for certain: whatever the new stream has delivered or will deliver, it is not a copy.
 *
 * The rule: call `held` the stalled stream's unsorted events and `copies` the new stream's since it opened. Some
 * first part of `held` is late and the rest are copies of the first of `copies`, in order. While events may be in
 * flight, the stalled stream may be behind or ahead of the new one; once the new stream has had no event for a
 * while (`quiet`), the camera wrote nothing lately, every copy there is has reached the new stream, and the
 * stalled one can only be behind. The fewest events that can be late under every
 * reading still possible are late for certain and go out. When the rest equals `copies` exactly, the stalled
 * stream has caught up: nothing later on it can be late (`caughtUp`), and it can be closed.
 *
 * Two identical events are told apart by their order; what stays ambiguous (identical late events and copies, the
 * stalled stream still behind when it ends) is taken for copies: a duplicate would be reported as something that
 * happened twice.
 */
export class Backlog {
  private held: Array<Held & { key: string; bytes: number }> = []
  private heldBytes = 0
  private copies: string[] = []
  /** Whether a new attach is asked for or open: until then nothing on the stalled stream can be a copy. */
  private watching = false
  caughtUp = false
  /** The new stream delivered more than can be compared (limits.ts): the caller ends the backlog. */
  overrun = false

  /** A new attach is under way (true), or none is (false: the last one failed, and nothing was on it). */
  newStream(asked: boolean): void {
    this.watching = asked
    if (!asked) {
      this.copies = []
    }
  }

  /** An event of the new stream; returns what is late for certain now. */
  fromNew(event: CameraEvent): Held[] {
    if (this.caughtUp) {
      return []
    }
    if (this.copies.length >= MAX_LATE_EVENTS) {
      this.overrun = true
      return []
    }
    this.copies.push(keyOf(event).key)
    return this.sort(false)
  }

  /** An event of the stalled stream; returns what is late for certain now. */
  fromOld(event: CameraEvent, at: number, quiet: boolean): Held[] {
    if (this.caughtUp) {
      return [] // a copy: everything after the first copy is
    }
    const { key, bytes } = keyOf(event)
    this.held.push({ event, at, key, bytes })
    this.heldBytes += bytes
    return this.sort(quiet)
  }

  /**
   * Held events are at their bound (limits.ts): the caller stops reading the stalled stream until some go out, and
   * TCP keeps the rest in the camera. What one read already brought is held beyond it: at most one read, one part.
   */
  get full(): boolean {
    return this.held.length >= MAX_LATE_EVENTS || this.heldBytes >= MAX_LATE_BYTES
  }

  /** What is late for certain now; `quiet`: the new stream has had no event for a while. */
  sort(quiet: boolean): Held[] {
    if (!this.watching) {
      return this.take(this.held.length)
    }
    const n = this.copies.length
    let s = 0
    for (; s < this.held.length; s++) {
      const rest = this.held.length - s
      // Quiet, the stalled stream cannot be ahead: it holds at most as many copies as the new stream delivered.
      if (quiet && rest > n) continue
      if (this.agree(s, Math.min(rest, n))) break
    }
    const late = this.take(s)
    if (quiet && n > 0 && this.held.length === n) {
      this.caughtUp = true
      this.held = []
      this.heldBytes = 0
    }
    return late
  }

  /** The stalled stream ended or its time is up: what is late for certain; the rest are taken for copies. */
  end(quiet: boolean): Held[] {
    const late = this.caughtUp ? [] : this.sort(quiet)
    this.held = []
    this.heldBytes = 0
    this.copies = []
    return late
  }

  private agree(from: number, length: number): boolean {
    for (let i = 0; i < length; i++) {
      if (this.held[from + i]!.key !== this.copies[i]) return false
    }
    return true
  }

  private take(count: number): Held[] {
    const taken = this.held.splice(0, count)
    for (const item of taken) this.heldBytes -= item.bytes
    return taken.map(({ event, at }) => ({ event, at }))
  }
}

/** The most events at the end of `before` that are, in order, the first of `after`. */
export function overlapOf(before: string[], after: string[]): number {
  for (let k = Math.min(before.length, after.length); k > 0; k--) {
    let same = true
    for (let i = 0; i < k && same; i++) {
      same = before[before.length - k + i] === after[i]
    }
    if (same) return k
  }
  return 0
}

/** What identifies an event's copies: its code, action, index and data, as a digest when long. */
export function keyOf(event: CameraEvent): { key: string; bytes: number } {
  let key: string
  try {
    key = `${event.code}|${event.action}|${event.index}|${JSON.stringify(event.data)}`
  } catch {
    // Data that cannot be written out again (it came from JSON, so this is never expected): its own key.
    key = `${event.code}|${event.action}|${event.index}|${String(Math.random())}`
  }
  // A part may be up to 1 MiB: what is remembered of it for matching is its digest.
  const bytes = key.length
  return { key: bytes > MAX_KEY_CHARS ? createHash('sha256').update(key).digest('base64') : key, bytes }
}
