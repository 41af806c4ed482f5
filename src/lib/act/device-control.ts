// SPDX-License-Identifier: Apache-2.0
// Acting on one device through its one HTTP session: what the model supports (learned once, lazily), how each
// model wants each control sent (the rules, with their sources, are below), the refusals it gave (not asked
// again until redeploy), and timed sirens and lights. Requests go through setting-queue.ts (the last value wins).
// It knows nothing of Node-RED: a failure is a ControlError whose key the glue words.

import { ControlError } from './control-error'
import { parseTable, settingKey, type ControlRequest, type Direction, type Mode } from './controls'
import { AnswerTooLarge, LoginsPaused, classify, type HttpSession } from '../session/http-session'
import { SettingQueue } from './setting-queue'
import {
  MAX_CAPABILITY_CHANNELS,
  MAX_CONFIG_ANSWER_BYTES,
  MAX_CONTROL_WAITING,
  MAX_STATE_ANSWER_BYTES,
} from '../limits'

/**
 * A 401 or 403 to a call beside the stream: a wrong password while the camera has never accepted this login
 * (it counted against the login budget), else this user's rights. 403 is "not allowed" in HTTP's own words
 * (rroller#647: reads work, writes 403); a wrong password is 401.
 */
export function refusalOf(http: HttpSession, status: number): ControlError {
  return http.proven || status === 403
    ? new ControlError('rights', { status })
    : new ControlError('login', { left: http.budget.left })
}

/** What went wrong with a call that got no usable answer, as a ControlError. */
export async function failureOf(http: HttpSession, err: unknown, waitedMs: number): Promise<ControlError> {
  if (err instanceof ControlError) return err
  if (err instanceof LoginsPaused)
    return new ControlError('paused', { until: new Date(err.until).toISOString() })
  if (err instanceof AnswerTooLarge) return new ControlError('too-large', { limit: err.limit })
  const reason = await http.explain(classify(err), waitedMs)
  return new ControlError('failed', { kind: reason.kind, detail: reason.detail ?? '' })
}

/** The output of a setting: what the device is now. */
export interface ControlResult {
  action: string
  channel: number
  state: unknown
  /** The relay (alarm-output) or the rule (ivs-rule) the state is of. */
  output?: number
  rule?: string
}

export interface DeviceControlOptions {
  /** A clean JPEG of the channel (camera-client.ts shares one fetch per channel). */
  snapshot: (channel: number) => Promise<Buffer>
  /** A siren stops by itself after 10-15 s; one that should sound longer is started again this often. */
  sirenRepeatMs: number
  /** The limit of one CGI call (policy.ts), to say how long a camera that did not answer was waited for. */
  cgiTimeoutMs: number
}

type Table = Map<string, string>

/** The device's modes for a light row (`Lighting_V2`/`Lighting` `.Mode`). */
const LIGHT_MODE: Record<Mode, string> = { auto: 'Auto', on: 'Manual', off: 'Off' }
const RECORD_MODE = { auto: '0', manual: '1', off: '2' } as const
/** `AlarmOut[n].Mode`: 0 auto, 1 on, 2 off (rr PR#694); an older relay camera: 0 on, 1 off (rr#676). */
const RELAY_MODE = { auto: '0', on: '1', off: '2' } as const
const RELAY_MODE_REVERSED = { on: '0', off: '1' } as const
const PTZ_CODE: Record<Direction, string> = {
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  'zoom-in': 'ZoomTele',
  'zoom-out': 'ZoomWide',
}

export class DeviceControl {
  /** Tables and answers read to learn what the device has: `undefined` when it has none. */
  private readonly known = new Map<string, Table | undefined>()
  /** `action/channel` the device refused: not sent again until redeploy. */
  private readonly refused = new Set<string>()
  private readonly queue = new SettingQueue(MAX_CONTROL_WAITING)
  /** The revert of a timed siren or light, and a siren's repeats, by setting. */
  private readonly timers = new Map<string, NodeJS.Timeout[]>()
  private readonly reverts = new Map<string, () => Promise<unknown>>()
  /** The lighting scheme a dual-light camera had before its white light was turned on, by `channel/profile`. */
  private readonly schemes = new Map<string, string>()
  private readonly abort = new AbortController()
  private relaysReversed = false
  private capabilityList: Promise<Array<{ channel: number; actions: string[] }>> | undefined

  constructor(
    private readonly http: HttpSession,
    private readonly options: DeviceControlOptions,
  ) {}

  /**
   * Carries out one request. Requests for a setting already being changed wait, and only the last of those
   * waiting is sent: every waiting message gets its result.
   */
  run(request: ControlRequest): Promise<unknown> {
    if (this.abort.signal.aborted) {
      return Promise.reject(new ControlError('closed'))
    }
    const key = settingKey(request)
    this.cancelTimed(key)
    return this.queue.add(key, (preempted) => this.execute(request, key, preempted))
  }

  /**
   * The actions each channel supports, learned once (probing each table and endpoint) and then kept, less the
   * controls the device has refused since.
   */
  async capabilities(): Promise<Array<{ channel: number; actions: string[] }>> {
    this.capabilityList ??= this.learnCapabilities().catch((err: unknown) => {
      this.capabilityList = undefined // a camera that did not answer is asked again next time
      throw err
    })
    return (await this.capabilityList).map(({ channel, actions }) => ({
      channel,
      actions: actions.filter((action) => !this.refused.has(`${action}/${channel}`)),
    }))
  }

  /**
   * Ends every timed siren or light now (a redeploy must not leave a siren sounding for the rest of its
   * minute, or a light on for ever), then refuses new work. Never rejects.
   */
  async close(): Promise<void> {
    const reverts = [...this.reverts.values()]
    for (const key of [...this.timers.keys()]) this.cancelTimed(key)
    await Promise.allSettled(reverts.map((revert) => revert()))
    this.abort.abort()
    this.queue.preemptAll()
  }

  private async execute(request: ControlRequest, key: string, preempted: AbortSignal): Promise<unknown> {
    const { action, channel } = request
    if (this.refused.has(`${action}/${channel}`)) {
      throw new ControlError('unsupported', { action })
    }
    switch (action) {
      case 'snapshot':
        return this.options.snapshot(channel)
      case 'channels':
        return this.channelList()
      case 'capabilities':
        return this.capabilities()
      case 'siren':
      case 'warning-light':
        return this.coaxial(request, key)
      case 'light':
      case 'light-mode':
      case 'infrared':
        return this.lighting(request, key)
      case 'privacy':
        return this.enable(request, 'LeLensMask')
      case 'motion-detection':
        return this.enable(request, 'MotionDetect')
      case 'smart-detection':
        return this.enable(request, 'SmartMotionDetect')
      case 'ivs-rule':
        return this.ivsRule(request)
      case 'record-mode':
        return this.recordMode(request)
      case 'alarm-output':
        return this.relay(request)
      case 'ptz-preset':
      case 'ptz-move':
        return this.ptz(request, preempted)
      case 'reboot':
        await this.write(request, '/cgi-bin/magicBox.cgi?action=reboot')
        return result(request, 'rebooting')
    }
  }

  // -- Deterrence: siren and red/blue light ----------------------------------------------------------------

  /**
   * `coaxialControlIO.cgi`: Type 2 the siren, Type 1 the red/blue warning light (rroller client.py: on
   * IPC-HDW3849HP-AS-PV the "white light" output is the red/blue one). `getStatus` takes the 1-based channel
   * (rroller asks `channel=1`), `control` the 0-based one (rroller light.py); a recorder drives its cameras'
   * outputs only with `TriggerMode=2` (acting-and-doors.md §1 row 2).
   */
  private async coaxial(request: ControlRequest, key: string): Promise<ControlResult> {
    const { action, channel, value } = request
    const status = await this.coaxialStatus(channel)
    const field = action === 'siren' ? 'status.status.Speaker' : 'status.status.WhiteLight'
    if (!status?.has(field)) {
      throw this.unsupported(request)
    }
    const on = value.kind === 'switch' && value.on
    const trigger = (await this.isRecorder()) ? '&info[0].TriggerMode=2' : ''
    const send = (io: 1 | 2): Promise<void> =>
      this.write(
        request,
        `/cgi-bin/coaxialControlIO.cgi?action=control&channel=${channel - 1}&info[0].Type=${action === 'siren' ? 2 : 1}&info[0].IO=${io}${trigger}`,
      )
    await send(on ? 1 : 2)
    if (on && request.duration !== undefined) {
      // The siren stops by itself after 10-15 s (rroller client.py): to sound for longer it is started again.
      const repeat = action === 'siren' ? this.options.sirenRepeatMs : undefined
      this.timed(
        key,
        request.duration * 1000,
        () => send(2),
        repeat === undefined ? undefined : [repeat, () => send(1)],
      )
    }
    return result(request, on)
  }

  // -- Lights: white light, its mode, infrared ---------------------------------------------------------------

  /**
   * `Lighting_V2[ch][profile][row].Mode` = Auto | Manual | Off, in the row whose `LightType` is the light's:
   * the white light is not always row 0 (rr#570). Written in the profile the camera is using (`VideoInMode`),
   * or in day and night both when it switches between them, for a light written to another profile does
   * nothing (rr#582, rr#605). A dual-light camera shines white only with `LightingScheme=WhiteMode` as well
   * (rr PR#656, measured in rr#647): both are written in one setConfig, so neither is left half-applied. rroller
   * does this over RPC2; one CGI setConfig with both tables is the same write, unmeasured on hardware. Infrared
   * without a `Lighting_V2` row is the legacy `Lighting[ch][profile]` table.
   */
  private async lighting(request: ControlRequest, key: string): Promise<ControlResult> {
    const { action, value } = request
    const ch = request.channel - 1
    const mode: Mode =
      value.kind === 'switch' ? (value.on ? 'on' : 'off') : value.kind === 'mode' ? value.mode : 'off'
    const lightType = action === 'infrared' ? 'InfraredLight' : 'WhiteLight'
    const rows = await this.fresh('Lighting_V2')
    const profiles = await this.profilesInUse(request)
    const writes = new Map<string, string>()
    const before = new Map<string, string>()
    const row = [...(rows ?? [])].find(
      ([k, v]) =>
        v === lightType && k.startsWith(`Lighting_V2[${ch}][${profiles[0]}][`) && k.endsWith('.LightType'),
    )?.[0]
    if (row) {
      const index = /\]\[(\d+)\]\.LightType$/.exec(row)?.[1]
      // Only a dual-light model has the table; its scheme now is what a timed light goes back to.
      const schemes = (await this.learnTable('LightingScheme'))
        ? await this.fresh('LightingScheme')
        : undefined
      for (const profile of profiles) {
        const field = `Lighting_V2[${ch}][${profile}][${index}].Mode`
        before.set(field, rows?.get(field) ?? 'Auto')
        writes.set(field, LIGHT_MODE[mode])
        const scheme = `LightingScheme[${ch}][${profile}].LightingMode`
        const current = schemes?.get(scheme)
        if (current !== undefined) {
          before.set(scheme, current)
          const wanted = lightType === 'WhiteLight' ? 'WhiteMode' : 'InfraredMode'
          if (mode === 'on') {
            if (current !== wanted) this.schemes.set(`${ch}/${profile}`, current)
            writes.set(scheme, wanted)
          } else if (mode === 'off' && current === wanted && this.schemes.has(`${ch}/${profile}`)) {
            writes.set(scheme, this.schemes.get(`${ch}/${profile}`) as string)
          }
        }
      }
    } else if (action === 'infrared') {
      const legacy = await this.fresh('Lighting')
      for (const profile of profiles) {
        const field = `Lighting[${ch}][${profile}].Mode`
        if (!legacy?.has(field)) {
          throw this.unsupported(request)
        }
        writes.set(field, LIGHT_MODE[mode])
      }
    } else {
      throw this.unsupported(request)
    }
    await this.setConfig(request, writes)
    if (mode === 'on' && request.duration !== undefined) {
      // Back to what it was: a light that was on Auto goes back to Auto, not off.
      this.timed(key, request.duration * 1000, () => this.setConfig(request, before))
    }
    return result(request, action === 'light' ? mode === 'on' : mode)
  }

  /** The profiles a light is written in: the one in use, or day and night when the camera switches. */
  private async profilesInUse(request: ControlRequest): Promise<number[]> {
    const ch = request.channel - 1
    const modes = await this.fresh('VideoInMode')
    const config = Number(modes?.get(`VideoInMode[${ch}].Config[0]`) ?? 0)
    const fixed = (modes?.get(`VideoInMode[${ch}].Mode`) ?? '0') === '0'
    return fixed && [0, 1, 2].includes(config) ? [config] : [0, 1]
  }

  // -- Settings that are one field -------------------------------------------------------------------------

  /** `Table[ch].Enable`: privacy (`LeLensMask`, rr#379), motion and smart motion detection. */
  private async enable(request: ControlRequest, table: string): Promise<ControlResult> {
    const field = `${table}[${request.channel - 1}].Enable`
    if (!(await this.learnTable(table))?.has(field)) {
      throw this.unsupported(request)
    }
    const on = request.value.kind === 'switch' && request.value.on
    await this.setConfig(request, new Map([[field, String(on)]]))
    return result(request, on)
  }

  /** An IVS rule by its name (`VideoAnalyseRule[ch][i].Name`), read fresh: rules are renamed and reordered. */
  private async ivsRule(request: ControlRequest): Promise<ControlResult> {
    const { value } = request
    if (value.kind !== 'rule') throw new ControlError('answer')
    const ch = request.channel - 1
    const rules = await this.fresh('VideoAnalyseRule')
    if (!rules) {
      throw this.unsupported(request)
    }
    const names = [...rules]
      .filter(([k]) => k.startsWith(`VideoAnalyseRule[${ch}][`) && k.endsWith('].Name'))
      .map(([k, name]) => ({ field: k.replace(/\.Name$/, '.Enable'), name }))
    const rule = names.find((r) => r.name === value.name)
    if (!rule) {
      throw new ControlError('rule-name', {
        name: value.name,
        rules:
          names
            .map((r) => `"${r.name}"`)
            .slice(0, 20)
            .join(', ') || '-',
      })
    }
    await this.setConfig(request, new Map([[rule.field, String(value.enabled)]]))
    return { ...result(request, value.enabled), rule: value.name }
  }

  /** `RecordMode[ch].Mode`: 0 auto, 1 manual, 2 off (rroller client.py `async_set_record_mode`). */
  private async recordMode(request: ControlRequest): Promise<ControlResult> {
    const field = `RecordMode[${request.channel - 1}].Mode`
    if (request.value.kind !== 'record' || !(await this.learnTable('RecordMode'))?.has(field)) {
      throw this.unsupported(request)
    }
    await this.setConfig(request, new Map([[field, RECORD_MODE[request.value.mode]]]))
    return result(request, request.value.mode)
  }

  // -- Relays ----------------------------------------------------------------------------------------------

  /**
   * `AlarmOut[n].Mode`, then `alarm.cgi?action=getOutState` (a bitmask, Skinah/IpCamera#15) says whether the
   * relay really changed: Mode is not the state (rr PR#694). Some models read the modes the other way round
   * (rr#676): a relay that did the opposite is written the reversed way, and the device is known to be so.
   */
  private async relay(request: ControlRequest): Promise<ControlResult> {
    if (request.value.kind !== 'relay') throw new ControlError('answer')
    const mode = request.value.mode
    const output = request.output ?? 1
    const slots = await this.outSlots()
    if (!(slots > 0)) {
      throw this.unsupported(request)
    }
    if (output > slots) {
      throw new ControlError('output-count', { output, outputs: slots })
    }
    const field = `AlarmOut[${output - 1}].Mode`
    const done = (state: unknown): ControlResult => ({ ...result(request, state), output })
    if (mode === 'auto') {
      if (this.relaysReversed) {
        throw new ControlError('relay-auto')
      }
      await this.setConfig(request, new Map([[field, RELAY_MODE.auto]]))
      return done('auto')
    }
    const wanted = mode === 'on'
    const modes = this.relaysReversed ? RELAY_MODE_REVERSED : RELAY_MODE
    await this.setConfig(request, new Map([[field, modes[mode]]]))
    if ((await this.relayState(output)) === wanted) {
      return done(wanted)
    }
    if (!this.relaysReversed) {
      this.relaysReversed = true
      await this.setConfig(request, new Map([[field, RELAY_MODE_REVERSED[mode]]]))
      if ((await this.relayState(output)) === wanted) {
        return done(wanted)
      }
    }
    throw new ControlError('relay-unchanged', { output })
  }

  private async relayState(output: number): Promise<boolean> {
    const answer = await this.get('/cgi-bin/alarm.cgi?action=getOutState')
    const mask = Number(answer?.get('result'))
    if (!Number.isInteger(mask)) {
      throw new ControlError('answer')
    }
    return (mask & (1 << (output - 1))) !== 0
  }

  // -- PTZ -------------------------------------------------------------------------------------------------

  /**
   * `ptz.cgi?action=start&code=GotoPreset&arg2=P` (rroller client.py), moves with `code=Up|...|ZoomTele` and a
   * `stop`. The channel is 0-based on most models and 1-based on some PT models (rr#586): the capabilities
   * call (`getCurrentProtocolCaps`, which also gives `PresetMax`) is asked both ways once, and the way that
   * answered is kept. A newer PTZ message stops a move under way.
   */
  private async ptz(request: ControlRequest, preempted: AbortSignal): Promise<ControlResult> {
    const caps = await this.ptzCaps(request.channel)
    if (!caps) {
      throw this.unsupported(request)
    }
    const { value } = request
    const base = `/cgi-bin/ptz.cgi?channel=${caps.channel}`
    if (value.kind === 'preset') {
      if (value.preset > caps.presetMax) {
        throw new ControlError('preset-max', { preset: value.preset, max: caps.presetMax })
      }
      await this.write(request, `${base}&action=start&code=GotoPreset&arg1=0&arg2=${value.preset}&arg3=0`)
      return result(request, value.preset)
    }
    if (value.kind !== 'move') throw new ControlError('answer')
    const { direction, speed, seconds } = value.move
    const command = `code=${PTZ_CODE[direction]}&arg1=0&arg2=${speed}&arg3=0`
    await this.write(request, `${base}&action=start&${command}`)
    try {
      await sleep(seconds * 1000, preempted, this.abort.signal)
    } finally {
      // Always told to stop, even when Node-RED is closing: a camera left moving turns until its end stop.
      await this.write(request, `${base}&action=stop&${command}`, true)
    }
    return result(request, direction)
  }

  private async ptzCaps(channel: number): Promise<{ channel: number; presetMax: number } | undefined> {
    for (const ptzChannel of [channel - 1, channel]) {
      const caps = await this.learn(
        `ptz/${channel}/${ptzChannel}`,
        `/cgi-bin/ptz.cgi?action=getCurrentProtocolCaps&channel=${ptzChannel}`,
        ['caps.PresetMax'],
      )
      if (caps) {
        const presetMax = Number(caps.get('caps.PresetMax'))
        return { channel: ptzChannel, presetMax: presetMax > 0 ? presetMax : 255 }
      }
    }
    return undefined
  }

  // -- The device's channels and what each supports --------------------------------------------------------

  /**
   * The device's video channels: as many as its per-channel tables have (`ChannelTitle`, read again each time
   * as recorders' cameras are renamed; `VideoInMode`, `MotionDetect`), at least one.
   */
  private async channelList(): Promise<Array<{ channel: number; name: string | null }>> {
    const tables = [
      await this.learnTable('ChannelTitle', true),
      await this.learnTable('VideoInMode'),
      await this.learnTable('MotionDetect'),
    ]
    const count = Math.max(
      1,
      ...tables.flatMap((table) =>
        [...(table ?? [])].map(([k]) => Number(/^\w+\[(\d+)\]/.exec(k)?.[1] ?? -1) + 1),
      ),
    )
    return Array.from({ length: Math.min(count, MAX_CAPABILITY_CHANNELS) }, (_, i) => ({
      channel: i + 1,
      name: tables[0]?.get(`ChannelTitle[${i}].Name`) ?? null,
    }))
  }

  private async learnCapabilities(): Promise<Array<{ channel: number; actions: string[] }>> {
    const channels = await this.channelList()
    const tables = new Map<string, Table | undefined>()
    for (const table of [
      'Lighting_V2',
      'Lighting',
      'LeLensMask',
      'MotionDetect',
      'SmartMotionDetect',
      'VideoAnalyseRule',
      'RecordMode',
    ]) {
      tables.set(table, await this.learnTable(table))
    }
    const slots = await this.outSlots()
    const list: Array<{ channel: number; actions: string[] }> = []
    for (const { channel } of channels) {
      const ch = channel - 1
      const has = (table: string, test: (key: string, value: string) => boolean): boolean =>
        [...(tables.get(table) ?? [])].some(([k, v]) => k.startsWith(`${table}[${ch}]`) && test(k, v))
      const coaxial = await this.coaxialStatus(channel)
      const white = has('Lighting_V2', (k, v) => k.endsWith('.LightType') && v === 'WhiteLight')
      const supported: Record<string, boolean> = {
        snapshot: true,
        siren: coaxial?.has('status.status.Speaker') === true,
        light: white,
        'warning-light': coaxial?.has('status.status.WhiteLight') === true,
        infrared:
          has('Lighting_V2', (k, v) => k.endsWith('.LightType') && v === 'InfraredLight') ||
          has('Lighting', (k) => k.endsWith('.Mode')),
        'light-mode': white,
        privacy: has('LeLensMask', (k) => k.endsWith('.Enable')),
        'alarm-output': slots > 0,
        'ptz-preset': (await this.ptzCaps(channel)) !== undefined,
        'motion-detection': has('MotionDetect', (k) => k.endsWith('.Enable')),
        'smart-detection': has('SmartMotionDetect', (k) => k.endsWith('.Enable')),
        'ivs-rule': has('VideoAnalyseRule', (k) => k.endsWith('.Name')),
        'record-mode': has('RecordMode', (k) => k.endsWith('.Mode')),
        reboot: true,
        channels: true,
        capabilities: true,
      }
      supported['ptz-move'] = supported['ptz-preset'] === true
      list.push({
        channel,
        actions: Object.keys(supported).filter((action) => supported[action]),
      })
    }
    return list
  }

  /** The siren and warning light a channel has (`Speaker`, `WhiteLight`), learned once. */
  private coaxialStatus(channel: number): Promise<Table | undefined> {
    return this.learn(
      `coaxial/${channel}`,
      `/cgi-bin/coaxialControlIO.cgi?action=getStatus&channel=${channel}`,
      ['status.status.Speaker', 'status.status.WhiteLight'],
    )
  }

  /** How many relays the device has (`result=N`, rr PR#694), learned once. */
  private async outSlots(): Promise<number> {
    const slots = Number(
      (await this.learn('outSlots', '/cgi-bin/alarm.cgi?action=getOutSlots', ['result']))?.get('result'),
    )
    return Number.isInteger(slots) && slots > 0 ? slots : 0
  }

  /** Recorders drive their cameras' coaxial outputs with `TriggerMode=2`: their deviceType is a number (31). */
  private async isRecorder(): Promise<boolean> {
    const info = await this.learn('systemInfo', '/cgi-bin/magicBox.cgi?action=getSystemInfo', ['deviceType'])
    const type = info?.get('deviceType') ?? ''
    return /^\d+$/.test(type) || /NVR|DVR|XVR|HCVR|IVSS/i.test(type)
  }

  // -- The wire --------------------------------------------------------------------------------------------

  /** A table read once to learn what the device has (`ChannelTitle` also re-read when `again`). */
  private learnTable(name: string, again = false): Promise<Table | undefined> {
    if (again) this.known.delete(name)
    return this.learn(name, `/cgi-bin/configManager.cgi?action=getConfig&name=${name}`)
  }

  /**
   * An answer read once and kept. An endpoint's answer (a channel's coaxial status, PTZ caps) keeps only the
   * `pick`ed keys: there is one per channel, up to 1024 of them, and a camera sets how long each is.
   */
  private async learn(key: string, path: string, pick?: string[]): Promise<Table | undefined> {
    if (this.known.has(key)) {
      return this.known.get(key)
    }
    const answer = await this.get(path)
    const table = answer && pick ? new Map([...answer].filter(([k]) => pick.includes(k))) : answer
    this.known.set(key, table)
    return table
  }

  /** A table's values now (a light's current mode is what a timed light goes back to). */
  private async fresh(name: string): Promise<Table | undefined> {
    const table = await this.get(`/cgi-bin/configManager.cgi?action=getConfig&name=${name}`)
    this.known.set(name, table)
    return table
  }

  /**
   * A read: the answer as a table, or undefined when the device says it has no such thing, which models say
   * three ways: an error status, 200 with an empty body (rr#669) or 200 `Error` (amcrest2mqtt#17)
   * (dahua-protocol.md 3.3).
   */
  private async get(path: string): Promise<Table | undefined> {
    const { status, body } = await this.call(path)
    const text = body.toString('utf8')
    if (status === 401 || status === 403) {
      throw refusalOf(this.http, status)
    }
    return status === 200 && text.trim() !== '' && !/^\s*Error/i.test(text) ? parseTable(text) : undefined
  }

  private setConfig(request: ControlRequest, writes: Map<string, string>): Promise<void> {
    const query = [...writes].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
    return this.write(request, `/cgi-bin/configManager.cgi?action=setConfig&${query}`)
  }

  /**
   * A change: answered `OK`, or refused. A refusal (an error status, or `Error` in a 200: writes can be
   * declined that way, dahua-protocol.md 3.3) means this model does not do it: remembered until redeploy.
   */
  private async write(request: ControlRequest, path: string, closing = false): Promise<void> {
    const { status, body } = await this.call(path, closing)
    if (status === 401 || status === 403) {
      throw refusalOf(this.http, status)
    }
    if (status !== 200 || !/\bOK\b/i.test(body.toString('utf8'))) {
      throw this.unsupported(request)
    }
  }

  private async call(path: string, closing = false): Promise<{ status: number; body: Buffer }> {
    if (this.abort.signal.aborted && !closing) {
      throw new ControlError('closed')
    }
    try {
      return await this.http.cgi(path, {
        ...(closing ? {} : { signal: this.abort.signal }),
        // Whole configuration tables run to tens of KB on a recorder; every other answer is a few lines.
        maxBytes: path.includes('configManager.cgi?action=getConfig')
          ? MAX_CONFIG_ANSWER_BYTES
          : MAX_STATE_ANSWER_BYTES,
      })
    } catch (err) {
      throw await failureOf(this.http, err, this.options.cgiTimeoutMs)
    }
  }

  private unsupported(request: ControlRequest): ControlError {
    this.refused.add(`${request.action}/${request.channel}`)
    return new ControlError('unsupported', { action: request.action })
  }

  // -- Timed lights and sirens -----------------------------------------------------------------------------

  /**
   * After `ms`, `revert` through the queue (so it is coalesced with anything newer); every `repeat[0]` ms
   * meanwhile, `repeat[1]`. A newer message for the same setting cancels both: its value is what stays.
   */
  private timed(
    key: string,
    ms: number,
    revert: () => Promise<unknown>,
    repeat?: [number, () => Promise<unknown>],
  ): void {
    const timers: NodeJS.Timeout[] = []
    const end = setTimeout(
      () => {
        this.cancelTimed(key)
        void this.queue.add(key, () => revert()).catch(() => undefined)
      },
      Math.min(ms, 2_147_483_647),
    )
    timers.push(end)
    if (repeat) {
      const [every, again] = repeat
      // Through the setting's queue, so a repeat never runs beside the revert or a newer message: sent in
      // parallel, a late repeat could land after the "off" and leave the siren sounding.
      const tick = setInterval(() => {
        void this.queue.add(key, () => again()).catch(() => undefined)
      }, every)
      timers.push(tick)
    }
    this.timers.set(key, timers)
    this.reverts.set(key, revert)
  }

  private cancelTimed(key: string): void {
    for (const timer of this.timers.get(key) ?? []) clearTimeout(timer)
    this.timers.delete(key)
    this.reverts.delete(key)
  }
}

function result(request: ControlRequest, state: unknown): ControlResult {
  return { action: request.action, channel: request.channel, state }
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
