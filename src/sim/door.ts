// SPDX-License-Identifier: Apache-2.0
// A simulated doorbell or door station: the codes each family sends for a press, a call answered, missed or
// hung up, a card at the reader and the door opened from afar (profiles.ts, with sources); its door contacts;
// `accessControl.cgi` (openDoor, getDoorStatus) and its `accessControl` / `VideoTalkPhone` methods on the
// device's JSON-RPC interface (rpc2.ts).

import type { CameraEvent } from '../lib/types'
import { METHOD_NOT_FOUND, type MethodReply, type SimulatedRpc2 } from './rpc2'

export interface DoorSequences {
  press: CameraEvent[]
  answered: CameraEvent[]
  missed: CameraEvent[]
  hungUp: CameraEvent[]
  card: CameraEvent[]
  /** What the station sends when its door is opened from afar (CGI or RPC2); `DoorStatus` Close follows. */
  remote: CameraEvent[]
}

export interface DoorProfile {
  /** Doors (locks) it drives; 0 for a doorbell without a lock. */
  doors: number
  /** `accessControl.cgi` openDoor and getDoorStatus. Some stations answer 404 to both (rr#465). */
  cgi: boolean
  /**
   * JSON-RPC over HTTP: `accessControl.*` for doors, `VideoTalkPhone.*` for calls (`getCallState` says `Idle`
   * when no call is under way, DahuaBridge on a VTO2311R-WP); `endCall` only where `endCall` is set (one station
   * lists only `disconnect`); other methods answer "Method not found".
   */
  rpc2: { accessControl: boolean; videoTalk: boolean; endCall?: boolean }
  sequences: DoorSequences
}

export type Sequence = keyof DoorSequences

export interface DoorAnswer {
  status: number
  body: string
}

export class SimulatedDoor {
  /** Door contacts by 1-based door: what `DoorStatus` last said. */
  readonly contacts = new Map<number, 'Open' | 'Close'>()
  /** Doors opened from afar, 1-based, in order, and how (CGI or RPC2). */
  readonly opened: Array<{ door: number; via: 'cgi' | 'rpc2' }> = []
  hangUps = 0
  /**
   * The call as `VideoTalkPhone.getCallState` says it. `Idle` is a VTO2311R-WP's answer with no call
   * (fixtures/devices/door/vto2311r-wp-rpc2-getcallstate-idle.txt); no answer during a call was captured, so a
   * call is `Talking`, the value DahuaBridge's driver_test.go uses, and the client reads anything else as a call.
   */
  callState: 'Idle' | 'Talking' = 'Idle'
  /**
   * `accessControl.cgi` openDoor answers 400 and the door opens all the same, as a VTO2202F-P-S2 did now and
   * then (rr#154; fixtures/devices/door/vto2202f-p-s2-opendoor-400-door-opened.md).
   */
  openAnswers400 = false
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(
    private readonly profile: DoorProfile,
    private readonly send: (event: CameraEvent) => void,
    rpc: SimulatedRpc2,
    /** How long an opened door stays open before its contact says Close. */
    private readonly closeAfterMs = 300,
  ) {
    for (let door = 1; door <= profile.doors; door++) {
      this.contacts.set(door, 'Close')
    }
    this.registerRpc2(rpc)
  }

  /** Sends the family's codes for one of the scripted moments; `DoorStatus` events move the contacts. */
  play(sequence: Sequence): void {
    if (sequence === 'press') this.callState = 'Talking'
    if (sequence === 'answered') this.callState = 'Talking'
    if (sequence === 'missed' || sequence === 'hungUp') this.callState = 'Idle'
    for (const event of this.profile.sequences[sequence]) {
      this.emit(event)
    }
    if (sequence === 'card' || sequence === 'remote') {
      this.closeLater(1)
    }
  }

  /** The door contact changes without a word on the stream (as it does while the stream is down). */
  setContact(door: number, state: 'Open' | 'Close'): void {
    this.contacts.set(door, state)
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  /** `accessControl.cgi`, or undefined when the URL is not this file's. */
  cgi(url: string): DoorAnswer | undefined {
    if (!url.startsWith('/cgi-bin/accessControl.cgi?')) {
      return undefined
    }
    const params = new URLSearchParams(url.split('?', 2)[1])
    const door = Number(params.get('channel'))
    if (!this.profile.cgi) {
      return { status: 404, body: 'Error\r\nBad Request!\r\n' }
    }
    if (!this.contacts.has(door)) {
      return { status: 400, body: 'Error\r\nBad Request!\r\n' }
    }
    switch (params.get('action')) {
      case 'openDoor':
        this.openFromAfar(door, 'cgi')
        return this.openAnswers400 ? { status: 400, body: '' } : { status: 200, body: 'OK\r\n' }
      case 'getDoorStatus':
        // Dahua HTTP API 12.1.3; Intelbras integrations read `Info.status=Close`.
        return { status: 200, body: `Info.status=${this.contacts.get(door)}\r\n` }
      default:
        return { status: 400, body: 'Error\r\nBad Request!\r\n' }
    }
  }

  /**
   * Its JSON-RPC methods, on the device's one RPC2 interface (rpc2.ts): `accessControl.*` for doors,
   * `VideoTalkPhone.*` for calls, each only where the family has it.
   */
  private registerRpc2(rpc: SimulatedRpc2): void {
    // A VTO2211G-P-S2's refusal of a call it cannot make (mh#45); DahuaBridge saw "service errors" from
    // disconnect and endCall while idle (dahua-api.md §3.2) without quoting them, so this stands in for them.
    const unknown = {
      result: false,
      error: { code: 268959743, message: 'Unknown error! error code was not set in service!' },
    }
    const notFound = { result: false, error: { code: METHOD_NOT_FOUND, message: 'Method not found!' } }
    if (this.profile.rpc2.accessControl) {
      rpc.factory('accessControl')
      // myhomeiot: the door is the instance's channel (0-based) and DoorIndex 0 (mh#8, VTO3221D). Other
      // combinations were not captured working or refused: this station refuses them.
      rpc.register('accessControl.openDoor', (params, object, instance) => {
        const door = Number(instance?.channel) + 1
        if (object !== 'accessControl' || Number(params.DoorIndex) !== 0 || !this.contacts.has(door)) {
          return unknown
        }
        this.openFromAfar(door, 'rpc2')
        return { result: true }
      })
    }
    if (this.profile.rpc2.videoTalk) {
      rpc.factory('VideoTalkPhone')
      rpc.register('VideoTalkPhone.getCallState', (_params, object) =>
        object !== 'VideoTalkPhone' ? notFound : { result: true, params: { callState: this.callState } },
      )
      const hangUp = (object: string | undefined): MethodReply => {
        if (object !== 'VideoTalkPhone') return notFound
        if (this.callState === 'Idle') return unknown
        this.hangUps++
        this.play('hungUp')
        return { result: true }
      }
      rpc.register('VideoTalkPhone.disconnect', (_params, object) => hangUp(object))
      if (this.profile.rpc2.endCall) {
        rpc.register('VideoTalkPhone.endCall', (_params, object) => hangUp(object))
      }
    }
  }

  private openFromAfar(door: number, via: 'cgi' | 'rpc2'): void {
    this.opened.push({ door, via })
    for (const event of this.profile.sequences.remote) {
      this.emit({ ...event, index: event.code === 'BackKeyLight' ? event.index : door - 1 })
    }
    this.closeLater(door)
  }

  private closeLater(door: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.emit({ code: 'DoorStatus', action: 'Pulse', index: door - 1, data: { Status: 'Close' } })
    }, this.closeAfterMs)
    this.timers.add(timer)
  }

  private emit(event: CameraEvent): void {
    if (event.code === 'DoorStatus') {
      const status = (event.data as { Status?: string } | undefined)?.Status
      if (status === 'Open' || status === 'Close') {
        this.contacts.set(event.index + 1, status)
      }
    }
    this.send(event)
  }
}
