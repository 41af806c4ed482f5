// SPDX-License-Identifier: Apache-2.0
// PTZ presets and moves through `ptz.cgi` (rroller client.py; docs/devices.md, PTZ): only where the camera says
// it can (`caps.Preset`, `caps.Pan`, `caps.Tile`, `caps.Zoom`), numbered as the device wants, and a move always
// told to stop.

import { ControlError } from './control-error'
import type { ControlRequest, Direction } from './controls'
import type { Transport } from './transport'

const PTZ_CODE: Record<Direction, string> = {
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  'zoom-in': 'ZoomTele',
  'zoom-out': 'ZoomWide',
}

export interface PtzCaps {
  presets: boolean
  moves: boolean
  presetMax: number
}

export class Ptz {
  /** The `channel=` each video channel's commands took, once one was accepted. */
  private readonly numbering = new Map<number, number>()

  constructor(
    private readonly transport: Transport,
    /** How many video channels the device has: a second numbering is tried only on a one-channel camera. */
    private readonly channelCount: () => Promise<number>,
  ) {}

  /**
   * What a channel's PTZ can do. A recorder answers every channel, fixed cameras with `Preset=false ...
   * Pan=false` (rr#603), and Dahua's own example pairs `PresetMax=80` with `Pan=false`: `PresetMax` alone is
   * no PTZ. Recorders number from 1 ([DB]); a direct camera is asked on 0, then 1 (2024+ PT cameras answer 400
   * to 0: rr#525, rr#586, fixture pt-sd2a500nb-ptz-gotopreset-channel0-400.txt).
   */
  async caps(channel: number): Promise<PtzCaps | undefined> {
    for (const ptzChannel of await this.candidates(channel)) {
      const caps = await this.transport.learn(
        `ptz/${channel}/${ptzChannel}`,
        `/cgi-bin/ptz.cgi?action=getCurrentProtocolCaps&channel=${ptzChannel}`,
        (k) => /^caps\.(Preset|Pan|Tile|Tilt|Zoom|PresetMax)$/.test(k),
      )
      if (caps) {
        const yes = (key: string): boolean => caps.get(`caps.${key}`) === 'true'
        const presetMax = Number(caps.get('caps.PresetMax'))
        const result = {
          presets: yes('Preset'),
          moves: yes('Pan') || yes('Tile') || yes('Tilt') || yes('Zoom'),
          presetMax: presetMax > 0 ? presetMax : 255,
        }
        return result.presets || result.moves ? result : undefined
      }
    }
    return undefined
  }

  async run(request: ControlRequest, preempted: AbortSignal, aborted: AbortSignal): Promise<number | string> {
    const caps = await this.caps(request.channel)
    const { value } = request
    if (value.kind === 'preset') {
      if (!caps?.presets) throw new ControlError('no-ptz', { action: request.action })
      if (value.preset > caps.presetMax) {
        throw new ControlError('preset-max', { preset: value.preset, max: caps.presetMax })
      }
      await this.command(request, `action=start&code=GotoPreset&arg1=0&arg2=${value.preset}&arg3=0`)
      return value.preset
    }
    if (value.kind !== 'move') throw new ControlError('answer')
    if (!caps?.moves) throw new ControlError('no-ptz', { action: request.action })
    const { direction, speed, seconds } = value.move
    const code = `code=${PTZ_CODE[direction]}&arg1=0&arg2=${speed}&arg3=0`
    let started = false
    try {
      await this.command(request, `action=start&${code}`)
      started = true
      await sleep(seconds * 1000, preempted, aborted)
    } finally {
      // Always told to stop, even when Node-RED is closing, and even when closing cut the start's answer off: the
      // camera may have started, and a camera left moving turns until its end stop. A start that failed keeps its
      // own error.
      await this.command(request, `action=stop&${code}`, true).catch((err: unknown) => {
        if (started) throw err
      })
    }
    return direction
  }

  /**
   * A command on the channel numbering that worked before; the first time, on each candidate in turn while
   * the device answers 400 ("not this channel"), not by believing whichever caps answer came first.
   */
  private async command(request: ControlRequest, query: string, closing = false): Promise<void> {
    const known = this.numbering.get(request.channel)
    const candidates = known === undefined ? await this.candidates(request.channel) : [known]
    let last: unknown
    for (const ptzChannel of candidates) {
      try {
        await this.transport.write(request, `/cgi-bin/ptz.cgi?channel=${ptzChannel}&${query}`, closing)
        this.numbering.set(request.channel, ptzChannel)
        return
      } catch (err) {
        if (!(err instanceof ControlError && err.key === 'unsupported' && err.params.status === 400))
          throw err
        last = err
      }
    }
    throw last
  }

  /**
   * A recorder's camera N is `channel=N`; a direct camera's is N-1, and on a one-channel camera also 1 (2024+ PT
   * models). On a camera with several lenses `channel=N` is the next lens: never tried there.
   */
  private async candidates(channel: number): Promise<number[]> {
    if (await this.transport.isRecorder()) return [channel]
    return channel === 1 && (await this.channelCount()) === 1 ? [0, 1] : [channel - 1]
  }
}

/** Waits `ms`, or less when either signal aborts. */
function sleep(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    for (const signal of signals) {
      if (signal.aborted) done()
      signal.addEventListener('abort', done, { once: true })
    }
    function done(): void {
      clearTimeout(timer)
      for (const signal of signals) signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
