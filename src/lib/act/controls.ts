// SPDX-License-Identifier: Apache-2.0
// What a `dahua-control` message asks for, read and checked: the action, the channel and the value, as plain
// data, or the problem with it as a catalog key. Also the reading of the camera's `key=value` answers. Pure:
// the device-control.ts session sends what this file has read.

import { MAX_INDEX } from '../limits'
import { CONTROL_ACTIONS, quotedName } from '../rules'
import { printable } from '../text'

export const ACTIONS = CONTROL_ACTIONS

export type ControlAction = (typeof ACTIONS)[number]

export type Mode = 'auto' | 'on' | 'off'
export type RecordMode = 'auto' | 'manual' | 'off'
export type DayNight = 'color' | 'black-white' | 'auto'
export type Direction = 'up' | 'down' | 'left' | 'right' | 'zoom-in' | 'zoom-out'

export interface PtzMove {
  direction: Direction
  /** 1-8 (the camera's pan speed range). */
  speed: number
  seconds: number
}

export type ControlValue =
  | { kind: 'none' }
  | { kind: 'switch'; on: boolean }
  | { kind: 'mode'; mode: Mode }
  | { kind: 'relay'; mode: Mode }
  | { kind: 'record'; mode: RecordMode }
  | { kind: 'day-night'; mode: DayNight }
  | { kind: 'preset'; preset: number }
  | { kind: 'move'; move: PtzMove }
  | { kind: 'rule'; name: string; enabled: boolean }

export interface ControlRequest {
  action: ControlAction
  /** 1-based. */
  channel: number
  /** The recorder's name for the channel, when the message named it (`"Garage"`): `channel` is then found by it. */
  channelName?: string
  value: ControlValue
  /** Seconds after which a siren or light goes back (siren, light, warning-light only). */
  duration?: number
  /** The relay, 1-based (alarm-output only). */
  output?: number
}

/** A catalog key of `dahua-control.errors` and its parameters. */
export interface Problem {
  problem: string
  params?: Record<string, string | number>
}

/** The longest `msg.duration`: a day. Longer is surely a unit mistake (ms for s), and a siren would outlive it. */
export const MAX_DURATION_S = 86_400
/** The longest PTZ move a message may ask for: the camera moves until it is told to stop. */
export const MAX_MOVE_S = 60
/** Relays a message may name: recorders have up to 16 (`alarm.cgi?action=getOutSlots`). */
export const MAX_OUTPUT = 64
export const MAX_PRESET = 1000
export const MAX_RULE_CHARS = 64

const SWITCHES = new Set<ControlAction>([
  'siren',
  'light',
  'warning-light',
  'privacy',
  'motion-detection',
  'smart-detection',
  'disarm',
])
const TIMED = new Set<ControlAction>(['siren', 'light', 'warning-light'])
const DIRECTIONS = new Set<string>(['up', 'down', 'left', 'right', 'zoom-in', 'zoom-out'])

export function isControlAction(value: unknown): value is ControlAction {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value)
}

/** What a flow sent, read as the request it means, or the problem with it. */
export function readRequest(
  msg: { action?: unknown; channel?: unknown; payload?: unknown; duration?: unknown; output?: unknown },
  defaults: { action: unknown; channel: unknown },
): ControlRequest | Problem {
  const action = msg.action ?? defaults.action
  if (!isControlAction(action)) {
    return {
      problem: 'action',
      params: { action: typeof action === 'string' ? printable(action).slice(0, 40) : typeof action },
    }
  }
  const asked = msg.channel ?? defaults.channel ?? 1
  // A recorder's channel by its name in quotes, as the event node's filter takes it; found by the device.
  const channelName = typeof asked === 'string' ? quotedName(asked.trim()) : undefined
  const channel = channelName ? 1 : whole(asked, 1, MAX_INDEX + 1)
  if (channel === undefined || channelName === '') {
    return { problem: 'channel', params: { max: MAX_INDEX + 1 } }
  }
  const value = readValue(action, msg.payload)
  if ('problem' in value) {
    return value
  }
  const request: ControlRequest = { action, channel, value, ...(channelName ? { channelName } : {}) }
  if (msg.duration !== undefined && msg.duration !== null && msg.duration !== '') {
    const duration = Number(msg.duration)
    if (!TIMED.has(action) || !(duration > 0 && duration <= MAX_DURATION_S)) {
      return { problem: 'duration', params: { max: MAX_DURATION_S } }
    }
    // Only turning on is timed: "off for 60 s" is not a thing a siren does.
    if (value.kind === 'switch' && value.on) {
      request.duration = duration
    }
  }
  if (action === 'alarm-output') {
    const output = whole(msg.output ?? 1, 1, MAX_OUTPUT)
    if (output === undefined) {
      return { problem: 'output', params: { max: MAX_OUTPUT } }
    }
    request.output = output
  }
  return request
}

function readValue(action: ControlAction, payload: unknown): ControlValue | Problem {
  if (SWITCHES.has(action)) {
    const on = onOff(payload)
    return on === undefined ? { problem: 'switch', params: { action } } : { kind: 'switch', on }
  }
  switch (action) {
    case 'infrared':
    case 'light-mode': {
      const mode = modeOf(payload)
      return mode ? { kind: 'mode', mode } : { problem: 'mode', params: { action } }
    }
    case 'alarm-output': {
      const mode = modeOf(payload)
      return mode ? { kind: 'relay', mode } : { problem: 'relay' }
    }
    case 'record-mode': {
      const mode = typeof payload === 'string' ? payload.trim().toLowerCase() : ''
      return mode === 'auto' || mode === 'manual' || mode === 'off'
        ? { kind: 'record', mode }
        : { problem: 'record' }
    }
    case 'day-night': {
      const mode = typeof payload === 'string' ? payload.trim().toLowerCase().replace('colour', 'color') : ''
      return mode === 'color' || mode === 'black-white' || mode === 'auto'
        ? { kind: 'day-night', mode }
        : { problem: 'day-night' }
    }
    case 'ptz-preset': {
      const preset = whole(payload, 1, MAX_PRESET)
      return preset === undefined
        ? { problem: 'preset', params: { max: MAX_PRESET } }
        : { kind: 'preset', preset }
    }
    case 'ptz-move':
      return readMove(payload)
    case 'ivs-rule': {
      const rule = payload as { name?: unknown; enabled?: unknown } | null
      const name = typeof rule?.name === 'string' ? rule.name.trim() : ''
      const enabled = onOff(rule?.enabled)
      return name && name.length <= MAX_RULE_CHARS && enabled !== undefined
        ? { kind: 'rule', name, enabled }
        : { problem: 'rule', params: { max: MAX_RULE_CHARS } }
    }
    default:
      return { kind: 'none' }
  }
}

function readMove(payload: unknown): ControlValue | Problem {
  const move = payload as { direction?: unknown; speed?: unknown; seconds?: unknown } | null
  const direction = typeof move?.direction === 'string' ? move.direction.trim().toLowerCase() : ''
  const speed = move?.speed === undefined ? 4 : whole(move.speed, 1, 8)
  const seconds = move?.seconds === undefined ? 1 : Number(move.seconds)
  if (!DIRECTIONS.has(direction) || speed === undefined || !(seconds > 0 && seconds <= MAX_MOVE_S)) {
    return { problem: 'move', params: { max: MAX_MOVE_S } }
  }
  return { kind: 'move', move: { direction: direction as Direction, speed, seconds } }
}

/** true/false as flows send them: booleans, "on"/"off", "true"/"false", 1/0 (dashboard switches send each). */
function onOff(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (value === 1 || value === 0) return value === 1
  const text = typeof value === 'string' ? value.trim().toLowerCase() : ''
  return text === 'true' || text === 'on' ? true : text === 'false' || text === 'off' ? false : undefined
}

function modeOf(value: unknown): Mode | undefined {
  if (typeof value === 'boolean') return value ? 'on' : 'off'
  const text = typeof value === 'string' ? value.trim().toLowerCase() : ''
  return text === 'auto' || text === 'on' || text === 'off' ? text : undefined
}

function whole(value: unknown, least: number, most: number): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof number === 'number' && Number.isInteger(number) && number >= least && number <= most
    ? number
    : undefined
}

/**
 * The setting a request changes: requests for the same one are coalesced (the last value wins). A PTZ has one
 * position, so its presets and moves are one setting.
 */
export function settingKey(request: ControlRequest): string {
  const { action, channel, value } = request
  if (action === 'ptz-preset' || action === 'ptz-move') return `ptz/${channel}`
  if (action === 'alarm-output') return `${action}/${request.output ?? 1}`
  if (value.kind === 'rule') return `${action}/${channel}/${value.name}`
  return `${action}/${channel}`
}
