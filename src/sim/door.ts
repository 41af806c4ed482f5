// SPDX-License-Identifier: Apache-2.0
// A simulated doorbell or door station: the codes each family sends for a press, a call answered, missed or
// hung up, a card at the reader and the door opened from afar (profiles.ts, with sources); its door contacts;
// `accessControl.cgi` (openDoor, getDoorStatus) and the JSON-RPC interface (`/RPC2_Login`, `/RPC2`) over HTTP,
// with the two-step login, sessions that expire when idle, and `accessControl` / `VideoTalkPhone` objects.

import { createHash, randomBytes } from 'node:crypto'
import type { CameraEvent } from '../lib/types'

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

/** RPC2 error codes (acting-and-doors.md §2.1). */
const LOGIN_CHALLENGE = 268632079
const METHOD_NOT_FOUND = 268894210
const SESSION_EXPIRED = 287637504
/** Not in the sources: what the simulator answers to a wrong RPC2 password (`result: false` is what counts). */
const LOGIN_REFUSED = 268632085

const MAX_SESSIONS = 64

interface Rpc2Session {
  random: string
  loggedIn: boolean
  lastSeen: number
}

export class SimulatedDoor {
  /** Door contacts by 1-based door: what `DoorStatus` last said. */
  readonly contacts = new Map<number, 'Open' | 'Close'>()
  /** Doors opened from afar, 1-based, in order, and how (CGI or RPC2). */
  readonly opened: Array<{ door: number; via: 'cgi' | 'rpc2' }> = []
  hangUps = 0
  /** The call as `VideoTalkPhone.getCallState` says it: `Idle` is what a station says with no call. */
  callState: 'Idle' | 'Ringing' | 'Talking' = 'Idle'
  /** Successful RPC2 logins, and refused ones. */
  rpcLogins = 0
  rpcRefusals = 0
  /** An RPC2 session unused for this long is gone (NVR5464: alive at 90 s, gone by 150 s). */
  rpcIdleMs = 120_000
  private readonly sessions = new Map<string, Rpc2Session>()
  private readonly objects = new Map<number, string>()
  private nextObject = 1000
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(
    private readonly profile: DoorProfile,
    private readonly send: (event: CameraEvent) => void,
    private readonly login: () => { username: string; password: string; realm: string },
    /** How long an opened door stays open before its contact says Close. */
    private readonly closeAfterMs = 300,
  ) {
    for (let door = 1; door <= profile.doors; door++) {
      this.contacts.set(door, 'Close')
    }
  }

  /** Sends the family's codes for one of the scripted moments; `DoorStatus` events move the contacts. */
  play(sequence: Sequence): void {
    if (sequence === 'press') this.callState = 'Ringing'
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
        return { status: 200, body: 'OK\r\n' }
      case 'getDoorStatus':
        // Dahua HTTP API 12.1.3; Intelbras integrations read `Info.status=Close`.
        return { status: 200, body: `Info.status=${this.contacts.get(door)}\r\n` }
      default:
        return { status: 400, body: 'Error\r\nBad Request!\r\n' }
    }
  }

  /** A JSON-RPC request to `/RPC2_Login` or `/RPC2`. */
  rpc(path: string, text: string, now = Date.now()): DoorAnswer {
    let request: {
      method?: unknown
      params?: Record<string, unknown>
      id?: unknown
      session?: unknown
      object?: unknown
    }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      return { status: 400, body: '' }
    }
    const id = request.id
    const reply = (result: unknown, extra: Record<string, unknown> = {}): DoorAnswer => ({
      status: 200,
      body: JSON.stringify({ id, result, session: request.session, ...extra }),
    })
    const error = (code: number, message: string): DoorAnswer => reply(false, { error: { code, message } })
    if (path === '/RPC2_Login') {
      return this.rpcLogin(request, id)
    }
    const session = this.sessions.get(String(request.session))
    if (!session?.loggedIn || now - session.lastSeen > this.rpcIdleMs) {
      return error(SESSION_EXPIRED, 'Invalid session in request data!')
    }
    session.lastSeen = now
    const params = request.params ?? {}
    const object = this.objects.get(Number(request.object))
    switch (request.method) {
      case 'global.keepAlive':
        return reply(true, { params: { timeout: 60 } })
      case 'global.logout':
        this.sessions.delete(String(request.session))
        return reply(true)
      case 'accessControl.factory.instance':
      case 'VideoTalkPhone.factory.instance': {
        const kind = String(request.method).split('.')[0] as string
        if (!(kind === 'accessControl' ? this.profile.rpc2.accessControl : this.profile.rpc2.videoTalk)) {
          return error(METHOD_NOT_FOUND, 'Method not found!')
        }
        const handle = this.nextObject++
        this.objects.set(handle, kind)
        return reply(handle)
      }
      case 'accessControl.openDoor': {
        const door = Number(params.DoorIndex) + 1
        if (object !== 'accessControl' || !this.contacts.has(door)) {
          return reply(false, { error: { code: 268959743, message: 'Unknown error' } })
        }
        this.openFromAfar(door, 'rpc2')
        return reply(true)
      }
      case 'VideoTalkPhone.getCallState':
        if (object !== 'VideoTalkPhone') return error(METHOD_NOT_FOUND, 'Method not found!')
        return reply(true, { params: { callState: this.callState } })
      case 'VideoTalkPhone.endCall':
      case 'VideoTalkPhone.disconnect':
        if (
          object !== 'VideoTalkPhone' ||
          (request.method === 'VideoTalkPhone.endCall' && !this.profile.rpc2.endCall)
        ) {
          return error(METHOD_NOT_FOUND, 'Method not found!')
        }
        this.hangUps++
        this.play('hungUp')
        return reply(true)
      case 'accessControl.destroy':
      case 'VideoTalkPhone.destroy':
        this.objects.delete(Number(request.object))
        return reply(true)
      default:
        return error(METHOD_NOT_FOUND, 'Method not found!')
    }
  }

  /**
   * The two steps (acting-and-doors.md §2.1): without a password, a challenge with `realm` and `random`; then
   * `MD5_UPPER(user:random:MD5_UPPER(user:realm:pass))` on the session of the challenge.
   */
  private rpcLogin(
    request: { params?: Record<string, unknown>; session?: unknown },
    id: unknown,
  ): DoorAnswer {
    const { username, password, realm } = this.login()
    const params = request.params ?? {}
    const existing = this.sessions.get(String(request.session))
    if (!existing || !params.password) {
      const session = randomBytes(16).toString('hex')
      const random = String(randomBytes(4).readUInt32BE())
      this.sessions.set(session, { random, loggedIn: false, lastSeen: 0 })
      // A device's session table is small: the oldest session goes (the demo may run for weeks).
      if (this.sessions.size > MAX_SESSIONS) {
        this.sessions.delete(this.sessions.keys().next().value as string)
      }
      return {
        status: 200,
        body: JSON.stringify({
          error: { code: LOGIN_CHALLENGE, message: 'Component error: login challenge!' },
          id,
          params: { encryption: 'Default', random, realm },
          result: false,
          session,
        }),
      }
    }
    const ha1 = md5Upper(`${username}:${realm}:${password}`)
    const expected = md5Upper(`${username}:${existing.random}:${ha1}`)
    if (params.userName !== username || params.password !== expected) {
      this.rpcRefusals++
      this.sessions.delete(String(request.session))
      return {
        status: 200,
        body: JSON.stringify({ error: { code: LOGIN_REFUSED, message: 'Login failed' }, id, result: false }),
      }
    }
    this.rpcLogins++
    existing.loggedIn = true
    existing.lastSeen = Date.now()
    return {
      status: 200,
      body: JSON.stringify({ id, params: { keepAliveInterval: 60 }, result: true, session: request.session }),
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

function md5Upper(text: string): string {
  return createHash('md5').update(text).digest('hex').toUpperCase()
}
