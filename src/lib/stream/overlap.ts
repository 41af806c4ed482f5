// SPDX-License-Identifier: Apache-2.0
// The refresh overlap: while the old attach and its make-before-break replacement are both open, the camera
// sends each event on both, and this passes each on once. Pure: it sees events, which stream they came on and
// when.

import { createHash } from 'node:crypto'
import { MAX_OVERLAP_EVENTS } from '../limits'
import type { CameraEvent } from '../types'

const MAX_KEY_CHARS = 256

/**
 * After the new stream delivers, the old one stays open this long: bytes already on their way through its
 * socket are read, not lost.
 */
export const OVERLAP_CLOSE_MS = 500

/**
 * The camera writes an event to both streams at once, so its two copies are read close together; one read
 * further apart is a different event. Two identical events further apart than this and a little jitter are
 * never confused, and the old stream stays open long past it (see Overlap).
 */
export const COPY_WITHIN_MS = 200

/** The overlap ends this long after the new stream delivers: the old stream's last events still find copies. */
export const OVERLAP_END_MS = OVERLAP_CLOSE_MS + COPY_WITHIN_MS

/**
 * Begins when the new attach is asked for, not when it is answered: the camera registers it and sends events on
 * both streams before its answer reaches us (at once, or behind a slow answer), and the old stream's copies are
 * read first (begun at the answer, such an event was passed on twice). What the old stream read before the answer
 * is thus matched by copies read within COPY_WITHIN_MS of the answer; after it, copies within COPY_WITHIN_MS of
 * each other.
 *
 * The old stream may also have said something alone while the new attach was logging in, a Stop say. Taken for
 * the copy of a later identical Stop on the new stream, it swallows that one, but the old stream reads its own
 * copy of it too, which then passes: the old stream stays open OVERLAP_CLOSE_MS, well past COPY_WITHIN_MS.
 * Each copy on one stream cancels one on the other; past MAX_OVERLAP_EVENTS recorded, copies pass twice.
 */
export class Overlap {
  /** Per stream, its events not yet matched by a copy: key -> when they were read, oldest first. */
  private readonly seen = new Map<object, Map<string, number[]>>()
  private recorded = 0

  /**
   * true: the other stream delivered this event, and it went out then. `from.openedAt` is when its attach was
   * answered: a copy on it of what the other stream read earlier is read at the soonest then.
   */
  duplicate(from: { readonly openedAt: number }, event: CameraEvent, at: number): boolean {
    const key = keyOf(event)
    if (key === undefined) {
      // Data that cannot be written out again: pass it on rather than lose it or end the stream.
      return false
    }
    for (const [stream, keys] of this.seen) {
      const times = keys.get(key)
      if (stream === from || !times) continue
      while (times.length > 0 && at - Math.max(times[0] as number, from.openedAt) > COPY_WITHIN_MS) {
        times.shift()
      }
      if (times.length > 0) {
        times.shift()
        return true
      }
      keys.delete(key)
    }
    if (this.recorded >= MAX_OVERLAP_EVENTS) {
      return false
    }
    this.recorded++
    const mine = this.seen.get(from) ?? new Map<string, number[]>()
    this.seen.set(from, mine)
    const times = mine.get(key)
    if (times) times.push(at)
    else mine.set(key, [at])
    return false
  }
}

function keyOf(event: CameraEvent): string | undefined {
  let key: string
  try {
    key = `${event.code}|${event.action}|${event.index}|${JSON.stringify(event.data)}`
  } catch {
    return undefined
  }
  // A part may be up to 1 MiB: what is remembered of it is its digest.
  return key.length > MAX_KEY_CHARS ? createHash('sha256').update(key).digest('base64') : key
}
