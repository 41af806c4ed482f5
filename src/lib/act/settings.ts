// SPDX-License-Identifier: Apache-2.0
// Settings that are one field of a configuration table: privacy, motion and smart motion detection, record
// mode, disarming, IVS rules; and the relays. Each write is read back (docs/devices.md, one section each).

import { ControlError, listedNames } from './control-error'
import type { ControlRequest, Mode, RecordMode } from './controls'
import type { Checked, Transport } from './transport'

/** `RecordMode[ch].Mode`: 0 auto, 1 manual, 2 off (rroller client.py `async_set_record_mode`). */
const RECORD_MODE: Record<RecordMode, string> = { auto: '0', manual: '1', off: '2' }
/** `AlarmOut[n].Mode`: 0 auto, 1 on, 2 off (rr PR#694); an older relay camera: 0 on, 1 off (rr#676). */
const RELAY_MODE = { auto: '0', on: '1', off: '2' } as const
const RELAY_MODE_REVERSED = { on: '0', off: '1' } as const

export class Settings {
  private relaysReversed = false

  constructor(private readonly transport: Transport) {}

  /**
   * `Table[ch].Enable`: privacy (`LeLensMask`, rr#379), motion and smart motion detection. The row is read
   * fresh: a recorder answers 200 to a write to a row it does not have and discards it ([RCO]).
   */
  async enable(request: ControlRequest, table: string, on: boolean): Promise<Checked> {
    const field = `${table}[${request.channel - 1}].Enable`
    if (!(await this.transport.fresh(table))?.has(field)) {
      throw new ControlError('unsupported', { action: request.action })
    }
    return this.transport.setAndCheck(request, new Map([[field, String(on)]]))
  }

  async recordMode(request: ControlRequest, mode: RecordMode): Promise<Checked> {
    const field = `RecordMode[${request.channel - 1}].Mode`
    if (!(await this.transport.fresh('RecordMode'))?.has(field)) {
      throw new ControlError('unsupported', { action: request.action })
    }
    return this.transport.setAndCheck(request, new Map([[field, RECORD_MODE[mode]]]))
  }

  /**
   * The camera's own "disarm", as its app does it ([RC], [RSW]): `DisableLinkage[ch].Enable=true` silences its
   * alarm actions, and `DisableEventNotify`, whose sense is inverted, its notifications. Some models keep one
   * unindexed row (`table.DisableLinkage.Enable`, fixture ipc-disablelinkage-getconfig.txt).
   */
  async disarm(request: ControlRequest, disarmed: boolean): Promise<Checked> {
    const writes = new Map<string, string>()
    for (const table of ['DisableLinkage', 'DisableEventNotify']) {
      const now = await this.transport.fresh(table)
      const field = [`${table}[${request.channel - 1}].Enable`, `${table}.Enable`].find((f) => now?.has(f))
      if (field) writes.set(field, String(disarmed))
    }
    if (![...writes.keys()].some((k) => k.startsWith('DisableLinkage'))) {
      throw new ControlError('unsupported', { action: request.action })
    }
    return this.transport.setAndCheck(request, writes)
  }

  /**
   * An IVS rule by its name. A recorder's cameras keep theirs in `RemoteVideoAnalyseRule`, read and written one
   * channel and one field at a time over RPC2 (the whole table is refused with "Request length error!", fixture
   * nvr5464-rpc2-remotevideoanalyserule-length-error.json); `VideoAnalyseRule` holds the recorder's own ([RCO]).
   */
  async ivsRule(request: ControlRequest, name: string, enabled: boolean): Promise<Checked> {
    const ch = request.channel - 1
    if (await this.transport.isRecorder()) {
      const rules = await this.remoteRules(ch)
      if (!rules) throw new ControlError('unsupported', { action: request.action })
      const index = rules.findIndex((rule) => rule.Name === name)
      if (index < 0)
        throw this.noRule(
          name,
          rules.map((r) => String(r.Name)),
        )
      const written = await this.transport.rpc2('configManager.setConfig', {
        name: `RemoteVideoAnalyseRule[${ch}][${index}].Enable`,
        table: enabled,
        options: [],
        channel: ch,
      })
      if (!written || written.result !== true) throw new ControlError('refused', { action: request.action })
      const now = (await this.transport.readBack(() => this.remoteRules(ch)))?.[index]?.Enable
      if (typeof now !== 'boolean') return 'unverified'
      if (now !== enabled)
        throw new ControlError('not-applied', { action: request.action, state: now ? 'on' : 'off' })
      return 'checked'
    }
    const rules = await this.transport.fresh('VideoAnalyseRule', `VideoAnalyseRule[${ch}]`)
    if (!rules) throw new ControlError('unsupported', { action: request.action })
    const names = [...rules]
      .filter(([k]) => k.startsWith(`VideoAnalyseRule[${ch}][`) && k.endsWith('].Name'))
      .map(([k, rule]) => ({ field: k.replace(/\.Name$/, '.Enable'), name: rule }))
    const rule = names.find((r) => r.name === name)
    if (!rule)
      throw this.noRule(
        name,
        names.map((r) => r.name),
      )
    return this.transport.setAndCheck(request, new Map([[rule.field, String(enabled)]]))
  }

  /** A recorder camera's rules, read over RPC2 one channel at a time, or undefined where it has none. */
  async remoteRules(ch: number): Promise<Array<{ Name?: unknown; Enable?: unknown }> | undefined> {
    const answer = await this.transport.rpc2('configManager.getConfig', {
      name: 'RemoteVideoAnalyseRule',
      onlyLocal: false,
      channel: ch,
    })
    const table = answer?.params?.table
    return Array.isArray(table)
      ? (table.slice(0, 256) as Array<{ Name?: unknown; Enable?: unknown }>)
      : undefined
  }

  /**
   * `AlarmOut[n].Mode`, then `alarm.cgi?action=getOutState` (a bitmask, Skinah/IpCamera#15) says whether the
   * relay really changed: Mode is not the state (rr PR#694). Some models read the modes the other way round
   * (rr#676): a relay that did the opposite is written the reversed way, and the device is known to be so.
   */
  async relay(request: ControlRequest, mode: Mode, output: number): Promise<boolean | 'auto'> {
    const slots = await this.outSlots()
    if (!(slots > 0)) throw new ControlError('unsupported', { action: request.action })
    if (output > slots) throw new ControlError('output-count', { output, outputs: slots })
    const field = `AlarmOut[${output - 1}].Mode`
    if (mode === 'auto') {
      if (this.relaysReversed) throw new ControlError('relay-auto')
      await this.transport.setConfig(request, new Map([[field, RELAY_MODE.auto]]))
      return 'auto'
    }
    const wanted = mode === 'on'
    const modes = this.relaysReversed ? RELAY_MODE_REVERSED : RELAY_MODE
    await this.transport.setConfig(request, new Map([[field, modes[mode]]]))
    if ((await this.relayState(output)) === wanted) return wanted
    if (!this.relaysReversed) {
      this.relaysReversed = true
      await this.transport.setConfig(request, new Map([[field, RELAY_MODE_REVERSED[mode]]]))
      if ((await this.relayState(output)) === wanted) return wanted
    }
    throw new ControlError('relay-unchanged', { output })
  }

  /** How many relays the device has (`result=N`, rr PR#694), learned once. */
  async outSlots(): Promise<number> {
    const answer = await this.transport.learn(
      'outSlots',
      '/cgi-bin/alarm.cgi?action=getOutSlots',
      (k) => k === 'result',
    )
    const slots = Number(answer?.get('result'))
    return Number.isInteger(slots) && slots > 0 ? slots : 0
  }

  private async relayState(output: number): Promise<boolean> {
    const mask = Number((await this.transport.read('/cgi-bin/alarm.cgi?action=getOutState'))?.get('result'))
    if (!Number.isInteger(mask)) throw new ControlError('answer')
    return (mask & (1 << (output - 1))) !== 0
  }

  private noRule(name: string, names: string[]): ControlError {
    return new ControlError('rule-name', { name, rules: listedNames(names) })
  }
}
