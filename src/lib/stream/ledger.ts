// SPDX-License-Identifier: Apache-2.0
// What one camera has going on: which (code, channel) pairs are active from the Starts and Stops seen, which
// codes its `getEventIndexes` endpoint is known to track, and how to put the true state back after a gap in
// the stream (dahua-protocol.md 3.1, 5.7). Pure: times come in as arguments.

import { MAX_INDEX } from '../limits'
import type { CameraEvent } from '../types'

/** What `eventManager.cgi?action=getEventIndexes&code=<Code>` said. */
export type IndexesAnswer = { active: number[] } | { error: string }

/**
 * `channels[0]=0\r\nchannels[1]=5` lists the active 0-based channels; `Error: No Events` is an empty list
 * (which the camera also says for codes it does not track); anything else is an error.
 */
export function parseEventIndexes(body: string): IndexesAnswer {
  // Each channel once, and only channels that can exist (limits.ts): the answer is the camera's to make up.
  const active = [
    ...new Set([...body.matchAll(/channels\[\d+\]\s*=\s*(\d{1,9})\b/g)].map((m) => Number(m[1]))),
  ].filter((index) => index <= MAX_INDEX)
  if (active.length > 0 || /Error:\s*No Events/i.test(body) || body.trim() === '') {
    return { active }
  }
  return { error: body.trim().slice(0, 80) || 'empty answer' }
}

/**
 * A Stop that comes on the stream this soon after a "No Events" answer was the reason for that answer: the
 * event ended while the camera answered, and the answer says nothing about whether the endpoint tracks the code.
 */
const ANSWER_RACE_MS = 2_000
/** After this many such races, a code's "No Events" is believed: each try costs the camera a login. */
const MAX_RACES = 3

/** Where the ledger stood when a question was sent: answers are judged against what the stream said since. */
export type Mark = number

export class EventLedger {
  /** code -> index -> when its Start was seen (ms). */
  private readonly active = new Map<string, Map<number, number>>()
  /** Codes seen with Start or Stop: the only ones worth reconciling (Pulse and State never are). */
  private readonly latched = new Set<string>()
  /** true: the endpoint reported this code active; false: it said "No Events" while the stream said active. */
  private readonly tracked = new Map<string, boolean>()
  /** The "No Events" that made a code untracked: which index, and when, so that a racing Stop can undo it. */
  private readonly doubts = new Map<string, { index: number; at: number; races: number }>()
  /**
   * Numbers every Start and Stop from the stream; while questions are out, `code|index` -> the number of its
   * latest one. Only then does it matter, so it is emptied when the last answer is in.
   */
  private sequence = 0
  private readonly changed = new Map<string, number>()
  private asking = 0

  /**
   * Call before asking the camera, and answered() once its answer is in (or is not coming): the answer is then
   * judged only on what the stream has not said since.
   */
  mark(): Mark {
    this.asking++
    return this.sequence
  }

  answered(): void {
    this.asking = Math.max(0, this.asking - 1)
    if (this.asking === 0) {
      this.changed.clear()
    }
  }

  /** Records an event from the stream; a Stop whose Start was seen gets its duration in seconds. */
  observe(event: CameraEvent, at: number): CameraEvent {
    if (event.action !== 'Start' && event.action !== 'Stop') {
      return event
    }
    this.latched.add(event.code)
    this.sequence++
    if (this.asking > 0) {
      this.changed.set(`${event.code}|${event.index}`, this.sequence)
    }
    const channels = this.active.get(event.code) ?? new Map<number, number>()
    this.active.set(event.code, channels)
    if (event.action === 'Stop') {
      this.withdrawDoubt(event.code, event.index, at)
    }
    if (event.action === 'Start') {
      if (!channels.has(event.index)) {
        channels.set(event.index, at)
      }
      return event
    }
    const startedAt = channels.get(event.index)
    channels.delete(event.index)
    return startedAt === undefined ? event : { ...event, duration: seconds(at - startedAt) }
  }

  isActive(code: string, index: number): boolean {
    return this.active.get(code)?.has(index) ?? false
  }

  /** Start/Stop codes seen on this camera. */
  latchedCodes(): string[] {
    return [...this.latched]
  }

  /** Whether the endpoint's answer for this code is still to be learnt. */
  unknown(code: string): boolean {
    return !this.tracked.has(code)
  }

  /**
   * Learns from an answer asked for while the stream said (code, index) was active: listed means the endpoint
   * tracks the code; "No Events" means it does not (dahua-protocol.md 3.1: `NotARealCodeAtAll` answers so too),
   * unless the stream said otherwise since the question (the Stop came first), or says so soon after.
   */
  learn(code: string, index: number, answer: IndexesAnswer, at: number, asked: Mark): void {
    if ('error' in answer) {
      return
    }
    if (answer.active.length > 0) {
      this.tracked.set(code, true)
      this.doubts.delete(code)
    } else if (this.isActive(code, index) && !this.changedSince(code, index, asked)) {
      this.tracked.set(code, false)
      const races = this.doubts.get(code)?.races ?? 0
      this.doubts.set(code, { index, at, races })
    } else {
      // The Stop came before the answer, so "No Events" proves nothing; counted like a race, because a code that
      // always ends before the camera answers (a tripwire's Start and Stop) would otherwise be asked about on
      // every Start for ever (review-2026-12.md part 1, 8b). After MAX_RACES its "No Events" is believed.
      const races = (this.doubts.get(code)?.races ?? 0) + 1
      if (races >= MAX_RACES) this.tracked.set(code, false)
      this.doubts.set(code, { index, at: -Infinity, races })
    }
  }

  /**
   * The events that put the true state back after a gap: a Stop for what was active and no longer is, a Start
   * for what is active and was not known. "No Events" clears nothing for a code the endpoint was never seen to
   * report, because for such a code it says nothing about the state.
   */
  reconcile(code: string, answer: IndexesAnswer, at: number, asked: Mark): CameraEvent[] {
    if ('error' in answer) {
      return []
    }
    if (answer.active.length > 0) {
      this.tracked.set(code, true)
    }
    const channels = this.active.get(code) ?? new Map<number, number>()
    this.active.set(code, channels)
    const now = new Set(answer.active)
    const events: CameraEvent[] = []
    if (this.tracked.get(code) === true) {
      for (const [index, startedAt] of channels) {
        // A Start that came on the stream after the question is newer than the answer.
        if (!now.has(index) && !this.changedSince(code, index, asked)) {
          channels.delete(index)
          events.push({ code, action: 'Stop', index, reconciled: true, duration: seconds(at - startedAt) })
        }
      }
    }
    for (const index of now) {
      // Likewise a Stop: the answer must not undo it.
      if (!channels.has(index) && !this.changedSince(code, index, asked)) {
        channels.set(index, at)
        events.push({ code, action: 'Start', index, reconciled: true })
      }
    }
    return events
  }

  private changedSince(code: string, index: number, asked: Mark): boolean {
    return (this.changed.get(`${code}|${index}`) ?? 0) > asked
  }

  private withdrawDoubt(code: string, index: number, at: number): void {
    const doubt = this.doubts.get(code)
    if (!doubt || doubt.index !== index || at - doubt.at > ANSWER_RACE_MS || doubt.races + 1 >= MAX_RACES) {
      return
    }
    this.tracked.delete(code)
    this.doubts.set(code, { ...doubt, at: -Infinity, races: doubt.races + 1 })
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms) / 1000)
}
