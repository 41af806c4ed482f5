// SPDX-License-Identifier: Apache-2.0
// Acting on a door station through the camera's one HTTP session: opening a door (CGI where the station has
// it, else JSON-RPC: which one a station needs is learned once and kept), hanging up a call, and asking after a
// reconnect what changed at the door meanwhile. Refusals say why as ControlError keys of the `dahua-door` catalog.

import { ControlError } from './control-error'
import { failureOf, refusalOf } from './transport'
import { MAX_CONTROL_WAITING } from '../limits'
import { SettingQueue } from './setting-queue'
import type { HttpSession } from '../session/http-session'
import { DEFAULT_TIMING } from '../session/policy'
import type { DoorEvent } from '../stream/door-events'
import { METHOD_NOT_FOUND, Rpc2Error, type Rpc2Session } from '../session/rpc2'
import { printable } from '../text'

/**
 * An open that was answered: `contact` when the door contact had to be read to know (a 400, rr#154);
 * `alreadyOpened` when the door had been opened within `doorOpenAgainMs` and nothing was sent.
 */
export interface OpenResult {
  contact?: 'Open'
  alreadyOpened?: true
}

/** A hang-up: whether one was sent (not when the station said no call was under way), and the state read after. */
export interface HangUpResult {
  hungUp: boolean
  state: string
}

export class DoorControl {
  /** How this station opens its doors, once learned: `accessControl.cgi`, or JSON-RPC where that is 404. */
  private openPath: 'cgi' | 'rpc2' | undefined
  /** The station answered getDoorStatus with an error: it has no door contact to read over CGI. */
  private noContacts = false
  private readonly abort = new AbortController()
  /**
   * Messages asking the same thing while it is under way wait, and the newest of them is sent once: a flood of
   * button presses cannot queue requests without end (setting-queue.ts).
   */
  private readonly queue = new SettingQueue(MAX_CONTROL_WAITING)
  /** When each door (1-based; the node allows 16) was last opened: one press, one open. */
  private readonly openedAt = new Map<number, number>()

  constructor(
    private readonly http: HttpSession,
    /** The device's one RPC2 session, shared with DeviceControl (device.ts). */
    private readonly rpc: Rpc2Session,
  ) {}

  /** How this station's doors were opened, once learned (the device report says so). */
  get openedVia(): 'cgi' | 'rpc2' | undefined {
    return this.openPath
  }

  /**
   * Opens door `door` (1-based): `accessControl.cgi?action=openDoor&channel=N&UserID=101&Type=Remote`
   * (rroller client.py; `channel=2` is the second door, DahuaVTO2MQTT PR#34); where that answers 404 (rr#465),
   * over RPC2 as myhomeiot does it (verified on a VTO3221D, mh#8): `accessControl.factory.instance
   * {channel: door-1}` → `openDoor {DoorIndex: 0, ShortNumber}` → `destroy`. `destroy` took about 15 s on a
   * VTO9531D (mh#28): it is not waited for. Resolves with the door contact when it was read to verify a 400.
   * A door opened less than `doorOpenAgainMs` ago is not opened again. `sending` is told when a request goes out.
   */
  open(door: number, sending?: () => void): Promise<OpenResult> {
    return this.queue.add(`open/${door}`, async () => {
      const at = this.openedAt.get(door)
      if (at !== undefined && Date.now() - at < this.http.timing.doorOpenAgainMs) {
        return { alreadyOpened: true }
      }
      sending?.()
      const result = await this.openNow(door)
      this.openedAt.set(door, Date.now())
      return result
    }) as Promise<OpenResult>
  }

  /** Ends the call under way, if there is one (hangUpNow). */
  hangUp(): Promise<HangUpResult> {
    return this.queue.add('hang-up', () => this.hangUpNow()) as Promise<HangUpResult>
  }

  private async openNow(door: number): Promise<OpenResult> {
    if (this.openPath !== 'rpc2') {
      const { status, body } = await this.cgi(
        `/cgi-bin/accessControl.cgi?action=openDoor&channel=${door}&UserID=101&Type=Remote`,
      )
      if (status === 200 && /\bOK\b/i.test(body)) {
        this.openPath = 'cgi'
        return {}
      }
      if (status === 401 || status === 403) {
        throw refusalOf(this.http, status)
      }
      // A VTO2202F-P-S2 answers 400 now and then while the door does open (rr#154): never sent again (that
      // could open it twice), but read back from the door contact where the station has one.
      if (status === 400) {
        const contact = await this.contact(door, false)
        if (contact === 'Open') return { contact }
        throw new ControlError('door-unverified', { door, contact: contact ?? '?' })
      }
      if ((status !== 404 && status !== 501) || this.openPath === 'cgi') {
        throw new ControlError('door-refused', { door, detail: `HTTP ${status}` })
      }
      // Learned at once, whatever RPC2 then says: asking the CGI again would only cost a request per open.
      this.openPath = 'rpc2'
    }
    const object = await this.rpcCall(
      'accessControl.factory.instance',
      { channel: door - 1 },
      undefined,
      'no-door',
    )
    try {
      await this.rpcCall(
        'accessControl.openDoor',
        { DoorIndex: 0, ShortNumber: 'NodeRED' },
        object,
        'door-refused',
        door,
      )
    } finally {
      void this.rpc.call('accessControl.destroy', undefined, object).catch(() => undefined)
    }
    return {}
  }

  /**
   * Ends the call under way, as DahuaBridge's `HangupCall` does (vto/driver.go): `VideoTalkPhone.factory.instance`,
   * `getCallState`, and only when that is not `Idle`, `disconnect`, or `endCall` where `disconnect` failed. While
   * idle both answer errors (DahuaBridge dahua-api.md §3.2), so nothing is sent then. The state is read again
   * afterwards: a call still on is a failure. DahuaBridge's last resort, `console.runCmd hc`, is not sent: it
   * is refused on a VTO2211G-P-S2 (mh#45) and did nothing on a VTO2311R-WP (rr#87), and no answer can be checked.
   */
  private async hangUpNow(): Promise<HangUpResult> {
    const object = await this.rpcCall('VideoTalkPhone.factory.instance', {}, undefined, 'no-hang-up')
    try {
      const before = await this.readCallState(object)
      if (before === 'Idle') {
        return { hungUp: false, state: before }
      }
      try {
        await this.rpcCall('VideoTalkPhone.disconnect', undefined, object, 'no-hang-up')
      } catch (err) {
        if (!(err instanceof ControlError && (err.key === 'no-hang-up' || err.key === 'answer'))) throw err
        await this.rpcCall('VideoTalkPhone.endCall', undefined, object, 'no-hang-up')
      }
      const after = await this.readCallState(object)
      if (after !== 'Idle') {
        throw new ControlError('call-still-on', { state: after })
      }
      return { hungUp: true, state: after }
    } finally {
      void this.rpc.call('VideoTalkPhone.destroy', undefined, object).catch(() => undefined)
    }
  }

  /** `getCallState` on a VideoTalkPhone object: `Idle` with no call (VTO2311R-WP, DahuaBridge); never assumed. */
  private async readCallState(object: unknown): Promise<string> {
    try {
      const state = (await this.rpc.call('VideoTalkPhone.getCallState', undefined, object)).params?.callState
      if (typeof state === 'string' && printable(state)) return printable(state).slice(0, 32)
    } catch (err) {
      if (err instanceof Rpc2Error && err.code === METHOD_NOT_FOUND) {
        throw new ControlError('no-hang-up', { method: 'VideoTalkPhone.getCallState' })
      }
      throw await failureOf(this.http, err, DEFAULT_TIMING.cgiTimeoutMs)
    }
    throw new ControlError('answer', { detail: 'no callState' })
  }

  /**
   * The call state over RPC2 (`VideoTalkPhone.getCallState`: `Idle` with no call, DahuaBridge), for a call that
   * was under way when the stream dropped; undefined when the station cannot say. Never rejects.
   */
  private async callState(): Promise<string | undefined> {
    try {
      const object = (await this.rpc.call('VideoTalkPhone.factory.instance', {})).result
      try {
        return await this.readCallState(object)
      } finally {
        void this.rpc.call('VideoTalkPhone.destroy', undefined, object).catch(() => undefined)
      }
    } catch {
      return undefined
    }
  }

  /**
   * A door's contact now (`accessControl.cgi?action=getDoorStatus`: `Info.status=Open|Close`, Dahua HTTP API
   * 12.1.3), for reconciling after a reconnect; undefined when the station cannot say. Never rejects.
   */
  private async contact(door: number, learn = true): Promise<'Open' | 'Close' | undefined> {
    if (this.noContacts) {
      return undefined
    }
    try {
      const { status, body } = await this.cgi(
        `/cgi-bin/accessControl.cgi?action=getDoorStatus&channel=${door}`,
      )
      const state = /^Info\.status=(Open|Close)\s*$/im.exec(body)?.[1]
      if (status !== 200 || !state) {
        // Learned from reconciling the doors it knows, not from a door number a message made up.
        if (learn) this.noContacts = status !== 401 && status !== 403
        return undefined
      }
      return state as 'Open' | 'Close'
    } catch {
      return undefined
    }
  }

  /**
   * After a connect: the door events of what changed while the stream was down, each marked `reconciled`.
   * - Door contacts: `DoorStatus` is a Pulse, which no getEventIndexes reports, so each door in `contacts`
   *   (door 1 when none is known yet) is read again. `contacts` is brought up to date; on the `first` connect it
   *   is only learned, since nothing was missed.
   * - A call under way (`calling`) may have ended meanwhile: where the station can say so over RPC2, `Idle` means
   *   it did. (Where getEventIndexes tracks the call's codes, the Reconciler's Stops say the same.)
   * Never rejects.
   */
  async reconcile(
    contacts: Map<number, 'Open' | 'Close'>,
    calling: boolean,
    first: boolean,
  ): Promise<DoorEvent[]> {
    const events: DoorEvent[] = []
    if (calling && (await this.callState()) === 'Idle') {
      events.push({ event: 'call-ended', at: Date.now(), reconciled: true, raw: [] })
    }
    for (const door of contacts.size > 0 ? [...contacts.keys()] : [1]) {
      const asked = contacts.get(door)
      const now = await this.contact(door)
      const before = contacts.get(door)
      // A live DoorStatus seen while the station was being asked has said it already.
      if (now === undefined || now === before || before !== asked) {
        continue
      }
      contacts.set(door, now)
      if (!first && before !== undefined) {
        const event = now === 'Open' ? 'door-opened' : 'door-closed'
        events.push({ event, at: Date.now(), door, reconciled: true, raw: [] })
      }
    }
    return events
  }

  /** Refuses new work and aborts calls under way (the device logs the RPC2 session out). Never rejects. */
  close(): Promise<void> {
    this.abort.abort()
    return Promise.resolve()
  }

  private async cgi(path: string): Promise<{ status: number; body: string }> {
    try {
      const { status, body } = await this.http.cgi(path, { signal: this.abort.signal })
      return { status, body: body.toString('utf8') }
    } catch (err) {
      throw await failureOf(this.http, err, DEFAULT_TIMING.cgiTimeoutMs)
    }
  }

  private async rpcCall(
    method: string,
    params: Record<string, unknown> | undefined,
    object: unknown,
    unsupported: string,
    door?: number,
  ): Promise<unknown> {
    try {
      return (await this.rpc.call(method, params, object)).result
    } catch (err) {
      // "Method not found", or no JSON-RPC at all (404): the station does not have it.
      if (err instanceof Rpc2Error && (err.code === METHOD_NOT_FOUND || err.message === 'HTTP 404')) {
        throw new ControlError(unsupported, { method })
      }
      if (err instanceof Rpc2Error && door !== undefined) {
        throw new ControlError('door-refused', { door, detail: err.message })
      }
      throw await failureOf(this.http, err, DEFAULT_TIMING.cgiTimeoutMs)
    }
  }
}
