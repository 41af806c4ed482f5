// SPDX-License-Identifier: Apache-2.0
// The camera's own lights and picture profile: the white light and its mode, infrared, and day/night (colour,
// black-and-white, auto), through `configManager.cgi` tables, each write read back (docs/devices.md, white
// light, infrared, day-night).

import { ControlError } from './control-error'
import type { ControlRequest, DayNight, Mode } from './controls'
import type { Transport } from './transport'

/** The device's modes for a light row (`Lighting_V2`/`Lighting` `.Mode`). */
const LIGHT_MODE: Record<Mode, string> = { auto: 'Auto', on: 'Manual', off: 'Off' }
/** `VideoInOptions[ch].DayNightColor`: 0 colour, 1 by brightness, 2 black-and-white ([RC], [PA] video.py). */
const DAY_NIGHT_COLOR: Record<DayNight, string> = { color: '0', auto: '1', 'black-white': '2' }
/** Lorex's `NightOptions.SwitchMode`: 0 day (colour), 3 night ([RC], rr PR#327); no source gives its auto. */
const SWITCH_MODE: Partial<Record<DayNight, string>> = { color: '0', 'black-white': '3' }

export interface LightChange {
  mode: Mode
  checked: 'checked' | 'unverified'
  /** What a timed light goes back to. */
  restore: Map<string, string>
}

export class Lights {
  /** The lighting scheme a dual-light camera had before its white light was turned on, by `channel/profile`. */
  private readonly schemes = new Map<string, string>()

  constructor(private readonly transport: Transport) {}

  /**
   * White light: `Lighting_V2[ch][profile][row].Mode` = Auto | Manual | Off, in the row whose `LightType` is
   * `WhiteLight` (not always row 0, rr#570), in the profiles in use. A dual-light camera shines white only with
   * `LightingScheme=WhiteMode` as well (rr PR#656, rr#647): both go in one setConfig.
   */
  async white(request: ControlRequest, mode: Mode): Promise<LightChange> {
    const ch = request.channel - 1
    const rows = await this.transport.fresh('Lighting_V2')
    const profiles = await this.profilesInUse(ch)
    const index = rowOf(rows, ch, profiles, 'WhiteLight')
    if (index === undefined) throw new ControlError('unsupported', { action: request.action })
    const writes = new Map<string, string>()
    const restore = new Map<string, string>()
    const schemes = (await this.transport.table('LightingScheme'))
      ? await this.transport.fresh('LightingScheme')
      : undefined
    for (const profile of profiles) {
      const field = `Lighting_V2[${ch}][${profile}][${index}].Mode`
      restore.set(field, rows?.get(field) ?? 'Auto')
      writes.set(field, LIGHT_MODE[mode])
      const scheme = `LightingScheme[${ch}][${profile}].LightingMode`
      const current = schemes?.get(scheme)
      if (current !== undefined) {
        restore.set(scheme, current)
        if (mode === 'on') {
          if (current !== 'WhiteMode') this.schemes.set(`${ch}/${profile}`, current)
          writes.set(scheme, 'WhiteMode')
        } else if (mode === 'off' && current === 'WhiteMode' && this.schemes.has(`${ch}/${profile}`)) {
          writes.set(scheme, this.schemes.get(`${ch}/${profile}`) as string)
        }
      }
    }
    return { mode, checked: await this.transport.setAndCheck(request, writes), restore }
  }

  /**
   * Infrared: v1 `Lighting[ch][profile].Mode` first, and v2's `InfraredLight` row only where v1 is refused or
   * absent: rroller measured that a v2 write can change the config and not the LEDs (rr#647, [RT]
   * test_driving_infrared_through_lighting_v2.py). A timeout is not a refusal: it is thrown.
   */
  async infrared(request: ControlRequest, mode: Mode): Promise<LightChange> {
    const ch = request.channel - 1
    const profiles = await this.profilesInUse(ch)
    const legacy = await this.transport.fresh('Lighting')
    const v1 = profiles.map((p) => `Lighting[${ch}][${p}].Mode`)
    if (legacy && v1.every((field) => legacy.has(field))) {
      try {
        const writes = new Map(v1.map((field) => [field, LIGHT_MODE[mode]]))
        const restore = new Map(v1.map((field) => [field, legacy.get(field) ?? 'Auto']))
        return { mode, checked: await this.transport.setAndCheck(request, writes), restore }
      } catch (err) {
        if (!(err instanceof ControlError && (err.key === 'refused' || err.key === 'unsupported'))) throw err
      }
    }
    const rows = await this.transport.fresh('Lighting_V2')
    const index = rowOf(rows, ch, profiles, 'InfraredLight')
    if (index === undefined) throw new ControlError('unsupported', { action: request.action })
    const fields = profiles.map((p) => `Lighting_V2[${ch}][${p}][${index}].Mode`)
    const writes = new Map(fields.map((field) => [field, LIGHT_MODE[mode]]))
    const restore = new Map(fields.map((field) => [field, rows?.get(field) ?? 'Auto']))
    return { mode, checked: await this.transport.setAndCheck(request, writes), restore }
  }

  /**
   * Colour, black-and-white or auto: `VideoInOptions[ch].DayNightColor` (0, 2, 1), or on Lorex recorders
   * `VideoInOptions[ch].NightOptions.SwitchMode` (0 day, 3 night): a value written into the other table is
   * accepted and does nothing, so only the field the device has is written ([RC], rr PR#327).
   */
  async dayNight(request: ControlRequest, wanted: DayNight): Promise<'checked' | 'unverified'> {
    const ch = request.channel - 1
    const options = await this.transport.fresh('VideoInOptions')
    const color = `VideoInOptions[${ch}].DayNightColor`
    const lorex = `VideoInOptions[${ch}].NightOptions.SwitchMode`
    if (options?.has(color)) {
      return this.transport.setAndCheck(request, new Map([[color, DAY_NIGHT_COLOR[wanted]]]))
    }
    const mode = SWITCH_MODE[wanted]
    if (options?.has(lorex) && mode !== undefined) {
      return this.transport.setAndCheck(request, new Map([[lorex, mode]]))
    }
    throw new ControlError('unsupported', { action: request.action })
  }

  /** Writes what a timed light goes back to (checked as any write). */
  async restore(request: ControlRequest, fields: Map<string, string>): Promise<void> {
    await this.transport.setConfig(request, fields)
  }

  /**
   * The profiles a light is written in ([RCO] read_profile_mode): `Config[0]=2` is profile 2 whatever
   * `ConfigEx` says; an IL-series camera keeps `Config[0]=0` and names the live profile in `ConfigEx` (rr#582);
   * a camera that switches by time or brightness (`Mode` 1 or 2) names none, so both day and night are written
   * (rr#647, fixture ipc-videoinmode-configex.txt).
   */
  private async profilesInUse(ch: number): Promise<number[]> {
    const modes = await this.transport.fresh('VideoInMode')
    const config = modes?.get(`VideoInMode[${ch}].Config[0]`)
    const switching = !['0', '4', undefined].includes(modes?.get(`VideoInMode[${ch}].Mode`))
    if (config === '2') return [2]
    if (switching) return [0, 1]
    const ex = modes?.get(`VideoInMode[${ch}].ConfigEx`)
    if (ex === 'Day' || ex === 'Night') return [ex === 'Day' ? 0 : 1]
    return config === '0' || config === '1' ? [Number(config)] : [0, 1]
  }
}

/** The row index of the light of `type` in the first profile's rows of a channel. */
function rowOf(
  rows: Map<string, string> | undefined,
  ch: number,
  profiles: number[],
  type: string,
): string | undefined {
  const row = [...(rows ?? [])].find(
    ([k, v]) => v === type && k.startsWith(`Lighting_V2[${ch}][${profiles[0]}][`) && k.endsWith('.LightType'),
  )?.[0]
  return row === undefined ? undefined : /\]\[(\d+)\]\.LightType$/.exec(row)?.[1]
}
