// SPDX-License-Identifier: Apache-2.0
// The refresh overlap: while the old attach and its make-before-break replacement are both open, the camera
// sends each event on both, and this passes each on once. Pure: it sees events and which stream they came on.

import { createHash } from 'node:crypto'
import { MAX_OVERLAP_EVENTS } from './limits'

const MAX_KEY_CHARS = 256
import type { CameraEvent } from './types'

/**
 * Begins when the new attach is answered, not when it is asked for: an event the old stream delivered while the
 * new one was still logging in was never sent on the new one, and counting it would swallow the next identical
 * event there (a lost Stop, a motion sensor stuck on). From then on the two streams carry the same events, so
 * each copy on one stream cancels one copy on the other. Keys are the event as sent: two genuinely separate
 * but identical events in the same overlap count as one, for the second or two an overlap lasts.
 */
export class Overlap {
  private readonly seen = new Map<object, Map<string, number>>()
  /** Events recorded, at most MAX_OVERLAP_EVENTS: past that a flood's copies may pass twice, never grow this. */
  private recorded = 0

  /** true: the other stream already delivered this event, and it went out then. */
  duplicate(from: object, event: CameraEvent): boolean {
    let key: string
    try {
      key = `${event.code}|${event.action}|${event.index}|${JSON.stringify(event.data)}`
    } catch {
      // Data that cannot be written out again: pass it on rather than lose it or end the stream.
      return false
    }
    if (key.length > MAX_KEY_CHARS) {
      // A part may be up to 1 MiB: what is remembered of it is its digest.
      key = createHash('sha256').update(key).digest('base64')
    }
    for (const [stream, keys] of this.seen) {
      const count = keys.get(key) ?? 0
      if (stream !== from && count > 0) {
        keys.set(key, count - 1)
        return true
      }
    }
    if (this.recorded >= MAX_OVERLAP_EVENTS) {
      return false
    }
    this.recorded++
    const mine = this.seen.get(from) ?? new Map<string, number>()
    this.seen.set(from, mine)
    mine.set(key, (mine.get(key) ?? 0) + 1)
    return false
  }
}
