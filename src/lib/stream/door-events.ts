// SPDX-License-Identifier: Apache-2.0
// Doorbells and door stations, in their own words made one: which camera codes mean a press, a call answered,
// missed or ended, a door contact, an access granted or denied (dahua-protocol.md 4.4; the README's table says
// what each family sends), and the merging of the several codes one moment produces into one door event. Pure:
// the caller feeds events with their arrival time and asks, at the time `nextDue()` says, what is complete.

import type { CameraEvent } from '../types'

export type DoorEventName =
  | 'pressed'
  | 'call-answered'
  | 'call-ended'
  | 'call-missed'
  | 'door-opened'
  | 'door-closed'
  | 'access-granted'
  | 'access-denied'

export type OpenMethod = 'card' | 'fingerprint' | 'face' | 'password' | 'remote'

export interface DoorEvent {
  event: DoorEventName
  /** When its first code arrived (ms since the epoch). */
  at: number
  button?: number
  door?: number
  user?: string
  method?: OpenMethod
  /** Made from codes the camera was asked about after a reconnect, not seen live. */
  reconciled?: boolean
  raw: CameraEvent[]
}

/** How long after the last code of a moment more may join it, and how long a moment may last at most. */
export interface MergeTiming {
  quietMs: number
  maxMs: number
}

/**
 * A press's codes arrive within a second (pa#137: CallNoAnswered in the same second as the Invite); 700 ms of
 * quiet closes it, 2 s closes it whatever, so a second press 2 s later is a second message.
 */
export const DEFAULT_MERGE: MergeTiming = { quietMs: 700, maxMs: 2_000 }

/** The most door events being merged at once: one per kind and door is what a device makes. */
const MAX_OPEN = 32
/** Codes kept in one event's `raw`: a press is 2-5. */
const MAX_RAW = 16

interface Reading {
  event: DoorEventName
  button?: number
  door?: number
  user?: string
  method?: OpenMethod
}

/**
 * `AccessControl.Method` as VTOs send it: 1 with a card (riogrande75/Dahua#2), 4 from a VTH or afar
 * (DahuaVTO2MQTT#29), 5 the exit button (rr#318, no method of ours). A card number says card whatever the code.
 */
const ACCESS_METHOD: Record<number, OpenMethod> = { 1: 'card', 4: 'remote' }

function field(event: CameraEvent, name: string): unknown {
  const data = event.data
  return data && typeof data === 'object' && !Array.isArray(data)
    ? (data as Record<string, unknown>)[name]
    : undefined
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== ''
    ? value.slice(0, 64)
    : typeof value === 'number'
      ? String(value)
      : undefined
}

/** What one camera event means at the door, if anything. `calling`: whether a call is ringing or under way. */
export function readDoorCode(event: CameraEvent, calling: boolean): Reading | undefined {
  const { code, action } = event
  const number = event.index >= 0 ? event.index + 1 : undefined
  switch (code) {
    case '_DoTalkAction_': {
      const what = field(event, 'Action')
      return what === 'Invite'
        ? { event: 'pressed', button: number }
        : what === 'Hangup'
          ? { event: 'call-ended' }
          : undefined
    }
    case 'Invite':
      return { event: 'pressed', button: number }
    case 'CallNoAnswered':
    case 'PhoneCallDetect':
      // Their Start is part of a press; their Stop ends the ringing, whose outcome other codes say. A Stop made
      // by reconciliation (the call ended while the stream was down) is the only word there will be.
      return action === 'Start'
        ? { event: 'pressed', button: number }
        : event.reconciled && calling
          ? { event: 'call-ended' }
          : undefined
    case 'BackKeyLight': {
      // 1/2 ringing, 5 answered from a VTH, 6 not answered, 0 idle ([RREADME], [RI]); 8 and 9 (unlock) come with
      // AccessControl, which says more.
      const state = Number(field(event, 'State'))
      if (state === 1 || state === 2) return { event: 'pressed', button: number }
      if (state === 5) return { event: 'call-answered' }
      if (state === 6) return { event: 'call-missed' }
      if (state === 0 && calling) return { event: 'call-ended' }
      return undefined
    }
    case '_CallNoAnswer_':
      return { event: 'call-missed' }
    case 'PassiveHungup':
    case 'HungupPhone':
      return { event: 'call-ended' }
    case 'DoorStatus': {
      const status = field(event, 'Status')
      return status === 'Open'
        ? { event: 'door-opened', door: number }
        : status === 'Close'
          ? { event: 'door-closed', door: number }
          : undefined
    }
    case 'AccessControl': {
      const card = text(field(event, 'CardNo'))
      const method = card ? 'card' : ACCESS_METHOD[Number(field(event, 'Method'))]
      const granted = Number(field(event, 'Status')) === 1
      return {
        event: granted ? 'access-granted' : 'access-denied',
        door: number,
        user: text(field(event, 'UserID')),
        ...(method ? { method } : {}),
      }
    }
    case '_DoorFace_': {
      // Access terminals: a face recognised opens the door (rr#296: `Door`, `UserID`, `Similarity`).
      const door = Number(field(event, 'Door'))
      return {
        event: 'access-granted',
        door: Number.isInteger(door) && door >= 0 ? door + 1 : number,
        user: text(field(event, 'UserID')),
        method: 'face',
      }
    }
    default:
      return undefined
  }
}

/** The codes a door node listens to (lower-case, as the camera node's interest is kept). */
export const DOOR_CODES = [
  '_DoTalkAction_',
  'Invite',
  'CallNoAnswered',
  'PhoneCallDetect',
  'BackKeyLight',
  '_CallNoAnswer_',
  'PassiveHungup',
  'HungupPhone',
  'DoorStatus',
  'AccessControl',
  '_DoorFace_',
]

interface Open {
  key: string
  event: DoorEvent
  last: number
}

/**
 * Merges the codes of one moment. Codes meaning the same door event (two press codes, a missed call's
 * BackKeyLight and `_CallNoAnswer_`) within the window join one event; a different event starts its own. Also
 * keeps whether a call is ringing or under way, which decides what some codes mean.
 */
export class DoorTracker {
  private readonly open = new Map<string, Open>()
  private calling = false

  constructor(private readonly timing: MergeTiming = DEFAULT_MERGE) {}

  /** Feeds one camera event; returns the door event it started or joined, if it meant anything at the door. */
  add(event: CameraEvent, at: number): DoorEvent | undefined {
    const reading = readDoorCode(event, this.calling)
    if (!reading) {
      return undefined
    }
    if (reading.event === 'pressed') this.calling = true
    if (reading.event === 'call-ended' || reading.event === 'call-missed') this.calling = false
    const key = `${reading.event}/${reading.door ?? ''}`
    const current = this.open.get(key)
    if (current && at - current.event.at < this.timing.maxMs) {
      current.last = at
      if (current.event.raw.length < MAX_RAW) current.event.raw.push(event)
      if (event.reconciled !== true) delete current.event.reconciled
      return current.event
    }
    if (this.open.size >= MAX_OPEN) {
      return undefined
    }
    const { event: name, ...details } = reading
    const fresh: DoorEvent = {
      event: name,
      at,
      ...Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)),
      ...(event.reconciled ? { reconciled: true } : {}),
      raw: [event],
    }
    this.open.set(key, { key, event: fresh, last: at })
    return fresh
  }

  /** When the next event is complete (ms since the epoch), if one is being merged. */
  nextDue(): number | undefined {
    let due: number | undefined
    for (const { event, last } of this.open.values()) {
      const at = Math.min(last + this.timing.quietMs, event.at + this.timing.maxMs)
      due = due === undefined ? at : Math.min(due, at)
    }
    return due
  }

  /** The events complete at `now`, oldest first. */
  due(now: number): DoorEvent[] {
    const done: DoorEvent[] = []
    for (const [key, { event, last }] of this.open) {
      if (now >= Math.min(last + this.timing.quietMs, event.at + this.timing.maxMs)) {
        done.push(event)
        this.open.delete(key)
      }
    }
    return done.sort((a, b) => a.at - b.at)
  }

  /** The station said, after a reconnect, that no call is under way. */
  callEnded(): void {
    this.calling = false
  }

  /** Whether a call is ringing or under way, as far as the codes seen say. */
  get isCalling(): boolean {
    return this.calling
  }
}
