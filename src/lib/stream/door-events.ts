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

export type OpenMethod = 'card' | 'fingerprint' | 'face' | 'password' | 'remote' | 'exit-button'

/** Where a call is: a press rings, a VTH answers (BackKeyLight 5), and it ends. */
export type CallPhase = 'idle' | 'ringing' | 'talking'

export interface DoorEvent {
  event: DoorEventName
  /** When its first code arrived (ms since the epoch). */
  at: number
  button?: number
  /** The room or apartment a press calls (`UserID`, or the index of an apartment station): not a button. */
  room?: string
  door?: number
  user?: string
  method?: OpenMethod
  /** Made from codes the camera was asked about after a reconnect, not seen live. */
  reconciled?: boolean
  /** Made from late codes (late.ts): it happened during an outage, and says nothing of the door or call now. */
  late?: boolean
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
  room?: string
  door?: number
  user?: string
  method?: OpenMethod
}

/**
 * `AccessControl.Method` as VTOs send it: 1 with a card (riogrande75/Dahua#2), 4 from a VTH or afar
 * (DahuaVTO2MQTT#29), 5 the exit button (rr#318), 6 a fingerprint (DahuaVTO2MQTT MQTTEvents, riogrande75/Dahua
 * DahuaEventHandler.php). Not the NetSDK's enum, which numbers differently (devices.md). Password and face were
 * not captured on a VTO: no number is guessed for them. A card number says card whatever the code.
 */
const ACCESS_METHOD: Record<number, OpenMethod> = {
  1: 'card',
  4: 'remote',
  5: 'exit-button',
  6: 'fingerprint',
}

/**
 * Below this a press's index is its button (0 on AD110 and villa VTOs, pa#137); from it on, it is the room an
 * apartment station called (`index=9902`, VTO2000A, panagiotuandrew/dahua-mqtt). Rooms seen are 101 and up
 * (rr#175); no capture shows a button index above 0.
 */
const FIRST_ROOM_INDEX = 100

/**
 * What a press says about where it rang: the room called where the station names it (`UserID` "9901" with
 * `index=1` on a VTO3211D, camonitor; "101" on a VTO3221D, rr#175: then the index is not the button either),
 * else a room index, else the button.
 */
function pressOf(event: CameraEvent): Reading {
  const room = text(field(event, 'UserID'))
  if (room) return { event: 'pressed', room }
  if (event.index >= FIRST_ROOM_INDEX) return { event: 'pressed', room: String(event.index) }
  return { event: 'pressed', button: event.index >= 0 ? event.index + 1 : undefined }
}

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

/** What one camera event means at the door, if anything. `phase`: where the call is, as far as codes said. */
export function readDoorCode(event: CameraEvent, phase: CallPhase): Reading | undefined {
  const { code, action } = event
  // The door a DoorStatus or AccessControl names (Index 0 = door 1; rr#488, DahuaVTO2MQTT#29).
  const number = event.index >= 0 ? event.index + 1 : undefined
  switch (code) {
    case '_DoTalkAction_': {
      const what = field(event, 'Action')
      return what === 'Invite' ? pressOf(event) : what === 'Hangup' ? { event: 'call-ended' } : undefined
    }
    case 'Invite':
      return pressOf(event)
    case 'CallNoAnswered':
    case 'PhoneCallDetect':
      // Their Start is part of a press; their Stop ends the ringing, whose outcome other codes say. A Stop made
      // by reconciliation (the call ended while the stream was down) is the only word there will be.
      return action === 'Start'
        ? pressOf(event)
        : event.reconciled && phase !== 'idle'
          ? { event: 'call-ended' }
          : undefined
    case 'BackKeyLight': {
      // States by myhomeiot/DahuaVTO's and rroller's READMEs (devices.md). Its index is no button: DHIP sends -1
      // whichever button was pressed (rr#175). 8 (unlocked) comes with AccessControl, which says more (ev#29).
      // 4 (voice message), 7 (VTH calls VTO) and 11 (rebooted) are no door event; myhomeiot warns the values
      // may differ by model, so they only reach flows through dahua-event-in.
      const state = Number(field(event, 'State'))
      if (state === 1 || state === 2) return { event: 'pressed' }
      if (state === 5) return { event: 'call-answered' }
      if (state === 6) return { event: 'call-missed' }
      // 9: unlock failed, not an unlock.
      if (state === 9) return { event: 'access-denied' }
      // 0 is idle, but a VTO3221D also sends it straight after a press (rr#175): only an answered call ends.
      if (state === 0 && phase === 'talking') return { event: 'call-ended' }
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
  private phase: CallPhase = 'idle'

  constructor(private readonly timing: MergeTiming = DEFAULT_MERGE) {}

  /** Feeds one camera event; returns the door event it started or joined, if it meant anything at the door. */
  add(event: CameraEvent, at: number): DoorEvent | undefined {
    const reading = readDoorCode(event, this.phase)
    if (!reading) {
      return undefined
    }
    // A late code is history: where the call is now is for live codes to say.
    if (!event.late) {
      if (reading.event === 'pressed' && this.phase === 'idle') this.phase = 'ringing'
      if (reading.event === 'call-answered') this.phase = 'talking'
      if (reading.event === 'call-ended' || reading.event === 'call-missed') this.phase = 'idle'
    }
    const current = this.joining(reading, event.late === true)
    if (current && at - current.event.at < this.timing.maxMs) {
      current.last = at
      if (current.event.raw.length < MAX_RAW) current.event.raw.push(event)
      if (event.reconciled !== true) delete current.event.reconciled
      // A later code may say what the first did not (BackKeyLight names no button, CallNoAnswered does).
      const known = current.event as unknown as Record<string, unknown>
      for (const [name, value] of Object.entries(reading)) {
        if (value !== undefined && known[name] === undefined) known[name] = value
      }
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
      ...(event.late ? { late: true } : {}),
      raw: [event],
    }
    const key = `${event.late ? 'late/' : ''}${reading.event}/${reading.door ?? ''}`
    this.open.set(key, { key, event: fresh, last: at })
    return fresh
  }

  /**
   * The open event a reading joins: the same kind at the same door; a reading that names no door (BackKeyLight 9,
   * unlock failed) joins one of its kind at any door, and one naming a door joins a door-less one, so that an
   * unlock and its AccessControl are one message.
   */
  private joining(reading: Reading, late: boolean): Open | undefined {
    const exact = this.open.get(`${late ? 'late/' : ''}${reading.event}/${reading.door ?? ''}`)
    if (exact) return exact
    for (const open of this.open.values()) {
      if (
        open.event.event === reading.event &&
        (open.event.late === true) === late &&
        (reading.door === undefined || open.event.door === undefined)
      ) {
        return open
      }
    }
    return undefined
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
    this.phase = 'idle'
  }

  /** Whether a call is ringing or under way, as far as the codes seen say. */
  get isCalling(): boolean {
    return this.phase !== 'idle'
  }
}
