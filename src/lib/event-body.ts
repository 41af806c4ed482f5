// SPDX-License-Identifier: Apache-2.0
// Decodes one part body of the attach stream: `Heartbeat`, or `Code=<code>;action=<action>;index=<n>[;data=<JSON>]`.
// Pure and total: every input gives a result, none throws.

import type { CameraEvent } from './types'

export type DecodedBody =
  | { kind: 'heartbeat' }
  /** `trailing`: text after a data-less event that is not another event (sent, so reported). */
  | { kind: 'events'; events: CameraEvent[]; trailing?: string }
  | { kind: 'invalid'; reason: string; sample: string }

type Decoded = { event: CameraEvent; trailing?: string }

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
  if (typeof whole !== 'string' && whole.trailing === undefined && typeof whole.event.data !== 'string') {
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
  const event: CameraEvent = { code, action, index: Number(index) }
  if (dataAt >= 0) {
    // `to` already excludes trailing white space; JSON.parse skips any leading.
    event.data = decodeData(body.toString('utf8', dataAt + DATA.length, to))
    return { event }
  }
  const rest = body.toString('utf8', lineEnd, to).trim()
  return rest ? { event, trailing: rest } : { event }
}

function decodeData(text: string): unknown {
  const raw = isSpace(text.charCodeAt(0)) ? text.trim() : text
  const first = raw.charCodeAt(0)
  // Only JSON objects and arrays are worth a parse attempt; truncated payloads are ordinary (rroller#404), so a
  // failure keeps the raw text rather than losing the event.
  if (first === 0x7b || first === 0x5b) {
    try {
      return JSON.parse(raw) as unknown
    } catch {
      return raw
    }
  }
  return raw
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
  const events = decoded.map((d) => d.event)
  return trailing === undefined
    ? { kind: 'events', events }
    : { kind: 'events', events, trailing: sampleOf(trailing) }
}

function invalid(reason: string, text: string): DecodedBody {
  return { kind: 'invalid', reason, sample: sampleOf(text) }
}

function sampleOf(text: string): string {
  const sample = text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text
  return sample.replace(/\s+/g, ' ')
}
