// SPDX-License-Identifier: Apache-2.0
// The camera's own lights and picture profile: the white light and its mode, infrared, and day/night (colour,
// black-and-white, auto), through `configManager.cgi` tables, each write read back (docs/devices.md, white
// light, infrared, day-night).

import { ControlError } from './control-error'
import type { ControlRequest, DayNight, Mode } from './controls'
import type { Checked, Transport } from './transport'

/** The device's modes for a light row (`Lighting_V2`/`Lighting` `.Mode`). */
const LIGHT_MODE: Record<Mode, string> = { auto: 'Auto', on: 'Manual', off: 'Off' }
/** `VideoInOptions[ch].DayNightColor`: 0 colour, 1 by brightness, 2 black-and-white ([RC], [PA] video.py). */
const DAY_NIGHT_COLOR: Record<DayNight, string> = { color: '0', auto: '1', 'black-white': '2' }
/** Lorex's `NightOptions.SwitchMode`: 0 day (colour), 3 night ([RC], rr PR#327); no source gives its auto. */
const SWITCH_MODE: Partial<Record<DayNight, string>> = { color: '0', 'black-white': '3' }

export interface LightChange {
  mode: Mode
  checked: Checked
  /** Puts back what the light was before (a timed light's end). */
  restore: () => Promise<unknown>
}

/** A dual-light camera's white light in one profile: its scheme and its row's mode. */
interface Dual {
  profile: number
  scheme: string
  mode: string
}

export class Lights {
  /** The lighting scheme a dual-light camera had before its white light was turned on, by `channel/profile`. */
  private readonly schemes = new Map<string, string>()
  /** The whole-table writes of dual-light cameras, one after another. */
  private tables: Promise<unknown> = Promise.resolve()

  constructor(private readonly transport: Transport) {}

  /**
   * White light: `Lighting_V2[ch][profile][row].Mode` = Auto | Manual | Off, in the row whose `LightType` is
   * `WhiteLight` (not always row 0, rr#570), in the profiles in use. A dual-light camera (one with a
   * `LightingScheme`) shines white only with `LightingScheme=WhiteMode` as well (rr PR#656, rr#647), and only
   * when both complete tables come in one RPC2 transaction: partial CGI writes are accepted and light nothing
   * (rroller client.py `async_set_lighting_scheme_illuminator`, IPC-Color4M-TZ). Without RPC2 the CGI write is
   * sent and said as unverified, as no table can show whether it lit.
   */
  async white(request: ControlRequest, mode: Mode): Promise<LightChange> {
    const ch = request.channel - 1
    const rows = await this.transport.fresh('Lighting_V2', `Lighting_V2[${ch}]`)
    const profiles = await this.profilesInUse(ch)
    const index = rowOf(rows, ch, profiles, 'WhiteLight')
    if (index === undefined) throw new ControlError('unsupported', { action: request.action })
    const dual = (await this.transport.table('LightingScheme')) !== undefined
    if (dual) {
      const change = await this.whiteOverRpc2(request, ch, profiles, Number(index), mode)
      if (change) return change
    }
    const writes = new Map<string, string>()
    const restore = new Map<string, string>()
    const schemes = dual ? await this.transport.fresh('LightingScheme', `LightingScheme[${ch}]`) : undefined
    for (const profile of profiles) {
      const field = `Lighting_V2[${ch}][${profile}][${index}].Mode`
      restore.set(field, rows?.get(field) ?? 'Auto')
      writes.set(field, LIGHT_MODE[mode])
      const scheme = `LightingScheme[${ch}][${profile}].LightingMode`
      const current = schemes?.get(scheme)
      if (current !== undefined) {
        restore.set(scheme, current)
        writes.set(scheme, this.schemeFor(ch, profile, current, mode))
      }
    }
    const checked = await this.transport.setAndCheck(request, writes)
    return {
      mode,
      checked: dual ? 'unverified' : checked,
      restore: () => this.transport.setConfig(request, restore),
    }
  }

  /** The scheme a profile is given: WhiteMode to shine, back to what it had when turned off. */
  private schemeFor(ch: number, profile: number, current: string, mode: Mode): string {
    const key = `${ch}/${profile}`
    if (mode === 'on') {
      if (current !== 'WhiteMode') this.schemes.set(key, current)
      return 'WhiteMode'
    }
    return mode === 'off' && current === 'WhiteMode' ? (this.schemes.get(key) ?? current) : current
  }

  /**
   * The dual-light write over RPC2: both tables read whole, the scheme and the row's mode changed in each
   * profile, both written in one `system.multicall`, then read back. Undefined where the device has no RPC2.
   */
  private async whiteOverRpc2(
    request: ControlRequest,
    ch: number,
    profiles: number[],
    row: number,
    mode: Mode,
  ): Promise<LightChange | undefined> {
    const before = await this.readDual(request, ch, profiles, row)
    if (!before) return undefined
    const wanted = before.map((d) => ({
      profile: d.profile,
      scheme: this.schemeFor(ch, d.profile, d.scheme, mode),
      mode: LIGHT_MODE[mode],
    }))
    const checked = await this.writeDual(request, ch, row, wanted)
    if (checked === undefined) return undefined
    return { mode, checked, restore: () => this.writeDual(request, ch, row, before) }
  }

  private async readDual(
    request: ControlRequest,
    ch: number,
    profiles: number[],
    row: number,
  ): Promise<Dual[] | undefined> {
    const tables = await this.dualTables()
    if (!tables) return undefined
    return profiles.map((profile) => {
      const scheme = at(tables.scheme, ch, profile) as { LightingMode?: unknown } | undefined
      const light = at(tables.lighting, ch, profile, row) as
        { Mode?: unknown; LightType?: unknown } | undefined
      if (
        typeof scheme?.LightingMode !== 'string' ||
        typeof light?.Mode !== 'string' ||
        light.LightType !== 'WhiteLight'
      ) {
        throw new ControlError('unsupported', { action: request.action })
      }
      return { profile, scheme: scheme.LightingMode, mode: light.Mode }
    })
  }

  /**
   * Writes both tables whole with these profiles changed, in one transaction, and reads them back. One at a time
   * per device: two such writes side by side (two channels, or light and light-mode) would each put back what
   * the other changed.
   */
  private writeDual(
    request: ControlRequest,
    ch: number,
    row: number,
    wanted: Dual[],
  ): Promise<Checked | undefined> {
    const write = this.tables.then(() => this.writeDualNow(request, ch, row, wanted))
    this.tables = write.catch(() => undefined)
    return write
  }

  private async writeDualNow(
    request: ControlRequest,
    ch: number,
    row: number,
    wanted: Dual[],
  ): Promise<Checked | undefined> {
    const tables = await this.dualTables()
    if (!tables) return undefined
    for (const { profile, scheme, mode } of wanted) {
      const s = at(tables.scheme, ch, profile) as Record<string, unknown> | undefined
      const l = at(tables.lighting, ch, profile, row) as Record<string, unknown> | undefined
      if (!s || !l) throw new ControlError('unsupported', { action: request.action })
      s.LightingMode = scheme
      l.Mode = mode
    }
    const done = await this.transport.rpc2Together([
      {
        method: 'configManager.setConfig',
        params: { name: 'LightingScheme', table: tables.scheme, options: [] },
      },
      {
        method: 'configManager.setConfig',
        params: { name: 'Lighting_V2', table: tables.lighting, options: [] },
      },
    ])
    if (!done) throw new ControlError('refused', { action: request.action })
    const now = await this.readDual(
      request,
      ch,
      wanted.map((w) => w.profile),
      row,
    )
    const off = wanted.find((w, i) => now?.[i]?.mode !== w.mode || now?.[i]?.scheme !== w.scheme)
    if (off) {
      const state = now?.find((d) => d.profile === off.profile)
      throw new ControlError('not-applied', { action: request.action, state: state?.mode ?? '?' })
    }
    return 'checked'
  }

  private async dualTables(): Promise<{ scheme: unknown[]; lighting: unknown[] } | undefined> {
    const scheme = (await this.transport.rpc2('configManager.getConfig', { name: 'LightingScheme' }))?.params
      ?.table
    const lighting = (await this.transport.rpc2('configManager.getConfig', { name: 'Lighting_V2' }))?.params
      ?.table
    return Array.isArray(scheme) && Array.isArray(lighting) ? { scheme, lighting } : undefined
  }

  /**
   * Infrared: v1 `Lighting[ch][profile].Mode` first, and v2's `InfraredLight` row only where v1 is refused or
   * absent: rroller measured that a v2 write can change the config and not the LEDs (rr#647, [RT]
   * test_driving_infrared_through_lighting_v2.py). A timeout is not a refusal: it is thrown.
   */
  async infrared(request: ControlRequest, mode: Mode): Promise<LightChange> {
    const ch = request.channel - 1
    const profiles = await this.profilesInUse(ch)
    const legacy = await this.transport.fresh('Lighting', `Lighting[${ch}]`)
    const v1 = profiles.map((p) => `Lighting[${ch}][${p}].Mode`)
    if (legacy && v1.every((field) => legacy.has(field))) {
      try {
        const writes = new Map(v1.map((field) => [field, LIGHT_MODE[mode]]))
        const restore = new Map(v1.map((field) => [field, legacy.get(field) ?? 'Auto']))
        const checked = await this.transport.setAndCheck(request, writes)
        return { mode, checked, restore: () => this.transport.setConfig(request, restore) }
      } catch (err) {
        if (!(err instanceof ControlError && (err.key === 'refused' || err.key === 'unsupported'))) throw err
      }
    }
    const rows = await this.transport.fresh('Lighting_V2', `Lighting_V2[${ch}]`)
    const index = rowOf(rows, ch, profiles, 'InfraredLight')
    if (index === undefined) throw new ControlError('unsupported', { action: request.action })
    const fields = profiles.map((p) => `Lighting_V2[${ch}][${p}][${index}].Mode`)
    const writes = new Map(fields.map((field) => [field, LIGHT_MODE[mode]]))
    const restore = new Map(fields.map((field) => [field, rows?.get(field) ?? 'Auto']))
    const checked = await this.transport.setAndCheck(request, writes)
    return { mode, checked, restore: () => this.transport.setConfig(request, restore) }
  }

  /**
   * Colour, black-and-white or auto: `VideoInOptions[ch].DayNightColor` (0, 2, 1), or on Lorex recorders
   * `VideoInOptions[ch].NightOptions.SwitchMode` (0 day, 3 night): a value written into the other table is
   * accepted and does nothing, so only the field the device has is written ([RC], rr PR#327).
   */
  async dayNight(request: ControlRequest, wanted: DayNight): Promise<Checked> {
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

/** `table[a][b]…` of a nested RPC2 table, or undefined. */
function at(table: unknown, ...path: number[]): unknown {
  return path.reduce<unknown>((node, i) => (Array.isArray(node) ? node[i] : undefined), table)
}
