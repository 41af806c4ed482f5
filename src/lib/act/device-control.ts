// SPDX-License-Identifier: Apache-2.0
// Acting on one device: each request goes to the family of settings it belongs to (deterrence.ts, lights.ts,
// settings.ts, ptz.ts), over the transports of transport.ts, through setting-queue.ts (the last value wins);
// timed sirens and lights are kept here. It knows nothing of Node-RED: a failure is a ControlError whose key
// the glue words.

import { ControlError, listedNames } from './control-error'
import { settingKey, type ControlRequest, type Mode } from './controls'
import type { HttpSession } from '../session/http-session'
import type { Rpc2Session } from '../session/rpc2'
import { SettingQueue } from './setting-queue'
import { Transport, type Table } from './transport'
import { Deterrence } from './deterrence'
import { Lights } from './lights'
import { Settings } from './settings'
import { Ptz } from './ptz'
import {
  MAX_CAPABILITY_CHANNELS,
  MAX_CONTROL_SETTINGS,
  MAX_CONTROL_WAITING,
  MIN_SETTING_GAP_MS,
  REBOOT_EVERY_MS,
} from '../limits'
import { clock } from '../badge'

/** The output of a setting: what the device is now. */
export interface ControlResult {
  action: string
  channel: number
  /** What the device is now, read back; what was asked when `verified` is false. */
  state: unknown
  /** Whether `state` was read back from the device after the change. */
  verified: boolean
  /** The device's name for the channel, when the message named it so. */
  channelName?: string
  /** The relay (alarm-output) or the rule (ivs-rule) the state is of. */
  output?: number
  rule?: string
}

export interface ChannelCapabilities {
  channel: number
  /** What the channel says it supports. */
  actions: string[]
  /** What a recorder offers on every channel whether or not the camera there has it (a siren, a light). */
  maybe: string[]
}

export interface DeviceControlOptions {
  /** A clean JPEG of the channel (device.ts shares one fetch per channel). */
  snapshot: (channel: number) => Promise<Buffer>
  /** A siren stops by itself after 10-15 s; one that should sound longer is started again this often. */
  sirenRepeatMs: number
  /** The limit of one CGI call (policy.ts), to say how long a camera that did not answer was waited for. */
  cgiTimeoutMs: number
  /** How long a device's "not here" is believed (policy.ts). */
  absentForMs: number
  /** The device report (report.ts), for `msg.action: "report"`. */
  report: () => Promise<string>
}

/** What is learned for the capability list is asked again after this: cameras are added to recorders. */
const CAPABILITIES_FOR_MS = 10 * 60_000

export class DeviceControl {
  private readonly queue = new SettingQueue(MAX_CONTROL_WAITING, MAX_CONTROL_SETTINGS, MIN_SETTING_GAP_MS)
  /** When the device was last told to reboot (whatever the channel a message named). */
  private rebootedAt = -Infinity
  /** A timed siren's or light's end and repeats, by setting. */
  private readonly timers = new Map<string, NodeJS.Timeout[]>()
  /** What puts a setting back as it was before a timed change, kept until that change ends or is replaced. */
  private readonly reverts = new Map<string, () => Promise<unknown>>()
  private readonly abort = new AbortController()
  private readonly transport: Transport
  private readonly deterrence: Deterrence
  private readonly lights: Lights
  private readonly settings: Settings
  private readonly ptz: Ptz
  private capabilityList: { until: number; list: Promise<ChannelCapabilities[]> } | undefined
  /** The last capability list learned, kept for the device report, which must not start a learning itself. */
  private learnedList: ChannelCapabilities[] | undefined
  private closing = false

  constructor(
    http: HttpSession,
    rpc: Rpc2Session,
    private readonly options: DeviceControlOptions,
  ) {
    this.transport = new Transport(http, rpc, this.abort.signal, options)
    this.deterrence = new Deterrence(this.transport)
    this.lights = new Lights(this.transport)
    this.settings = new Settings(this.transport)
    this.ptz = new Ptz(this.transport, async () => (await this.channelList(false)).length)
  }

  /**
   * Carries out one request. Requests for a setting already being changed wait, and only the last of those
   * waiting is sent: every waiting message gets its result. `ended`: told when a timed siren or light this
   * request started has been put back (with the failure, if that failed); not when a newer request or a close
   * ended it first.
   */
  async run(request: ControlRequest, ended?: (err?: unknown) => void): Promise<unknown> {
    if (this.abort.signal.aborted) {
      throw new ControlError('closed')
    }
    const named = request.channelName === undefined ? request : await this.byName(request)
    const key = settingKey(named)
    // A newer message ends a timed setting's repeats and end now (no repeat may land after it), but what the
    // setting was before the timed change is kept until the newer one has succeeded.
    this.stopTimers(key)
    return this.queue.add(key, async (preempted) => {
      try {
        const result = await this.execute(named, key, preempted, ended)
        // A value that stays (not timed): there is nothing to go back to any more.
        if (!this.timers.has(key)) this.reverts.delete(key)
        return result
      } catch (err) {
        // The newer change failed and the timed one's end was stopped: go back now rather than never.
        const revert = this.timers.has(key) ? undefined : this.reverts.get(key)
        this.reverts.delete(key)
        await revert?.().catch(() => undefined)
        throw err
      }
    })
  }

  /**
   * The actions each channel supports, learned (probing each table and endpoint) and kept for a while. A failed
   * learning is asked again next time.
   */
  capabilities(): Promise<ChannelCapabilities[]> {
    if (!this.capabilityList || this.capabilityList.until < Date.now()) {
      const list = this.learnCapabilities()
      this.capabilityList = { until: Date.now() + CAPABILITIES_FOR_MS, list }
      list.then(
        (learned) => (this.learnedList = learned),
        () => {
          if (this.capabilityList?.list === list) this.capabilityList = undefined
        },
      )
    }
    return this.capabilityList.list
  }

  /**
   * What has been learned, without asking the device anything: the last capability list (undefined before the
   * first learning ends) and by which transport each channel's siren and warning light were found.
   */
  learned(): { channels?: ChannelCapabilities[]; deterrence: Map<number, 'cgi' | 'rpc2'> } {
    return { channels: this.learnedList, deterrence: this.deterrence.via }
  }

  /**
   * Ends every timed siren or light now (a redeploy must not leave a siren sounding for the rest of its
   * minute, or a light on for ever), then refuses new work. Never rejects.
   */
  async close(): Promise<void> {
    this.closing = true
    const reverts = [...this.reverts.values()]
    for (const key of [...this.timers.keys()]) this.stopTimers(key)
    this.reverts.clear()
    await Promise.allSettled(reverts.map((revert) => revert()))
    this.abort.abort()
    this.queue.preemptAll()
    // A PTZ move told to stop sends its stop now: waited for (within a call's limit) before the session closes,
    // or the camera would turn until its end stop (review-2026-12.md 3).
    await this.queue.settled(2 * this.options.cgiTimeoutMs)
  }

  private async execute(
    request: ControlRequest,
    key: string,
    preempted: AbortSignal,
    ended?: (err?: unknown) => void,
  ): Promise<unknown> {
    const { action, value } = request
    const done = (state: unknown, checked: boolean | 'checked' | 'unverified'): ControlResult => ({
      action,
      channel: request.channel,
      state,
      verified: checked === true || checked === 'checked',
      ...(request.channelName === undefined ? {} : { channelName: request.channelName }),
    })
    switch (action) {
      case 'snapshot':
        return this.options.snapshot(request.channel)
      case 'channels':
        return this.channelList()
      case 'capabilities':
        return this.capabilities()
      case 'report':
        return this.options.report()
      case 'siren':
      case 'warning-light': {
        const on = value.kind === 'switch' && value.on
        const state = await this.deterrence.set(request, on)
        if (on && request.duration !== undefined) {
          const send = (io: boolean) => (): Promise<void> => this.deterrence.send(request, io)
          // The siren stops by itself after 10-15 s (rroller client.py): to sound for longer it is started again.
          const repeat = action === 'siren' ? this.options.sirenRepeatMs : undefined
          this.timed(key, request.duration * 1000, send(false), repeat && [repeat, send(true)], ended)
        }
        return done(state === 'unverified' ? on : state, state !== 'unverified')
      }
      case 'light':
      case 'light-mode':
      case 'infrared': {
        const mode: Mode =
          value.kind === 'switch' ? (value.on ? 'on' : 'off') : value.kind === 'mode' ? value.mode : 'off'
        const change =
          action === 'infrared'
            ? await this.lights.infrared(request, mode)
            : await this.lights.white(request, mode)
        if (mode === 'on' && request.duration !== undefined) {
          // Back to what it was: a light that was on Auto goes back to Auto, not off.
          this.timed(key, request.duration * 1000, change.restore, 0, ended)
        }
        return done(action === 'light' ? mode === 'on' : mode, change.checked)
      }
      case 'day-night':
        if (value.kind !== 'day-night') break
        return done(value.mode, await this.lights.dayNight(request, value.mode))
      case 'privacy':
      case 'motion-detection':
      case 'smart-detection': {
        const on = value.kind === 'switch' && value.on
        const table = { privacy: 'LeLensMask', 'motion-detection': 'MotionDetect' }[action as string]
        return done(on, await this.settings.enable(request, table ?? 'SmartMotionDetect', on))
      }
      case 'disarm': {
        const on = value.kind === 'switch' && value.on
        return done(on, await this.settings.disarm(request, on))
      }
      case 'ivs-rule':
        if (value.kind !== 'rule') break
        return {
          ...done(value.enabled, await this.settings.ivsRule(request, value.name, value.enabled)),
          rule: value.name,
        }
      case 'record-mode':
        if (value.kind !== 'record') break
        return done(value.mode, await this.settings.recordMode(request, value.mode))
      case 'alarm-output': {
        if (value.kind !== 'relay') break
        const output = request.output ?? 1
        const state = await this.settings.relay(request, value.mode, output)
        // Auto is a mode, not a state: getOutState says only whether the relay is energised now.
        return { ...done(state, state !== 'auto'), output }
      }
      case 'ptz-preset':
      case 'ptz-move':
        // A recorder answers PTZ getStatus 400 (fixture nvr-ptz-caps-fixed.txt): a position is not read back.
        return done(await this.ptz.run(request, preempted, this.abort.signal), false)
      case 'reboot': {
        const at = this.rebootedAt
        if (Date.now() < at + REBOOT_EVERY_MS) {
          throw new ControlError('reboot-recent', {
            at: clock(new Date(at)),
            until: clock(new Date(at + REBOOT_EVERY_MS)),
          })
        }
        this.rebootedAt = Date.now()
        try {
          await this.transport.write(request, '/cgi-bin/magicBox.cgi?action=reboot')
        } catch (err) {
          // Only a reboot the device took counts; meanwhile (set before the call) none runs beside it.
          this.rebootedAt = at
          throw err
        }
        return done('rebooting', false)
      }
    }
    throw new ControlError('answer')
  }

  /** A request that named its channel (`"Garage"`) as one that numbers it, by the recorder's titles. */
  private async byName(request: ControlRequest): Promise<ControlRequest> {
    const wanted = (request.channelName ?? '').toLowerCase()
    // Read anew when the name is not known: recorders' cameras are renamed.
    for (const again of [false, true]) {
      const channels = await this.channelList(again)
      const found = channels.find((c) => c.name?.trim().toLowerCase() === wanted)
      if (found) return { ...request, channel: found.channel, channelName: found.name ?? wanted }
      if (again) {
        throw new ControlError('channel-name', {
          name: request.channelName ?? '',
          names: listedNames(channels.flatMap((c) => (c.name ? [c.name] : []))),
        })
      }
    }
    throw new ControlError('answer')
  }

  /**
   * The device's video channels: as many as its per-channel tables have (`ChannelTitle`, read again each time
   * as recorders' cameras are renamed; `VideoInMode`, `MotionDetect`), at least one.
   */
  private async channelList(again = true): Promise<Array<{ channel: number; name: string | null }>> {
    const tables = [
      await this.transport.table('ChannelTitle', again),
      await this.transport.table('VideoInMode'),
      await this.transport.table('MotionDetect'),
    ]
    let count = 1
    for (const table of tables) {
      for (const key of table?.keys() ?? []) {
        const index = Number(/^\w+\[(\d+)\]/.exec(key)?.[1] ?? -1)
        if (index + 1 > count) count = index + 1
      }
    }
    return Array.from({ length: Math.min(count, MAX_CAPABILITY_CHANNELS) }, (_, i) => ({
      channel: i + 1,
      name: tables[0]?.get(`ChannelTitle[${i}].Name`) ?? null,
    }))
  }

  private async learnCapabilities(): Promise<ChannelCapabilities[]> {
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
      'VideoInOptions',
      'DisableLinkage',
    ]) {
      tables.set(table, await this.transport.table(table))
    }
    const recorder = await this.transport.isRecorder()
    const slots = await this.settings.outSlots()
    const list: ChannelCapabilities[] = []
    for (const { channel } of channels) {
      const ch = channel - 1
      const has = (table: string, test: (key: string, value: string) => boolean): boolean =>
        [...(tables.get(table) ?? [])].some(([k, v]) => k.startsWith(`${table}[${ch}]`) && test(k, v))
      const deterrence = await this.deterrence.outputs(channel)
      const ptz = await this.ptz.caps(channel)
      const white = has('Lighting_V2', (k, v) => k.endsWith('.LightType') && v === 'WhiteLight')
      const supported: Record<string, boolean> = {
        snapshot: true,
        siren: deterrence?.outputs.has('Speaker') === true,
        light: white,
        'warning-light': deterrence?.outputs.has('WhiteLight') === true,
        infrared:
          has('Lighting_V2', (k, v) => k.endsWith('.LightType') && v === 'InfraredLight') ||
          has('Lighting', (k) => k.endsWith('.Mode')),
        'light-mode': white,
        privacy: has('LeLensMask', (k) => k.endsWith('.Enable')),
        'alarm-output': slots > 0,
        'ptz-preset': ptz?.presets === true,
        'ptz-move': ptz?.moves === true,
        'motion-detection': has('MotionDetect', (k) => k.endsWith('.Enable')),
        'smart-detection': has('SmartMotionDetect', (k) => k.endsWith('.Enable')),
        'ivs-rule': recorder
          ? (await this.settings.remoteRules(ch).catch(() => undefined)) !== undefined
          : has('VideoAnalyseRule', (k) => k.endsWith('.Name')),
        'record-mode': has('RecordMode', (k) => k.endsWith('.Mode')),
        'day-night': has('VideoInOptions', (k) => /\.(DayNightColor|NightOptions\.SwitchMode)$/.test(k)),
        disarm:
          has('DisableLinkage', () => true) ||
          tables.get('DisableLinkage')?.has('DisableLinkage.Enable') === true,
        reboot: true,
        channels: true,
        capabilities: true,
        report: true,
      }
      const actions = Object.keys(supported).filter((action) => supported[action])
      // A recorder answers the coaxial status of every channel, with or without the hardware there ([RT]).
      const maybe: string[] = deterrence?.recorder
        ? actions.filter((a) => a === 'siren' || a === 'warning-light')
        : []
      list.push({ channel, actions: actions.filter((a) => !maybe.includes(a)), maybe })
    }
    return list
  }

  // -- Timed lights and sirens -----------------------------------------------------------------------------

  /**
   * After `ms`, `revert` through the queue (so it is coalesced with anything newer); every `repeat[0]` ms
   * meanwhile, `repeat[1]`. A timed change that replaces one still pending goes back to what was there before
   * the first (a second "light on for 60 s" must not make "on" the state to return to).
   */
  private timed(
    key: string,
    ms: number,
    revert: () => Promise<unknown>,
    repeat?: [number, () => Promise<unknown>] | 0,
    ended?: (err?: unknown) => void,
  ): void {
    const back = this.reverts.get(key) ?? revert
    if (this.closing) {
      // Closed while this change was under way: it is not left on.
      void back().catch(() => undefined)
      return
    }
    this.stopTimers(key)
    const timers: NodeJS.Timeout[] = []
    const end = setTimeout(
      () => {
        this.stopTimers(key)
        this.reverts.delete(key)
        this.queue
          .add(key, () => back())
          .then(
            () => ended?.(),
            (err: unknown) => ended?.(err),
          )
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
    this.reverts.set(key, back)
  }

  private stopTimers(key: string): void {
    for (const timer of this.timers.get(key) ?? []) clearTimeout(timer)
    this.timers.delete(key)
  }
}
