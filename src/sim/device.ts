// SPDX-License-Identifier: Apache-2.0
// What a simulated device can be told to do, and the state it is in afterwards: its configuration tables
// (`configManager.cgi`), deterrence outputs (`coaxialControlIO.cgi`), relays (`alarm.cgi`), PTZ (`ptz.cgi`) and
// reboots. Each profile says which of these its model has and how its model differs (acting-and-doors.md §1),
// so that the tests assert what the device did, not only what was sent to it.

/** What one model can do, and its quirks. Absent: the device refuses the endpoint, as that model does. */
export interface ControlProfile {
  /**
   * `coaxialControlIO.cgi`: a siren (Type=2) and the red/blue warning light (Type=1; rroller client.py: the
   * "white light" output drives the red/blue light on IPC-HDW3849HP-AS-PV). A recorder drives its cameras'
   * outputs only with `info[0].TriggerMode=2` (acting-and-doors.md §1 row 2).
   */
  coaxial?: { siren: boolean; warningLight: boolean; needsTriggerMode?: boolean }
  /** The siren stops by itself this long after it starts (10-15 s on real cameras; rroller client.py). */
  sirenStopsAfterMs?: number
  /**
   * `Lighting_V2[ch][profile][row]` emitters, in the model's row order: the white light is not always row 0
   * (rr#570: InfraredLight, WhiteLight, AIMixLight). `scheme`: a dual-light model whose white light shines only
   * with `LightingScheme[ch][profile].LightingMode=WhiteMode` as well (rr PR#656, rr#647).
   */
  lighting?: { rows: Array<'InfraredLight' | 'WhiteLight' | 'AIMixLight'>; scheme?: boolean }
  /** The legacy IR table `Lighting[ch][profile]` (rroller client.py `async_set_lighting_v1_mode`). */
  legacyInfrared?: boolean
  /** `VideoInMode[ch].Config[0]`: the profile in use, 0 day, 1 night, 2 normal (rroller client.py). */
  profileInUse?: 0 | 1 | 2
  /** `LeLensMask[ch].Enable` (rr#379). */
  privacy?: boolean
  /**
   * Relays (`alarm.cgi?action=getOutSlots`). `reversed`: an older relay camera where `AlarmOut[n].Mode=0` is
   * on and `1` off, where others have 0 auto, 1 on, 2 off (rr#676, rr PR#694).
   */
  alarmOutputs?: number
  alarmModes?: 'standard' | 'reversed'
  /** PTZ: the `channel=` numbering the model takes (0 on most, 1 on some PT models: rr#586) and its presets. */
  ptz?: { channelBase: 0 | 1; presetMax: number }
  motion?: boolean
  smart?: boolean
  /** IVS rules per channel, by name (`VideoAnalyseRule[ch][i]`). */
  ivsRules?: string[]
  recordMode?: boolean
  reboot?: boolean
  /**
   * How the model answers a table it does not have: 400 (an NVR refusing `LightingScheme`), 200 with an
   * empty body (rr#669), or 200 `Error` (AD110, amcrest2mqtt#17) (dahua-protocol.md 3.3).
   */
  absentTable?: 400 | 'empty' | 'error-body'
}

export interface DeviceAnswer {
  status: number
  body: string
}

const OK = { status: 200, body: 'OK\r\n' }
const BAD = { status: 400, body: 'Error\r\nBad Request!\r\n' }

export class SimulatedDevice {
  /** Configuration as the device keeps it: `Lighting_V2[0][1][1].Mode` -> `Off`. */
  readonly config = new Map<string, string>()
  /** Coaxial outputs by 0-based channel: siren and warning light on or off. */
  readonly sirens = new Map<number, boolean>()
  readonly warningLights = new Map<number, boolean>()
  /** The PTZ's last command per 0-based channel: `GotoPreset 3`, `Left` (moving), or `stopped`. */
  readonly ptz = new Map<number, string>()
  reboots = 0
  /** Control requests (not reads) answered, for tests that count what reached the device. */
  writes = 0
  /** When each channel's siren stops by itself. */
  private readonly sirenStops = new Map<number, NodeJS.Timeout>()

  constructor(
    private readonly controls: ControlProfile,
    private readonly channels: number,
  ) {
    const p = controls
    for (let ch = 0; ch < channels; ch++) {
      this.config.set(`VideoInMode[${ch}].Config[0]`, String(p.profileInUse ?? 2))
      this.config.set(`VideoInMode[${ch}].Mode`, '0')
      for (let profile = 0; profile < 3; profile++) {
        p.lighting?.rows.forEach((type, row) => {
          this.config.set(`Lighting_V2[${ch}][${profile}][${row}].LightType`, type)
          this.config.set(`Lighting_V2[${ch}][${profile}][${row}].Mode`, 'Auto')
        })
        if (p.lighting?.scheme) {
          this.config.set(`LightingScheme[${ch}][${profile}].LightingMode`, 'AIMode')
        }
        if (p.legacyInfrared) {
          this.config.set(`Lighting[${ch}][${profile}].Mode`, 'Auto')
        }
      }
      if (p.privacy) this.config.set(`LeLensMask[${ch}].Enable`, 'false')
      if (p.motion) this.config.set(`MotionDetect[${ch}].Enable`, 'true')
      if (p.smart) this.config.set(`SmartMotionDetect[${ch}].Enable`, 'true')
      p.ivsRules?.forEach((name, i) => {
        this.config.set(`VideoAnalyseRule[${ch}][${i}].Name`, name)
        this.config.set(`VideoAnalyseRule[${ch}][${i}].Enable`, 'true')
      })
      if (p.recordMode) this.config.set(`RecordMode[${ch}].Mode`, '0')
      if (p.coaxial) {
        this.sirens.set(ch, false)
        this.warningLights.set(ch, false)
      }
    }
    for (let n = 0; n < (p.alarmOutputs ?? 0); n++) {
      this.config.set(`AlarmOut[${n}].Mode`, p.alarmModes === 'reversed' ? '1' : '0')
    }
  }

  /** Whether relay n (0-based) is energised now: its Mode read the model's way (auto: not triggered here). */
  relayOn(n: number): boolean {
    const mode = this.config.get(`AlarmOut[${n}].Mode`)
    return this.controls.alarmModes === 'reversed' ? mode === '0' : mode === '1'
  }

  /** Answers a control or configuration URL, or undefined when it is none of this file's endpoints. */
  handle(url: string): DeviceAnswer | undefined {
    const [path = '', query = ''] = url.split('?', 2)
    const params = new URLSearchParams(query)
    const action = params.get('action')
    switch (path) {
      case '/cgi-bin/configManager.cgi':
        return action === 'getConfig'
          ? this.getConfig(params.get('name') ?? '')
          : action === 'setConfig'
            ? this.setConfig(params)
            : undefined
      case '/cgi-bin/coaxialControlIO.cgi':
        return this.coaxial(action, params)
      case '/cgi-bin/alarm.cgi':
        return this.alarm(action)
      case '/cgi-bin/ptz.cgi':
        return this.ptzCall(action, params)
      case '/cgi-bin/magicBox.cgi':
        if (action === 'reboot' && this.controls.reboot) {
          this.writes++
          this.reboots++
          return OK
        }
        return action === 'reboot' ? BAD : undefined
      default:
        return undefined
    }
  }

  close(): void {
    for (const timer of this.sirenStops.values()) clearTimeout(timer)
    this.sirenStops.clear()
  }

  private absent(): DeviceAnswer {
    const how = this.controls.absentTable ?? 400
    return how === 400 ? BAD : { status: 200, body: how === 'empty' ? '' : 'Error\r\n' }
  }

  private getConfig(name: string): DeviceAnswer | undefined {
    if (name === 'ChannelTitle') {
      return undefined // the simulator's own table (camera-simulator.ts)
    }
    const lines = [...this.config]
      .filter(([key]) => key.startsWith(`${name}[`) || key.startsWith(`${name}.`))
      .map(([key, value]) => `table.${key}=${value}\r\n`)
    return lines.length > 0 ? { status: 200, body: lines.join('') } : this.absent()
  }

  /** Every key must exist (a model refuses a table or field it does not have) and all are written, or none. */
  private setConfig(params: URLSearchParams): DeviceAnswer {
    const writes = [...params].filter(([key]) => key !== 'action')
    if (writes.length === 0 || writes.some(([key]) => !this.config.has(key))) {
      return this.absent()
    }
    this.writes++
    for (const [key, value] of writes) this.config.set(key, value)
    return OK
  }

  private coaxial(action: string | null, params: URLSearchParams): DeviceAnswer {
    const coaxial = this.controls.coaxial
    if (!coaxial) {
      return BAD // rr#555: `coaxialControlIO` answers 400 on a P5AE-PV
    }
    if (action === 'getStatus') {
      // 1-based here (rroller client.py asks `channel=1` of a single camera)
      const ch = Number(params.get('channel')) - 1
      if (!this.sirens.has(ch)) return BAD
      const onOff = (on: boolean | undefined): string => (on ? 'On' : 'Off')
      return {
        status: 200,
        body:
          (coaxial.siren ? `status.status.Speaker=${onOff(this.sirens.get(ch))}\r\n` : '') +
          (coaxial.warningLight ? `status.status.WhiteLight=${onOff(this.warningLights.get(ch))}\r\n` : ''),
      }
    }
    // 0-based here, as rroller's light.py passes its channel index
    const ch = Number(params.get('channel'))
    const type = params.get('info[0].Type')
    const io = params.get('info[0].IO')
    const output =
      type === '2' && coaxial.siren
        ? this.sirens
        : type === '1' && coaxial.warningLight
          ? this.warningLights
          : undefined
    if (
      action !== 'control' ||
      !output?.has(ch) ||
      (io !== '1' && io !== '2') ||
      (coaxial.needsTriggerMode === true && params.get('info[0].TriggerMode') !== '2')
    ) {
      return BAD
    }
    this.writes++
    output.set(ch, io === '1')
    if (type === '2') {
      // Started again, it sounds its full time again; stopped, it has nothing left to stop.
      clearTimeout(this.sirenStops.get(ch))
      this.sirenStops.delete(ch)
      if (io === '1') {
        const timer = setTimeout(() => {
          this.sirenStops.delete(ch)
          this.sirens.set(ch, false)
        }, this.controls.sirenStopsAfterMs ?? 10_000)
        this.sirenStops.set(ch, timer)
      }
    }
    return OK
  }

  private alarm(action: string | null): DeviceAnswer | undefined {
    const outputs = this.controls.alarmOutputs ?? 0
    switch (action) {
      case 'getOutSlots':
        return { status: 200, body: `result=${outputs}\r\n` }
      case 'getOutState': {
        // A bitmask: 1 output 1, 2 output 2, 3 both (Skinah/IpCamera#15)
        let mask = 0
        for (let n = 0; n < outputs; n++) if (this.relayOn(n)) mask |= 1 << n
        return { status: 200, body: `result=${mask}\r\n` }
      }
      default:
        return undefined
    }
  }

  private ptzCall(action: string | null, params: URLSearchParams): DeviceAnswer {
    const ptz = this.controls.ptz
    const ch = Number(params.get('channel')) - (ptz?.channelBase ?? 0)
    if (!ptz || !Number.isInteger(ch) || ch < 0 || ch >= this.channels) {
      return BAD
    }
    if (action === 'getCurrentProtocolCaps') {
      return {
        status: 200,
        body: `caps.PresetMin=1\r\ncaps.PresetMax=${ptz.presetMax}\r\ncaps.PanSpeedMax=8\r\ncaps.Tile=true\r\ncaps.Zoom=true\r\n`,
      }
    }
    const code = params.get('code') ?? ''
    if (action === 'start' && code === 'GotoPreset') {
      const preset = Number(params.get('arg2'))
      if (!(preset >= 1 && preset <= ptz.presetMax)) return BAD
      this.writes++
      this.ptz.set(ch, `GotoPreset ${preset}`)
      return OK
    }
    if (!/^(Up|Down|Left|Right|ZoomTele|ZoomWide)$/.test(code)) {
      return BAD
    }
    this.writes++
    if (action === 'start') {
      this.ptz.set(ch, code)
      return OK
    }
    if (action === 'stop') {
      this.ptz.set(ch, 'stopped')
      return OK
    }
    return BAD
  }
}
