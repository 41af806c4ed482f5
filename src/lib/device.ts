// SPDX-License-Identifier: Apache-2.0
// One device, and everything that talks to it: its one HTTP session (and so its one login budget and its two
// call slots), its one RPC2 session, its pictures, and the three parts the nodes use: the event stream
// (stream/), acting on the device (act/device-control.ts) and its doors and calls (act/door-control.ts).
// A redeploy is close() on the old device and a new one. It knows nothing of Node-RED.

import { setMaxListeners } from 'node:events'
import { DeviceControl } from './act/device-control'
import { DoorControl } from './act/door-control'
import { ChannelList } from './channels'
import { DEFAULT_SNAPSHOT_BYTES, MAX_PENDING_SNAPSHOTS } from './limits'
import { HttpSession } from './session/http-session'
import { cleanJpeg } from './session/jpeg'
import { DEFAULT_TIMING, boundedTiming, type Timing } from './session/policy'
import { Rpc2Session } from './session/rpc2'
import { PreviewGate } from './preview'
import { EventStream } from './stream/event-stream'
import { RecentEvents } from './stream/recent'
import { deviceReport } from './report'
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

/**
 * Pictures that failed in a row (errors, or taken longer than every caller waited) before they pause: one or two
 * are a busy camera; three say the link or the camera cannot deliver them in time now (network-faults.md 4).
 */
export const PICTURE_FAILURES = 3

/**
 * How long pictures pause then. Each failed picture held its Start back for its whole wait, and its download
 * competed with the event stream on a slow link; a minute lets a passing load or Wi-Fi dip go by, and costs one
 * Start's wait per minute to find out whether pictures work again. A success (any caller's) ends the pause.
 */
export const PICTURE_PAUSE_MS = 60_000

/** A picture and when it was asked of the camera: it shows that moment or a little later. */
export interface Picture {
  image: Buffer
  askedAt: number
}

/** What a caller that waits for a picture on an event's behalf (a Start) asks. */
export interface PictureWait {
  /** When the event arrived: a fetch asked for before it is not shared, its picture may show an earlier moment. */
  notBefore: number
  /** How long the caller waits; then it gives up. */
  waitMs: number
  /** The caller is gone (its node closes): it gives up at once. */
  signal?: AbortSignal
}

/** No picture within the caller's wait. */
export class PictureTimeout extends Error {
  override readonly name = 'PictureTimeout'
  constructor(readonly waitMs: number) {
    super(`no picture within ${waitMs} ms`)
  }
}

/** Pictures of this device are paused after `failures` failures in a row, until `until`: nothing was asked. */
export class PicturesPaused extends Error {
  override readonly name = 'PicturesPaused'
  constructor(
    readonly until: number,
    readonly failures: number,
  ) {
    super(`pictures are paused after ${failures} failures in a row`)
  }
}

/** One request for a channel's picture, and how many callers still wait for it. */
interface Fetch {
  channel: number
  askedAt: number
  /** Callers still waiting; callers without a wait (a control node) never leave. */
  waiters: number
  abort: AbortController
  /** The last caller gave up because its wait ran out: the picture failed, it was not just unwanted. */
  gaveUp: boolean
  /** Its end counts towards the pause of pictures (or ends one): a flow's caller asked for it, or joined it. */
  counts: boolean
  result: Promise<Picture>
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
  /** Its channels' names and cameras, for the editor (channels.ts). */
  readonly channels: ChannelList
  /** The editor's picture preview, one at a time and at most one a second (preview.ts). */
  readonly preview: PreviewGate
  /** The last events and health message, for the device report. */
  readonly recent = new RecentEvents()
  /** Pictures being fetched, of every channel. */
  private readonly fetches = new Set<Fetch>()
  /** Pictures failed in a row, and until when they are paused (PICTURE_FAILURES, PICTURE_PAUSE_MS). */
  private pictureFailures = 0
  private picturesPausedUntil = 0
  private readonly now: () => number
  /** Aborts what runs outside a stream (a control node's snapshot, RPC2 calls) when the device closes. */
  private readonly closing = new AbortController()

  constructor(private readonly options: DeviceOptions) {
    this.timing = boundedTiming({ ...DEFAULT_TIMING, ...options.timing })
    // Control and door calls listen to it, as many as wait (MAX_CONTROL_WAITING): bounded, so Node's warning past
    // 10 listeners would only be noise in the log.
    setMaxListeners(0, this.closing.signal)
    const now = options.now ?? Date.now
    this.now = now
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
    this.stream.on('event', (event, at) => this.recent.add(event, at))
    this.stream.on('health', (health) => (this.recent.health = health))
    this.rpc2 = new Rpc2Session(this.http, options.credentials, this.closing.signal)
    this.control = new DeviceControl(this.http, this.rpc2, {
      snapshot: (channel) => this.snapshot(channel),
      sirenRepeatMs: this.timing.sirenRepeatMs,
      cgiTimeoutMs: this.timing.cgiTimeoutMs,
      absentForMs: this.timing.absentForMs,
      report: () => this.report(),
    })
    this.door = new DoorControl(this.http, this.rpc2)
    this.channels = new ChannelList(this.http, this.closing.signal, now)
    this.preview = new PreviewGate(
      (channel) => this.picture(channel, undefined, false).then((p) => p.image),
      now,
    )
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

  /** The device report (report.ts): one text for a bug report, with no secret in it. */
  report(): Promise<string> {
    return deviceReport(this, this.options.address, this.closing.signal)
  }

  /** Pictures are paused after failures: until when, and after how many (undefined while they are not). */
  get picturesPaused(): { until: number; failures: number } | undefined {
    return this.now() < this.picturesPausedUntil
      ? { until: this.picturesPausedUntil, failures: this.pictureFailures }
      : undefined
  }

  /**
   * A clean JPEG of the channel (1-based), for a caller that asked for it and waits as long as it takes (a control
   * node's or a door node's `snapshot`): asked for now, never paused (its success ends a pause), within the CGI
   * call's own limit.
   */
  snapshot(channel: number): Promise<Buffer> {
    return this.picture(channel).then((picture) => picture.image)
  }

  /**
   * A clean JPEG (jpeg.ts) of the channel (1-based) from `snapshot.cgi`, and when it was asked for. Callers share a
   * fetch of the channel only if it was asked for at or after their `notBefore`: a Start never gets a picture
   * asked for before it happened. A caller with a `wait` gives up when its wait runs out or its signal aborts, and
   * a fetch every caller gave up on is aborted, so that its download does not fill a slow link ahead of the event
   * stream (network-faults.md 4). While pictures are paused after failures, such a caller is told at once.
   * Every fetch is aborted when the stream stops, or (with no stream, for a control node) when the device closes.
   */
  picture(channel: number, wait?: PictureWait, counts = true): Promise<Picture> {
    const signal = this.stream.signal ?? this.closing.signal
    if (signal.aborted || wait?.signal?.aborted) {
      return Promise.reject(new Error('closed'))
    }
    const now = this.now()
    if (wait && now < this.picturesPausedUntil) {
      return Promise.reject(new PicturesPaused(this.picturesPausedUntil, this.pictureFailures))
    }
    const notBefore = wait?.notBefore ?? now
    let fetch = [...this.fetches].find(
      (f) => f.channel === channel && f.askedAt >= notBefore && !f.abort.signal.aborted,
    )
    if (!fetch) {
      if (this.fetches.size >= MAX_PENDING_SNAPSHOTS) {
        this.stream.emit('warning', { kind: 'limit', limit: 'snapshots', sample: `channel ${channel}` })
        return Promise.reject(new Error(`${MAX_PENDING_SNAPSHOTS} pictures are already being fetched`))
      }
      fetch = this.fetch(channel, now, signal, counts)
    }
    // A flow's caller joining the editor's preview makes it count as the flow's own would.
    fetch.counts ||= counts
    fetch.waiters++
    return wait ? this.waitFor(fetch, wait) : fetch.result
  }

  /**
   * One request for the channel's picture, asked for at `askedAt`. If it `counts`, its failure counts towards the
   * pause and its success ends one; the editor's preview does not count, so that a viewer asking for a channel
   * the device lacks cannot pause the flows' pictures.
   */
  private fetch(channel: number, askedAt: number, signal: AbortSignal, counts: boolean): Fetch {
    const abort = new AbortController()
    // Not AbortSignal.any: on Node 20 every derived signal stays tied to the stream's long-lived one.
    const stop = (): void => abort.abort()
    signal.addEventListener('abort', stop, { once: true })
    const result = this.http
      .cgi(`/cgi-bin/snapshot.cgi?channel=${channel}`, {
        signal: abort.signal,
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
      .then(
        (image) => {
          if (fetch.counts) {
            this.pictureFailures = 0
            this.picturesPausedUntil = 0
          }
          return { image, askedAt }
        },
        (err: unknown) => {
          // A fetch its callers left because they closed, or that the stream's stop ended, failed nothing; one
          // they gave up on because it took longer than they wait did, as did every error of the camera's.
          if (fetch.counts && !signal.aborted && (!abort.signal.aborted || fetch.gaveUp)) {
            this.pictureFailed()
          }
          throw err
        },
      )
      .finally(() => {
        signal.removeEventListener('abort', stop)
        this.fetches.delete(fetch)
      })
    const fetch: Fetch = { channel, askedAt, waiters: 0, abort, gaveUp: false, counts, result }
    // Every caller may have given up: its end is then nobody's to hear.
    void result.catch(() => undefined)
    this.fetches.add(fetch)
    return fetch
  }

  /**
   * The picture for a caller that waits at most `wait.waitMs`: when it gives up (its wait runs out, its signal
   * aborts) and nobody else waits for the fetch, the fetch is aborted.
   */
  private waitFor(fetch: Fetch, wait: PictureWait): Promise<Picture> {
    return new Promise<Picture>((resolve, reject) => {
      let waiting = true
      const leave = (): boolean => {
        if (!waiting) return false
        waiting = false
        clearTimeout(timer)
        wait.signal?.removeEventListener('abort', closed)
        fetch.waiters--
        return true
      }
      const giveUp = (err: Error, ranOut: boolean): void => {
        if (!leave()) return
        reject(err)
        if (fetch.waiters === 0) {
          fetch.gaveUp = ranOut
          fetch.abort.abort()
        }
      }
      const closed = (): void => giveUp(new Error('closed'), false)
      const timer = setTimeout(() => giveUp(new PictureTimeout(wait.waitMs), true), wait.waitMs)
      wait.signal?.addEventListener('abort', closed, { once: true })
      void fetch.result.then(
        (picture) => {
          if (leave()) resolve(picture)
        },
        (err: unknown) => {
          if (leave()) reject(err instanceof Error ? err : new Error(String(err)))
        },
      )
    })
  }

  /** One more picture failed in a row: from the PICTURE_FAILURES-th on, pictures pause (again) for a while. */
  private pictureFailed(): void {
    this.pictureFailures++
    if (this.pictureFailures >= PICTURE_FAILURES) {
      this.picturesPausedUntil = this.now() + PICTURE_PAUSE_MS
    }
  }
}
