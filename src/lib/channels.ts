// SPDX-License-Identifier: Apache-2.0
// A device's video channels as the editor offers them: each channel's name (`ChannelTitle`) and, on a recorder,
// the camera set up on it (`RemoteDevice`). Read through the device's one HTTP session (its login budget, its two
// call slots), kept until the editor asks for a fresh list.

import { MAX_CAPABILITY_CHANNELS, MAX_CODE_CHARS, MAX_CONFIG_ANSWER_BYTES } from './limits'
import type { HttpSession } from './session/http-session'
import { parseChannelTitles } from './stream/event-stream'
import { printable } from './text'

export interface ChannelEntry {
  /** 1-based. */
  channel: number
  /** The device's name for it; empty where it has none. */
  name: string
  /** The model of the camera a recorder has on it, where the recorder names one. */
  model?: string
  /** Whether a recorder has a camera set up and enabled on it (`Enable`); absent where the device does not say. */
  connected?: boolean
}

/**
 * What a recorder answers for its camera slots, and what its `DeviceType` names only a class of device: "IP Camera"
 * and "IPC" on a DHI-NVR5464 (fixture nvr5464-remotedevice-devicetype.txt), which would name every channel alike.
 */
const NOT_A_MODEL = /^(ip ?camera|ipc)$/i

/**
 * `RemoteDevice` lines (`table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_6.DeviceType=B451AJ`, fixtures
 * nvr-n843a8-remotedevice-devicetype.txt and nvr5464-remotedevice-enable.txt) as 0-based slot -> model and enabled.
 * The slot is the 0-based channel (rr#669: slots 0-7 are channels 1-8). Only real channels are kept (limits.ts).
 */
export function parseRemoteDevices(text: string): Map<number, { model?: string; connected?: boolean }> {
  const slots = new Map<number, { model?: string; connected?: boolean }>()
  for (const match of text.matchAll(
    /^table\.RemoteDevice\.[^.=\r\n]*_(\d{1,4})\.(DeviceType|Enable)=([^\r\n]*)$/gm,
  )) {
    const index = Number(match[1])
    if (index >= MAX_CAPABILITY_CHANNELS) continue
    const slot = slots.get(index) ?? {}
    const value = printable(match[3] ?? '')
      .trim()
      .slice(0, MAX_CODE_CHARS)
    if (match[2] === 'Enable') {
      slot.connected = value.toLowerCase() === 'true'
    } else if (value && !NOT_A_MODEL.test(value)) {
      slot.model = value
    }
    slots.set(index, slot)
  }
  return slots
}

/** The channel list from the two answers: every channel either names, in order, at most MAX_CAPABILITY_CHANNELS. */
export function channelEntries(titles: string | undefined, remote: string | undefined): ChannelEntry[] {
  const names = parseChannelTitles(titles ?? '')
  const slots = parseRemoteDevices(remote ?? '')
  const indexes = [...new Set([...names.keys(), ...slots.keys()])]
    .filter((index) => index < MAX_CAPABILITY_CHANNELS)
    .sort((a, b) => a - b)
  return indexes.map((index) => ({ channel: index + 1, name: names.get(index) ?? '', ...slots.get(index) }))
}

/** A table the device refused to give this user: said, not taken for "the device has no names". */
export class ChannelsRefused extends Error {
  override readonly name = 'ChannelsRefused'
  constructor(readonly status: number) {
    super(`the device refused to list its channels (HTTP ${status})`)
  }
}

/** A refresh asked for within this long of the last read gets that read: a viewer in a loop costs the device nothing. */
export const REFRESH_EVERY_MS = 10_000

export class ChannelList {
  private kept: ChannelEntry[] | undefined
  private keptAt = 0
  private reading: Promise<ChannelEntry[]> | undefined

  constructor(
    private readonly http: HttpSession,
    private readonly signal: AbortSignal,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The list, read once and kept; `refresh`: read anew, unless it was read within REFRESH_EVERY_MS (a list being
   * read now is fresh enough too, and shared).
   */
  list(refresh = false): Promise<ChannelEntry[]> {
    if (this.kept && (!refresh || this.now() - this.keptAt < REFRESH_EVERY_MS))
      return Promise.resolve(this.kept)
    this.reading ??= this.read().finally(() => {
      this.reading = undefined
    })
    return this.reading
  }

  private async read(): Promise<ChannelEntry[]> {
    const titles = await this.table('ChannelTitle')
    // Without camera slots (a camera, a recorder that refuses or whose answer is too large) names are still worth
    // offering; only a stop of the device ends the read.
    const remote = await this.table('RemoteDevice').catch((err: unknown) => {
      if (this.signal.aborted) throw err
      return undefined
    })
    const list = channelEntries(titles, remote)
    this.kept = list
    this.keptAt = this.now()
    return list
  }

  /** A table's answer; undefined where the device has no such table (an error status or an `Error` body). */
  private async table(name: string): Promise<string | undefined> {
    const { status, body } = await this.http.cgi(`/cgi-bin/configManager.cgi?action=getConfig&name=${name}`, {
      signal: this.signal,
      maxBytes: MAX_CONFIG_ANSWER_BYTES,
    })
    if (status === 401 || status === 403) throw new ChannelsRefused(status)
    const text = body.toString('utf8')
    return status === 200 && !/^\s*Error/i.test(text) ? text : undefined
  }
}
