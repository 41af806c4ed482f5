// SPDX-License-Identifier: Apache-2.0
// One device, and everything that talks to it: its one HTTP session (and so its one login budget and its two
// call slots), its one RPC2 session, its pictures, and the three parts the nodes use: the event stream
// (stream/), acting on the device (act/device-control.ts) and its doors and calls (act/door-control.ts).
// A redeploy is close() on the old device and a new one. It knows nothing of Node-RED.

import { DeviceControl } from './act/device-control'
import { DoorControl } from './act/door-control'
import { DEFAULT_SNAPSHOT_BYTES, MAX_PENDING_SNAPSHOTS } from './limits'
import { HttpSession } from './session/http-session'
import { cleanJpeg } from './session/jpeg'
import { DEFAULT_TIMING, boundedTiming, type Timing } from './session/policy'
import { Rpc2Session } from './session/rpc2'
import { EventStream } from './stream/event-stream'
import type { CameraAddress, CameraCredentials } from './types'

export interface DeviceOptions {
  address: CameraAddress
  credentials: CameraCredentials
  /** Seconds between the camera's heartbeat parts, 1-60 (the attach's `heartbeat` parameter). */
  heartbeatSeconds: number
  timing?: Partial<Timing>
  /** The camera node's "allow unencrypted Basic login (old firmware)" (http-session.ts). */
  allowBasic?: boolean
  /** A snapshot larger than this is not read on (limits.ts). */
  maxSnapshotBytes?: number
  random?: () => number
  now?: () => number
}

export class Device {
  readonly timing: Timing
  readonly http: HttpSession
  /** JSON-RPC for what the CGI cannot do, one login shared by control and door (rpc2.ts). */
  readonly rpc2: Rpc2Session
  readonly stream: EventStream
  /** Acting on the device (the dahua-control node). */
  readonly control: DeviceControl
  /** A door station's doors and calls (the dahua-door node). */
  readonly door: DoorControl
  private readonly snapshots = new Map<number, Promise<Buffer>>()
  /** Aborts what runs outside a stream (a control node's snapshot, RPC2 calls) when the device closes. */
  private readonly closing = new AbortController()

  constructor(private readonly options: DeviceOptions) {
    this.timing = boundedTiming({ ...DEFAULT_TIMING, ...options.timing })
    const now = options.now ?? Date.now
    this.http = new HttpSession(
      options.address,
      options.credentials,
      this.timing,
      now,
      options.allowBasic === true,
    )
    // A deploy with corrected credentials ends a login pause; the same ones stay paused.
    this.http.budget.renew()
    this.stream = new EventStream(this.http, {
      heartbeatSeconds: options.heartbeatSeconds,
      timing: this.timing,
      random: options.random ?? Math.random,
      now,
    })
    this.http.onTooLarge = (script) =>
      this.stream.emit('warning', {
        kind: 'limit',
        limit: script === 'snapshot.cgi' ? 'snapshot' : 'answer',
        sample: script,
      })
    this.rpc2 = new Rpc2Session(this.http, options.credentials, this.closing.signal)
    this.control = new DeviceControl(this.http, this.rpc2, {
      snapshot: (channel) => this.snapshot(channel),
      sirenRepeatMs: this.timing.sirenRepeatMs,
      cgiTimeoutMs: this.timing.cgiTimeoutMs,
      absentForMs: this.timing.absentForMs,
    })
    this.door = new DoorControl(this.http, this.rpc2)
  }

  /** What a redeploy does to the old device: stop everything, then release every socket. Never rejects. */
  async close(): Promise<void> {
    try {
      await this.control.close()
      await this.door.close()
      // Aborted first, so that no call still under way logs in again after the logout.
      this.closing.abort()
      await this.rpc2.close()
      await this.stream.stop()
    } finally {
      await this.http.close()
    }
  }

  /**
   * A clean JPEG (jpeg.ts) of the channel (1-based) from `snapshot.cgi`. Callers for a channel whose picture is
   * already being fetched share that fetch: one request per channel at a time, inside the camera's request
   * limit. Aborted when the stream stops, or (with no stream, for a control node) when the device closes.
   */
  snapshot(channel: number): Promise<Buffer> {
    const signal = this.stream.signal ?? this.closing.signal
    if (signal.aborted) {
      return Promise.reject(new Error('closed'))
    }
    const pending = this.snapshots.get(channel)
    if (pending) {
      return pending
    }
    if (this.snapshots.size >= MAX_PENDING_SNAPSHOTS) {
      this.stream.emit('warning', { kind: 'limit', limit: 'snapshots', sample: `channel ${channel}` })
      return Promise.reject(new Error(`${MAX_PENDING_SNAPSHOTS} pictures are already being fetched`))
    }
    const fetch = this.http
      .cgi(`/cgi-bin/snapshot.cgi?channel=${channel}`, {
        signal,
        maxBytes: this.options.maxSnapshotBytes ?? DEFAULT_SNAPSHOT_BYTES,
      })
      .then(({ status, body }) => {
        // A JPEG starts with FF D8; some firmware answers 200 with an error text instead.
        if (status !== 200 || body[0] !== 0xff || body[1] !== 0xd8) {
          throw new Error(status === 200 ? 'not a JPEG' : `HTTP ${status}`)
        }
        // Door stations' trailer and a comment of the wrong length go: a strict decoder refuses either.
        return cleanJpeg(body)
      })
    const shared = fetch.finally(() => this.snapshots.delete(channel))
    this.snapshots.set(channel, shared)
    return shared
  }
}
