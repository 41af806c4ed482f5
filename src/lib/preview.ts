// SPDX-License-Identifier: Apache-2.0
// The editor's picture preview of one device: one picture at a time, and at most one a second, shared between every
// dialog that asks meanwhile, so that dialogs left open (or a Refresh button held down) cannot keep the camera busy.

import { ChannelsRefused } from './channels'
import { AnswerTooLarge, CallTimeout, LoginsPaused } from './session/http-session'
import { printable } from './text'

/** A new preview picture is asked of the device at most this often; who asks sooner gets the last one. */
export const PREVIEW_EVERY_MS = 1000

/** Another channel's picture is being fetched, or was a moment ago: ask again shortly. */
export class PreviewBusy extends Error {
  override readonly name = 'PreviewBusy'
  constructor(readonly retryInMs: number) {
    super('another picture of this device is being fetched')
  }
}

export class PreviewGate {
  private last: { channel: number; at: number; image: Promise<Buffer> } | undefined
  private busy = false

  constructor(
    private readonly take: (channel: number) => Promise<Buffer>,
    private readonly now: () => number = Date.now,
    private readonly everyMs = PREVIEW_EVERY_MS,
  ) {}

  picture(channel: number): Promise<Buffer> {
    const last = this.last
    const since = last ? this.now() - last.at : Infinity
    if (last && (this.busy || since < this.everyMs)) {
      return last.channel === channel
        ? last.image
        : Promise.reject(new PreviewBusy(Math.max(0, this.everyMs - since)))
    }
    this.busy = true
    const entry = { channel, at: this.now(), image: this.take(channel) }
    this.last = entry
    // Once its second is over nobody is given this picture: not kept (up to the snapshot limit, 5 MiB) until
    // the next preview or a redeploy.
    const forget = (): void => {
      this.busy = false
      setTimeout(
        () => {
          if (this.last === entry) this.last = undefined
        },
        Math.max(0, this.everyMs - (this.now() - entry.at)),
      ).unref()
    }
    // Nobody may be left to hear how it ended.
    entry.image.then(forget, forget)
    return entry.image
  }
}

/** Why there is no picture, as a word the editor translates (`reason`), and the device's own words (`detail`). */
export function previewFailure(err: unknown): { reason: string; detail: string } {
  const detail = err instanceof Error ? printable(err.message).slice(0, 200) : ''
  const reason =
    err instanceof PreviewBusy
      ? 'busy'
      : err instanceof AnswerTooLarge
        ? 'too-large'
        : err instanceof LoginsPaused
          ? 'paused'
          : err instanceof CallTimeout
            ? 'timeout'
            : err instanceof ChannelsRefused || /^HTTP 40[13]$/.test(detail)
              ? 'refused'
              : /^HTTP \d+$|^not a JPEG$/.test(detail)
                ? 'no-picture'
                : 'failed'
  return { reason, detail }
}
