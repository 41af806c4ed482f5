// SPDX-License-Identifier: Apache-2.0
// Decodes one part body of the attach stream: `Heartbeat`, or `Code=<code>;action=<action>;index=<n>[;data=<JSON>]`.
// Pure and total: every input gives a result, none throws.

import { printable } from '../text'
import { MAX_ACTION_CHARS, MAX_CODE_CHARS, MAX_DATA_DEPTH, MAX_DOOR_INDEX, MAX_INDEX } from '../limits'
import { DOOR_CODES } from './door-events'
import type { CameraEvent } from '../types'

/**
 * What was done to an event's data so that it is safe to pass on (limits.ts):
 * - `depth`: nested deeper than MAX_DATA_DEPTH; passed on as its raw text.
 * - `keys`: `__proto__`, `constructor` or `prototype` keys removed.
 */
export type DataLimit = 'depth' | 'keys'

export type DecodedBody =
  | { kind: 'heartbeat' }
  /** `trailing`: text after a data-less event that is not another event (sent, so reported). */
  | { kind: 'events'; events: CameraEvent[]; trailing?: string; limit?: DataLimit }
  | { kind: 'invalid'; reason: string; sample: string }

type Decoded = { event: CameraEvent; trailing?: string; limit?: DataLimit }

const SAMPLE_CHARS = 80
const HEARTBEAT = Buffer.from('Heartbeat')
const DATA = Buffer.from(';data=')
// What every firmware sends; anything else goes through the general field loop.
const USUAL_PREFIX = /^Code=([^;=\s]+);action=([^;=\s]+);index=(\d+)$/
const LF = 0x0a
const CR = 0x0d

export function decodeEventBody(input: Buffer | string): DecodedBody {
  const body = typeof input === 'string' ? Buffer.from(input) : input
  let from = 0
  let to = body.length
  while (from < to && isSpace(body[from] as number)) {
    from++
  }
  while (to > from && isSpace(body[to - 1] as number)) {
    to--
  }
  if (to - from === HEARTBEAT.length && body.compare(HEARTBEAT, 0, HEARTBEAT.length, from, to) === 0) {
    return { kind: 'heartbeat' }
  }
  if (!startsWithCode(body, from, to)) {
    return invalid('not an event (no Code=)', body.toString('utf8', from, to))
  }
  // The common case straight from the bytes: the data block becomes one flat string for JSON.parse, as
  // cheap as decoding gets. One part carries one event on every firmware seen; only when the data is not
  // JSON is the body read again as text, split at lines that start with `Code=` (dahua-protocol.md 1.4).
  const whole = decodeOne(body, from, to)
  if (
    typeof whole !== 'string' &&
    whole.trailing === undefined &&
    whole.limit === undefined &&
    typeof whole.event.data !== 'string'
  ) {
    return { kind: 'events', events: [whole.event] }
  }
  const text = body.toString('utf8', from, to)
  if (!text.includes('\nCode=')) {
    return typeof whole === 'string' ? invalid(whole, text) : eventsOf([whole])
  }
  const decoded: Decoded[] = []
  for (const segment of text.split(/\n(?=Code=)/)) {
    const bytes = Buffer.from(segment)
    const event = decodeOne(bytes, 0, bytes.length)
    if (typeof event === 'string') {
      return invalid(event, segment)
    }
    decoded.push(event)
  }
  return eventsOf(decoded)
}

/** One event from body[from, to), or why it is not one. */
function decodeOne(body: Buffer, from: number, to: number): Decoded | string {
  // `data` is everything after the first `;data=`: the JSON may hold `;` and `=` (a rule named `Drive; Gate`,
  // base64 `dGVzdA==`), so only the prefix is split (rroller#680, rroller#477). An event without data is one
  // line; a part without Content-Length may carry more after it, which is not the event.
  const lineEnd = firstLineEnd(body, from, to)
  const found = body.indexOf(DATA, from)
  const dataAt = found >= 0 && found < lineEnd ? found : -1
  const prefixEnd = dataAt >= 0 ? dataAt : lineEnd
  const prefix = body.toString('utf8', from, prefixEnd)
  const usual = USUAL_PREFIX.exec(prefix)
  let code = usual?.[1]
  let action = usual?.[2]
  let index = usual?.[3]
  for (const pair of usual ? [] : prefix.split(';')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) {
      continue
    }
    const key = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    if (key === 'Code') {
      code = value
    } else if (key === 'action') {
      action = value
    } else if (key === 'index') {
      index = value
    }
  }
  if (!code) {
    return 'empty Code'
  }
  if (!action) {
    return 'no action'
  }
  if (index === undefined || !/^\d+$/.test(index)) {
    return 'no numeric index'
  }
  // Bounds (limits.ts): what the camera names is kept and tracked, so it must stay small.
  if (code.length > MAX_CODE_CHARS) {
    return `Code longer than ${MAX_CODE_CHARS} characters`
  }
  if (action.length > MAX_ACTION_CHARS) {
    return `action longer than ${MAX_ACTION_CHARS} characters`
  }
  const number = Number(index)
  // A door or call code's index may be the room called (9902 on a VTO2000A, limits.ts); a channel's is small.
  const most = DOOR_CODES.includes(code) ? MAX_DOOR_INDEX : MAX_INDEX
  if (number > most) {
    return `index over ${most}`
  }
  const event: CameraEvent = { code, action, index: number }
  if (dataAt >= 0) {
    // `to` already excludes trailing white space; JSON.parse skips any leading.
    const { data, limit } = decodeData(body.toString('utf8', dataAt + DATA.length, to))
    event.data = data
    return limit ? { event, limit } : { event }
  }
  const rest = body.toString('utf8', lineEnd, to).trim()
  return rest ? { event, trailing: rest } : { event }
}

function decodeData(text: string): { data: unknown; limit?: DataLimit } {
  const raw = isSpace(text.charCodeAt(0)) ? text.trim() : text
  const first = raw.charCodeAt(0)
  // Only JSON objects and arrays are worth a parse attempt; truncated payloads are ordinary (rroller#404), so a
  // failure keeps the raw text rather than losing the event.
  if (first !== 0x7b && first !== 0x5b) {
    return { data: raw }
  }
  let data: unknown
  try {
    // JSON.parse itself reads any depth without recursing (V8); what it built is then measured.
    data = JSON.parse(raw)
  } catch {
    return { data: raw }
  }
  const found = { keys: false }
  if (!tame(data, MAX_DATA_DEPTH, found)) {
    // Every copy and write-out of it downstream would recurse that deep: the text is safe, the tree is not.
    return { data: raw, limit: 'depth' }
  }
  return found.keys ? { data, limit: 'keys' } : { data }
}

/**
 * Walks freshly parsed data, at most `levels` deep (so its own recursion is bounded): false when it nests deeper.
 * Removes keys that would become, or reach, an object's prototype when a flow copies or merges the data.
 */
function tame(value: unknown, levels: number, found: { keys: boolean }): boolean {
  if (typeof value !== 'object' || value === null) {
    return true
  }
  if (levels === 0) {
    return false
  }
  if (Array.isArray(value)) {
    for (const child of value) {
      if (typeof child === 'object' && !tame(child, levels - 1, found)) {
        return false
      }
    }
    return true
  }
  const object = value as Record<string, unknown>
  for (const key in object) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      delete object[key]
      found.keys = true
      continue
    }
    const child = object[key]
    if (typeof child === 'object' && !tame(child, levels - 1, found)) {
      return false
    }
  }
  return true
}

function firstLineEnd(body: Buffer, from: number, to: number): number {
  const lf = body.indexOf(LF, from)
  const end = lf < 0 || lf > to ? to : lf
  const cr = body.subarray(from, end).indexOf(CR)
  return cr < 0 ? end : from + cr
}

function startsWithCode(body: Buffer, from: number, to: number): boolean {
  return (
    to - from >= 5 &&
    body[from] === 0x43 &&
    body[from + 1] === 0x6f &&
    body[from + 2] === 0x64 &&
    body[from + 3] === 0x65 &&
    body[from + 4] === 0x3d
  )
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === LF || c === CR
}

function eventsOf(decoded: Decoded[]): DecodedBody {
  const trailing = decoded.find((d) => d.trailing !== undefined)?.trailing
  const limit = decoded.find((d) => d.limit !== undefined)?.limit
  return {
    kind: 'events',
    events: decoded.map((d) => d.event),
    ...(trailing === undefined ? {} : { trailing: sampleOf(trailing) }),
    ...(limit === undefined ? {} : { limit }),
  }
}

function invalid(reason: string, text: string): DecodedBody {
  return { kind: 'invalid', reason, sample: sampleOf(text) }
}

function sampleOf(text: string): string {
  return printable(text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text)
}
