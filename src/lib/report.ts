// SPDX-License-Identifier: Apache-2.0
// The device report: one plain text a user can paste into a bug report. What the device is (model, type, a
// masked serial, firmware), what the package learned it supports and by which transport, the device's own list
// of active sessions, the package's own connections to it, refusals and pauses, and the last events. It is
// written from an allow-list of fields, each cut to a line's length, never by dumping an object: the password,
// a digest response or nonce, an RPC2 session or its login hash and a cookie are never read into it, so none
// can reach it. In English on purpose: it is read by whoever answers the bug report.

import type { Device } from './device'
import { MAX_STATE_ANSWER_BYTES } from './limits'
import { AnswerTooLarge, LoginsPaused, classify, type HttpSession } from './session/http-session'
import { parseKeyValues } from './session/probe'
import { printable } from './text'
import type { CameraAddress, StateChange } from './types'

/** Every line is at most this long, and the whole text at most MAX_REPORT_CHARS. */
export const MAX_LINE_CHARS = 160
export const MAX_REPORT_CHARS = 16_384
/** The device's sessions listed; more are counted. */
export const MAX_SESSIONS_LISTED = 32
/** Channels whose capabilities are listed (a 64-channel recorder would fill the report); more are counted. */
const MAX_CHANNELS_LISTED = 32
/** The device's answers to the report's questions come within this long, or are said as not answered. */
export const REPORT_READ_MS = 8_000

/** One of the device's active sessions, as far as the device says. */
export interface ActiveSession {
  address?: string
  type?: string
  since?: string
}

/**
 * A serial number as a bug report may show it: its first 4 and last 2 characters (enough to tell two devices
 * apart), the rest masked. A serial too short to keep 2 characters hidden is masked whole.
 */
export function maskSerial(serial: string): string {
  const text = printable(serial).slice(0, 64)
  return text.length < 8
    ? '*'.repeat(text.length)
    : `${text.slice(0, 4)}${'*'.repeat(text.length - 6)}${text.slice(-2)}`
}

/**
 * The sessions in an answer of `userManager.cgi?action=getActiveUserInfoAll`: the CGI's `users[N].Field=value`
 * lines (dahua-protocol.md 3.2). Only the client's address, its type and its login time are read (the fields
 * ipcmanview's usermanager.go reads as `ClientAddress`, `ClientType`, `LoginTime`); an account's name and group,
 * and anything else the answer carries, are not. No captured answer of this call was found in public sources
 * (see test/fixtures/devices/SOURCES.md), so the simulator does not answer it.
 */
export function activeSessions(text: string): { sessions: ActiveSession[]; more: number } {
  const byIndex = new Map<number, ActiveSession>()
  const beyond = new Set<number>()
  const fields = { ClientAddress: 'address', ClientType: 'type', LoginTime: 'since' } as const
  for (const match of text.matchAll(/^users\[(\d{1,4})\]\.(ClientAddress|ClientType|LoginTime)=(.*)$/gm)) {
    const index = Number(match[1])
    let session = byIndex.get(index)
    if (!session) {
      if (byIndex.size >= MAX_SESSIONS_LISTED) {
        beyond.add(index)
        continue
      }
      session = {}
      byIndex.set(index, session)
    }
    session[fields[match[2] as keyof typeof fields]] = printable(match[3] ?? '').slice(0, 48)
  }
  return { sessions: [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, s]) => s), more: beyond.size }
}

/** An answer read, or why there is none, in words for the report. */
type Read = { ok: true; values: Record<string, string>; text: string } | { ok: false; why: string }

/** The report of `device`, at `address`: what could not be learned says why. */
export async function deviceReport(
  device: Device,
  address: CameraAddress,
  closing: AbortSignal,
): Promise<string> {
  const now = Date.now()
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(), REPORT_READ_MS)
  const stop = (): void => deadline.abort()
  closing.addEventListener('abort', stop, { once: true })
  try {
    const ask = (path: string, rightsProbe?: boolean): Promise<Read> =>
      read(device.http, path, deadline.signal, rightsProbe)
    const [system, type, software] = await Promise.all([
      ask('/cgi-bin/magicBox.cgi?action=getSystemInfo'),
      ask('/cgi-bin/magicBox.cgi?action=getDeviceType'),
      ask('/cgi-bin/magicBox.cgi?action=getSoftwareVersion'),
    ])
    // Only once the device has accepted the login: a user without the right to this list is answered 401, which
    // before that would count as a refused login towards the account's lockout, and after it is this user's
    // rights (http-session.ts `rightsProbe`).
    const users: Read = device.http.proven
      ? await ask('/cgi-bin/userManager.cgi?action=getActiveUserInfoAll', true)
      : { ok: false, why: 'not asked: the device has not accepted the login yet' }
    return bounded([
      `Dahua device report, ${iso(now)}`,
      `Address: ${address.host}:${address.port} (${address.protocol})`,
      ...identity(system, type, software),
      '',
      ...learned(device),
      '',
      ...sessions(users),
      '',
      ...connections(device),
      '',
      ...pauses(device, now),
      '',
      ...events(device),
    ])
  } finally {
    clearTimeout(timer)
    closing.removeEventListener('abort', stop)
  }
}

async function read(
  http: HttpSession,
  path: string,
  signal: AbortSignal,
  rightsProbe = false,
): Promise<Read> {
  try {
    const { status, body } = await http.cgi(path, { signal, maxBytes: MAX_STATE_ANSWER_BYTES, rightsProbe })
    const text = body.toString('utf8')
    if (status !== 200) return { ok: false, why: `HTTP ${status}` }
    // Some firmware answers 200 with `Error` for what it does not have (dahua-protocol.md 3.3).
    if (/^\s*Error/i.test(text))
      return { ok: false, why: `the device answered "${printable(text).slice(0, 40)}"` }
    return { ok: true, values: parseKeyValues(text), text }
  } catch (err) {
    if (err instanceof LoginsPaused)
      return { ok: false, why: `not asked: logins are paused until ${iso(err.until)}` }
    if (err instanceof AnswerTooLarge) return { ok: false, why: `answer larger than ${err.limit} bytes` }
    if (signal.aborted) return { ok: false, why: `no answer within ${REPORT_READ_MS / 1000} s` }
    // The class of failure only: an error's message may carry a URL.
    const reason = classify(err)
    return { ok: false, why: `no answer (${reason.kind}${reason.detail ? ` ${reason.detail}` : ''})` }
  }
}

function identity(system: Read, type: Read, software: Read): string[] {
  const value = (answer: Read, key: string): string => {
    if (!answer.ok) return `could not be read: ${answer.why}`
    const found = answer.values[key]
    return found ? printable(found).slice(0, 64) : 'not said'
  }
  // A recorder answers `deviceType=31` (a number); its model is in getDeviceType (field-notes.md 1).
  const named = (text: string | undefined): text is string => !!text && !/^\d+$/.test(text)
  const model =
    type.ok && named(type.values.type)
      ? value(type, 'type')
      : system.ok && named(system.values.deviceType)
        ? value(system, 'deviceType')
        : value(type, 'type')
  const serial = system.ok ? maskSerial(system.values.serialNumber ?? '') : ''
  return [
    `Model: ${model}`,
    `Device type: ${value(system, 'deviceType')}`,
    `Serial: ${system.ok ? serial || 'not said' : value(system, 'serialNumber')}`,
    `Firmware: ${value(software, 'version')}`,
  ]
}

function learned(device: Device): string[] {
  const { channels, deterrence } = device.control.learned()
  const lines = ['What the package learned it supports:']
  if (!channels) {
    lines.push(
      // Learning asks the device hundreds of questions (security-2026-12.md 8): the report only says what is known.
      '  not learned yet: the control dialog or msg.action "capabilities" learns it',
    )
  } else {
    for (const channel of channels.slice(0, MAX_CHANNELS_LISTED)) {
      lines.push(...listed(`  channel ${channel.channel}: `, channel.actions))
      if (channel.maybe.length > 0) lines.push(...listed('    offered on every channel: ', channel.maybe))
      const via = deterrence.get(channel.channel)
      if (via) lines.push(`    siren and warning light over ${via === 'rpc2' ? 'RPC2' : 'CGI'}`)
    }
    if (channels.length > MAX_CHANNELS_LISTED)
      lines.push(`  and ${channels.length - MAX_CHANNELS_LISTED} more channels`)
  }
  const door = device.door.openedVia
  if (door) lines.push(`  doors opened over ${door === 'rpc2' ? 'RPC2' : 'CGI (accessControl.cgi)'}`)
  return lines
}

function sessions(users: Read): string[] {
  const lines = ["The device's active sessions (userManager.cgi getActiveUserInfoAll):"]
  if (!users.ok) {
    lines.push(`  could not be read: ${users.why}`)
    return lines
  }
  const { sessions: list, more } = activeSessions(users.text)
  if (list.length === 0) lines.push('  none listed')
  for (const session of list) {
    lines.push(
      `  ${session.address ?? 'address not said'}, ${session.type ?? 'type not said'}, since ${session.since ?? 'not said'}`,
    )
  }
  if (more > 0) lines.push(`  and ${more} more`)
  return lines
}

function connections(device: Device): string[] {
  const state = device.stream.state
  const since = device.stream.times.since
  const health = device.recent.health
  const lines = [
    "This package's connections to it:",
    `  event stream: ${stateText(state)}${state.state === 'stopped' ? '' : ` since ${iso(since)}`}`,
  ]
  if (health) {
    const outage = health.downtime === undefined ? '' : `, last outage ${health.downtime} s`
    const why = health.reason ? ` (${printable(health.reason).slice(0, 60)})` : ''
    lines.push(
      `  health: ${health.state}${why} since ${printable(health.since).slice(0, 30)}, ${health.reconnects} reconnects${outage}`,
    )
  }
  lines.push(`  HTTP sockets open: ${device.http.openSockets}`)
  lines.push(`  RPC2 session: ${device.rpc2.loggedIn ? 'yes' : 'no'}`)
  return lines
}

function stateText(change: StateChange): string {
  const reason = change.reason
  if (!reason) return change.state
  return `${change.state} (${reason.kind}${reason.detail ? ` ${printable(reason.detail).slice(0, 40)}` : ''})`
}

function pauses(device: Device, now: number): string[] {
  const budget = (name: string, b: HttpSession['budget']): string => {
    const wait = b.waitMs(now)
    const paused = wait > 0 ? `paused until ${iso(now + wait)}` : 'not paused'
    return `  ${name}: ${b.refused} refused, ${b.left} left before they pause; ${paused}`
  }
  const pictures = device.picturesPaused
  return [
    'Refusals and pauses:',
    budget('logins', device.http.budget),
    budget('RPC2 logins', device.http.rpc2Budget),
    `  pictures: ${pictures ? `paused until ${iso(pictures.until)} after ${pictures.failures} failures in a row` : 'not paused'}`,
  ]
}

function events(device: Device): string[] {
  const list = device.recent.list()
  const lines = [`Last ${list.length} events, oldest first:`]
  if (list.length === 0) lines.push('  none since deploy')
  for (const event of list) {
    lines.push(
      `  ${iso(event.at)} ${event.code} ${event.action} channel ${event.channel}${event.kind ? ` (${event.kind})` : ''}`,
    )
  }
  return lines
}

/** `items` after `prefix`, on as many lines as they need to stay within MAX_LINE_CHARS. */
function listed(prefix: string, items: string[]): string[] {
  const lines: string[] = []
  let line = ''
  for (const item of items) {
    if (line && prefix.length + line.length + 2 + item.length > MAX_LINE_CHARS) {
      lines.push(`${line},`)
      line = ''
    }
    line = line ? `${line}, ${item}` : item
  }
  lines.push(line)
  return lines.map((text, i) => (i === 0 ? prefix : ' '.repeat(prefix.length)) + text)
}

/** The lines as one text: each cut to MAX_LINE_CHARS, the whole cut at a line's end before MAX_REPORT_CHARS. */
export function bounded(lines: string[]): string {
  const cut = lines.map((line) =>
    line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line,
  )
  let text = cut.join('\n')
  if (text.length > MAX_REPORT_CHARS) {
    const end = text.lastIndexOf('\n', MAX_REPORT_CHARS - 40)
    text = `${text.slice(0, end)}\n… (cut at ${MAX_REPORT_CHARS} characters)`
  }
  return `${text}\n`
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : 'unknown'
}
