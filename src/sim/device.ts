// SPDX-License-Identifier: Apache-2.0
// What a simulated device can be told to do, and the state it is in afterwards: its configuration tables
// (`configManager.cgi`), deterrence outputs (`coaxialControlIO.cgi`), relays (`alarm.cgi`), PTZ (`ptz.cgi`) and
// reboots, and their JSON-RPC twins where a model serves them so. Each profile says which of these its model has and how its model differs (acting-and-doors.md §1),
// so that the tests assert what the device did, not only what was sent to it.

import type { MethodReply, SimulatedRpc2 } from './rpc2'

/** What one model can do, and its quirks. Absent: the device refuses the endpoint, as that model does. */
export interface ControlProfile {
  /**
   * Coaxial deterrence outputs: a siren (Type=2) and the red/blue warning light (Type=1; rroller client.py: the
   * "white light" output drives the red/blue light on IPC-HDW3849HP-AS-PV).
   * - `recorder`: control and status take the camera's 1-based number, and control needs `TriggerMode=2`
   *   (rr PR#611 on an NVR4116HS-8P-EI; rroller test_direct_rpc2_deterrence.py). A direct camera's control takes
   *   0, its CGI status 1 (rroller client.py asks `getStatus&channel=1`, light.py controls 0).
   * - `fitted`: the 0-based channels whose camera has the outputs (all when absent). A recorder answers the status
   *   of every channel whether or not ([RT] test_coaxial_capability.py); what a control of a channel without the
   *   hardware does, no source says: it changes nothing here, so only a read-back can tell.
   * - `cgi: 501`: the CGI is not served although the camera has both outputs (IPC-HDW1849EMP-S-PV, rr#676,
   *   fixture ipc-hdw1849emp-pv-coaxial-501.txt); `rpc2`: `CoaxialControlIO.*` over RPC2 (ipcmanview
   *   coaxialcontrolio.go: `params.caps.SupportControlSpeaker` as a number, `params.status.Speaker` "On"/"Off").
   * - `cgiDown`: 0-based channels whose CGI status answers 400 now (NVR5464 channels 6 and 7, fixture
   *   nvr-coaxial-cgi-vs-rpc2-getstatus.txt, "for hours before recovering": tests change it).
   */
  coaxial?: {
    siren: boolean
    warningLight: boolean
    recorder?: boolean
    fitted?: number[]
    cgi?: 501
    rpc2?: boolean
    cgiDown?: number[]
  }
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
  /**
   * PTZ: the `channel=` numbering the model takes (0 on most, 1 on recorders ([DB], rr#592) and on 2024+ PT
   * models, which answer 400 to 0: rr#586, fixture pt-sd2a500nb-ptz-gotopreset-channel0-400.txt) and its presets.
   * `channels`: the 0-based channels that have a PTZ camera (all when absent); a recorder answers the others'
   * caps with `Preset=false Tour=false Pan=false` (rr#603, fixture nvr-ptz-caps-fixed.txt). `capsAnyChannel`:
   * caps answer on either numbering, so that only the command's 400 tells them apart (rr#586's owner quoted caps
   * on channel 1 only; a device answering both is the case where believing caps would move nothing).
   */
  ptz?: { channelBase: 0 | 1; presetMax: number; channels?: number[]; capsAnyChannel?: boolean }
  /**
   * Day/night: `VideoInOptions[ch].DayNightColor` (0 colour, 1 auto, 2 black-and-white; rroller client.py), or
   * Lorex's `NightOptions.SwitchMode` (0 day, 3 night; rr PR#327).
   */
  dayNight?: 'color' | 'lorex'
  /**
   * `VideoInMode` as an IL-series camera keeps it: `Config[0]=0`, `ConfigEx=Day`, `Mode=2`, by day and by night
   * (rr#647, fixture ipc-videoinmode-configex.txt): no field names the live profile.
   */
  configEx?: boolean
  /** `DisableLinkage`/`DisableEventNotify`, per channel or in one unindexed row (fixture ipc-disablelinkage-getconfig.txt). */
  disarm?: 'indexed' | 'unindexed'
  /**
   * A recorder's table writes: a write to a row it does not have is answered 200 and discarded ([RCO] smart
   * motion rows), and v1 `Lighting` writes are refused `403 Authority:check failure.` even to an admin
   * (NVR5464, fixture nvr5464-lighting-403.txt).
   */
  recorderWrites?: boolean
  /** The recorder's cameras' IVS rules, by name, in `RemoteVideoAnalyseRule` over RPC2 only ([RCO]). */
  remoteIvsRules?: string[]
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
/** NVR5464 to an admin's v1 `Lighting` write (fixture nvr5464-lighting-403.txt). */
const AUTHORITY = { status: 403, body: 'Authority:check failure.' }
/** IPC-HDW1849EMP-S-PV's coaxial CGI (fixture ipc-hdw1849emp-pv-coaxial-501.txt). */
const NOT_IMPLEMENTED = { status: 501, body: '' }
/**
 * A device's RPC2 refusal of a call it cannot carry out on this channel: rr#555's owner saw "error" on NVR channels
 * 5 and 12 without quoting it; 268959743 is the code VTO2211G-P-S2 gave a refused command (mh#45).
 */
const UNKNOWN_ERROR = { code: 268959743, message: 'Unknown error' }

export class SimulatedDevice {
  /** Configuration as the device keeps it: `Lighting_V2[0][1][1].Mode` -> `Off`. */
  readonly config = new Map<string, string>()
  /** Coaxial outputs by 0-based channel: siren and warning light on or off. */
  readonly sirens = new Map<number, boolean>()
  readonly warningLights = new Map<number, boolean>()
  /** 0-based channels whose coaxial CGI status answers 400 now (a recorder's passing refusal). */
  readonly cgiDown: Set<number>
  /** The PTZ's last command per 0-based channel: `GotoPreset 3`, `Left` (moving), or `stopped`. */
  readonly ptz = new Map<number, string>()
  reboots = 0
  /** Control requests (not reads) answered, for tests that count what reached the device. */
  writes = 0
  /** A dual-light camera's white light by channel, as its last two-table transaction left it. */
  private readonly lit = new Map<number, boolean>()
  /** When each channel's siren stops by itself. */
  private readonly sirenStops = new Map<number, NodeJS.Timeout>()

  constructor(
    private readonly controls: ControlProfile,
    private readonly channels: number,
    rpc2?: SimulatedRpc2,
  ) {
    const p = controls
    this.cgiDown = new Set(p.coaxial?.cgiDown)
    for (let ch = 0; ch < channels; ch++) {
      this.config.set(`VideoInMode[${ch}].Config[0]`, String(p.configEx ? 0 : (p.profileInUse ?? 2)))
      if (p.configEx) {
        this.config.set(`VideoInMode[${ch}].Config[1]`, '1')
        this.config.set(`VideoInMode[${ch}].ConfigEx`, 'Day')
      }
      this.config.set(`VideoInMode[${ch}].Mode`, p.configEx ? '2' : '0')
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
      if (p.dayNight === 'color') this.config.set(`VideoInOptions[${ch}].DayNightColor`, '1')
      if (p.dayNight === 'lorex') this.config.set(`VideoInOptions[${ch}].NightOptions.SwitchMode`, '0')
      if (p.disarm === 'indexed') {
        this.config.set(`DisableLinkage[${ch}].Enable`, 'false')
        this.config.set(`DisableEventNotify[${ch}].Enable`, 'false')
      }
      if (p.privacy) this.config.set(`LeLensMask[${ch}].Enable`, 'false')
      if (p.motion) this.config.set(`MotionDetect[${ch}].Enable`, 'true')
      if (p.smart) this.config.set(`SmartMotionDetect[${ch}].Enable`, 'true')
      p.ivsRules?.forEach((name, i) => {
        this.config.set(`VideoAnalyseRule[${ch}][${i}].Name`, name)
        this.config.set(`VideoAnalyseRule[${ch}][${i}].Enable`, 'true')
      })
      p.remoteIvsRules?.forEach((name, i) => {
        this.config.set(`RemoteVideoAnalyseRule[${ch}][${i}].Name`, name)
        this.config.set(`RemoteVideoAnalyseRule[${ch}][${i}].Enable`, 'true')
      })
      if (p.recordMode) this.config.set(`RecordMode[${ch}].Mode`, '0')
      if (p.coaxial) {
        this.sirens.set(ch, false)
        this.warningLights.set(ch, false)
      }
    }
    if (p.disarm === 'unindexed') {
      // fixtures ipc-disablelinkage-getconfig.txt, ipc-disableeventnotify-getconfig.txt
      this.config.set('DisableLinkage.Enable', 'false')
      this.config.set('DisableEventNotify.Enable', 'false')
    }
    for (let n = 0; n < (p.alarmOutputs ?? 0); n++) {
      this.config.set(`AlarmOut[${n}].Mode`, p.alarmModes === 'reversed' ? '1' : '0')
    }
    if (rpc2 && p.coaxial?.rpc2) this.registerCoaxial(rpc2, p.coaxial)
    if (rpc2 && (p.remoteIvsRules || p.lighting?.scheme)) this.registerConfig(rpc2)
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
    if (name === 'RemoteVideoAnalyseRule') {
      return this.absent() // served over RPC2 only, one channel at a time ([RCO])
    }
    const lines = [...this.config]
      .filter(([key]) => key.startsWith(`${name}[`) || key.startsWith(`${name}.`))
      .map(([key, value]) => `table.${key}=${value}\r\n`)
    return lines.length > 0 ? { status: 200, body: lines.join('') } : this.absent()
  }

  /**
   * Every key must exist and all are written, or none: a camera refuses a table or field it does not have. A
   * recorder answers 200 to a write to a row it lacks and discards it, and refuses v1 `Lighting` with 403.
   */
  private setConfig(params: URLSearchParams): DeviceAnswer {
    const writes = [...params].filter(([key]) => key !== 'action')
    if (this.controls.recorderWrites && writes.some(([key]) => key.startsWith('Lighting['))) {
      return AUTHORITY
    }
    if (writes.length === 0 || writes.some(([key]) => !this.config.has(key))) {
      return this.controls.recorderWrites && writes.length > 0 ? OK : this.absent()
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
    if (coaxial.cgi === 501) {
      return NOT_IMPLEMENTED
    }
    if (action === 'getStatus') {
      const ch = Number(params.get('channel')) - 1
      if (!this.sirens.has(ch) || this.cgiDown.has(ch)) return BAD
      return {
        status: 200,
        body:
          (coaxial.siren ? `status.status.Speaker=${onOff(this.sirens.get(ch))}\r\n` : '') +
          (coaxial.warningLight ? `status.status.WhiteLight=${onOff(this.warningLights.get(ch))}\r\n` : ''),
      }
    }
    const ch = Number(params.get('channel')) - (coaxial.recorder ? 1 : 0)
    const type = Number(params.get('info[0].Type'))
    const io = Number(params.get('info[0].IO'))
    if (
      action !== 'control' ||
      (coaxial.recorder === true && params.get('info[0].TriggerMode') !== '2') ||
      !this.switchOutput(ch, type, io)
    ) {
      return BAD
    }
    return OK
  }

  /** Type 2 the siren, 1 the warning light; IO 1 on, 2 off. False: no such output or value here. */
  private switchOutput(ch: number, type: number, io: number): boolean {
    const coaxial = this.controls.coaxial
    const output =
      type === 2 && coaxial?.siren
        ? this.sirens
        : type === 1 && coaxial?.warningLight
          ? this.warningLights
          : undefined
    if (!output?.has(ch) || (io !== 1 && io !== 2)) return false
    this.writes++
    if (coaxial?.fitted && !coaxial.fitted.includes(ch)) return true
    output.set(ch, io === 1)
    if (type === 2) {
      // Started again, it sounds its full time again; stopped, it has nothing left to stop.
      clearTimeout(this.sirenStops.get(ch))
      this.sirenStops.delete(ch)
      if (io === 1) {
        const timer = setTimeout(() => {
          this.sirenStops.delete(ch)
          this.sirens.set(ch, false)
        }, this.controls.sirenStopsAfterMs ?? 10_000)
        this.sirenStops.set(ch, timer)
      }
    }
    return true
  }

  /** `CoaxialControlIO.*` over RPC2, channel 0-based on a camera, 1-based on a recorder ([RR2], [RT]). */
  private registerCoaxial(rpc2: SimulatedRpc2, coaxial: NonNullable<ControlProfile['coaxial']>): void {
    const channelOf = (params: Record<string, unknown>): number =>
      Number(params.channel) - (coaxial.recorder ? 1 : 0)
    const fitted = (ch: number): boolean => this.sirens.has(ch) && (coaxial.fitted?.includes(ch) ?? true)
    const refused = { result: false, error: UNKNOWN_ERROR }
    rpc2.register('CoaxialControlIO.getCaps', (params) => {
      const ch = channelOf(params)
      return this.sirens.has(ch)
        ? {
            result: true,
            params: {
              caps: {
                SupportControlFullcolorLight: 0,
                SupportControlLight: fitted(ch) && coaxial.warningLight ? 1 : 0,
                SupportControlSpeaker: fitted(ch) && coaxial.siren ? 1 : 0,
              },
            },
          }
        : refused
    })
    rpc2.register('CoaxialControlIO.getStatus', (params) => {
      const ch = channelOf(params)
      return this.sirens.has(ch)
        ? {
            result: true,
            params: {
              status: { Speaker: onOff(this.sirens.get(ch)), WhiteLight: onOff(this.warningLights.get(ch)) },
            },
          }
        : refused
    })
    rpc2.register('CoaxialControlIO.control', (params) => {
      const info = (Array.isArray(params.info) ? params.info[0] : undefined) as
        Record<string, unknown> | undefined
      return this.switchOutput(channelOf(params), Number(info?.Type), Number(info?.IO))
        ? { result: true }
        : refused
    })
  }

  /**
   * `configManager.getConfig` / `setConfig` over RPC2, where the model serves them so:
   * - a recorder's cameras' IVS rules: read per channel (`{name, onlyLocal, channel}`), written one field at a
   *   time (`name: RemoteVideoAnalyseRule[ch][i].Enable`); a whole channel's table is refused with the error at
   *   top level (fixture nvr5464-rpc2-remotevideoanalyserule-length-error.json);
   * - a dual-light camera's `LightingScheme` and `Lighting_V2`, whole tables as nested arrays (fixture
   *   nvr5464-ch11-lighting-rpc2.json), and `system.multicall`: its white LEDs light only when both tables come
   *   in one transaction; CGI writes are accepted and light nothing (rroller client.py
   *   `async_set_lighting_scheme_illuminator`, IPC-Color4M-TZ; rr#647).
   */
  private registerConfig(rpc2: SimulatedRpc2): void {
    const whole = new Set(this.controls.lighting?.scheme ? ['LightingScheme', 'Lighting_V2'] : [])
    const get = (params: Record<string, unknown>): MethodReply => {
      const name = String(params.name)
      if (whole.has(name)) return { result: true, params: { table: nested(this.config, name) } }
      const ch = Number(params.channel)
      if (name !== 'RemoteVideoAnalyseRule' || !this.config.has(`RemoteVideoAnalyseRule[${ch}][0].Name`)) {
        return { result: false, error: UNKNOWN_ERROR }
      }
      const table: Array<{ Name: string; Enable: boolean }> = []
      for (let i = 0; this.config.has(`RemoteVideoAnalyseRule[${ch}][${i}].Name`); i++) {
        table.push({
          Name: this.config.get(`RemoteVideoAnalyseRule[${ch}][${i}].Name`) ?? '',
          Enable: this.config.get(`RemoteVideoAnalyseRule[${ch}][${i}].Enable`) === 'true',
        })
      }
      return { result: true, params: { table } }
    }
    const set = (params: Record<string, unknown>): MethodReply => {
      const name = String(params.name)
      if (whole.has(name)) {
        const fields = flat(name, params.table).filter(([key]) => this.config.has(key))
        if (fields.length === 0) return { result: false, error: UNKNOWN_ERROR }
        this.writes++
        for (const [key, value] of fields) this.config.set(key, value)
        return { result: true }
      }
      if (!/^RemoteVideoAnalyseRule\[\d+\]\[\d+\]\.Enable$/.test(name) || typeof params.table !== 'boolean') {
        return { result: false, topLevel: { errCode: 287638033, message: 'Request length error!' } }
      }
      if (!this.config.has(name)) return { result: false, error: UNKNOWN_ERROR }
      this.writes++
      this.config.set(name, String(params.table))
      return { result: true }
    }
    rpc2.register('configManager.getConfig', get)
    rpc2.register('configManager.setConfig', set)
    if (whole.size === 0) return
    rpc2.register('system.multicall', (params) => {
      const calls = (Array.isArray(params) ? params : []) as Array<{
        method?: unknown
        params?: Record<string, unknown>
      }>
      const answers = calls.map((call) =>
        call.method === 'configManager.setConfig'
          ? set(call.params ?? {})
          : { result: false, error: UNKNOWN_ERROR },
      )
      const names = calls.map((call) => call.params?.name)
      if (
        answers.every((a) => a.result === true) &&
        names.includes('LightingScheme') &&
        names.includes('Lighting_V2')
      ) {
        for (let ch = 0; ch < this.channels; ch++) this.lit.set(ch, this.whiteAsConfigured(ch))
      }
      return { result: true, params: answers as unknown as Record<string, unknown> }
    })
  }

  /**
   * Whether the white light of a channel shines: as its live profile's row says on a single-light camera; on a
   * dual-light one, as the last transaction with both tables left it (CGI writes light nothing there).
   */
  whiteLit(ch: number): boolean {
    return this.controls.lighting?.scheme ? this.lit.get(ch) === true : this.whiteAsConfigured(ch)
  }

  /** The live profile's white row on Manual (and, on a dual-light camera, its scheme on WhiteMode). */
  private whiteAsConfigured(ch: number): boolean {
    const profile = this.config.get(`VideoInMode[${ch}].Config[0]`) ?? '0'
    const row = this.controls.lighting?.rows.indexOf('WhiteLight') ?? -1
    const scheme = this.config.get(`LightingScheme[${ch}][${profile}].LightingMode`)
    return (
      row >= 0 &&
      this.config.get(`Lighting_V2[${ch}][${profile}][${row}].Mode`) === 'Manual' &&
      (scheme === undefined || scheme === 'WhiteMode')
    )
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
    const asked = Number(params.get('channel'))
    const anyChannel = action === 'getCurrentProtocolCaps' && ptz?.capsAnyChannel === true
    const ch = anyChannel ? Math.max(asked - ptz.channelBase, 0) : asked - (ptz?.channelBase ?? 0)
    if (!ptz || !Number.isInteger(ch) || ch < 0 || ch >= this.channels) {
      return BAD
    }
    const fitted = ptz.channels?.includes(ch) ?? true
    if (action === 'getCurrentProtocolCaps') {
      // fixtures pt-sd2a500nb-ptz-caps-channel1.txt (a PT) and nvr-ptz-caps-fixed.txt (a fixed camera)
      return {
        status: 200,
        body: fitted
          ? `caps.Pan=true\r\ncaps.Preset=true\r\ncaps.PresetMin=1\r\ncaps.PresetMax=${ptz.presetMax}\r\ncaps.PanSpeedMax=8\r\ncaps.Tile=true\r\ncaps.Zoom=true\r\n`
          : 'caps.Preset=false\r\ncaps.Tour=false\r\ncaps.Pan=false\r\n',
      }
    }
    if (!fitted) return BAD // rr#592: a channel without a PTZ camera answers 400
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

function onOff(on: boolean | undefined): string {
  return on ? 'On' : 'Off'
}

/** A table's flat keys (`Lighting_V2[0][1][1].Mode`) as the nested arrays and objects RPC2 carries. */
function nested(config: Map<string, string>, name: string): unknown {
  let root: unknown
  for (const [key, value] of config) {
    if (!key.startsWith(`${name}[`)) continue
    const path = [...key.slice(name.length).matchAll(/\[(\d+)\]|\.(\w+)/g)].map(
      (m) => (m[1] ?? m[2]) as string,
    )
    const leaf = value === 'true' ? true : value === 'false' ? false : value
    root ??= []
    let at = root as Record<string, unknown>
    path.forEach((step, i) => {
      if (i === path.length - 1) {
        at[step] = leaf
      } else {
        at[step] ??= /^\d/.test(path[i + 1] as string) ? [] : {}
        at = at[step] as Record<string, unknown>
      }
    })
  }
  return root ?? []
}

/** A nested RPC2 table as flat keys and text values. */
function flat(prefix: string, value: unknown): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((item, i) => flat(`${prefix}[${i}]`, item))
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => flat(`${prefix}.${k}`, v))
  }
  return [[prefix, String(value)]]
}
