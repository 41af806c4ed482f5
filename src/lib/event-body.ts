// SPDX-License-Identifier: Apache-2.0
// Decodes one part body of the attach stream: `Heartbeat`, or `Code=<code>;action=<action>;index=<n>[;data=<JSON>]`.
// Pure and total: every input gives a result, none throws.

import type { CameraEvent } from './types'

export type DecodedBody =
  | { kind: 'heartbeat' }
  /** `trailing`: text after a data-less event that is not another event (sent, so reported). */
  | { kind: 'events'; events: CameraEvent[]; trailing?: string }
  | { kind: 'invalid'; reason: string; sample: string }

const SAMPLE_CHARS = 80

export function decodeEventBody(body: Buffer | string): DecodedBody {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).trim()
  if (text === 'Heartbeat') {
    return { kind: 'heartbeat' }
  }
  if (!text.startsWith('Code=')) {
    return invalid('not an event (no Code=)', text)
  }
  // One part carries one event on every firmware seen, but reading every line that starts with `Code=` costs
  // nothing and loses nothing if one ever carries two (dahua-protocol.md 1.4).
  const events: CameraEvent[] = []
  let trailing: string | undefined
  let from = 0
  while (from < text.length) {
    const next = text.indexOf('\nCode=', from)
    const segment = text.slice(from, next < 0 ? text.length : next)
    const event = decodeOne(segment)
    if (typeof event === 'string') {
      return invalid(event, segment)
    }
    events.push(event.event)
    trailing ??= event.trailing
    from = next < 0 ? text.length : next + 1
  }
  return trailing === undefined ? { kind: 'events', events } : { kind: 'events', events, trailing: sampleOf(trailing) }
}

function decodeOne(segment: string): { event: CameraEvent; trailing?: string } | string {
  // `data` is everything after the first `;data=`: the JSON may hold `;` and `=` (a rule named `Drive; Gate`,
  // base64 `dGVzdA==`), so only the prefix is split (rroller#680, rroller#477). An event without data is one
  // line; a part without Content-Length may carry more after it, which is not the event.
  const dataAt = segment.indexOf(';data=')
  const lineEnd = segment.search(/[\r\n]/)
  const prefixEnd = dataAt >= 0 && (lineEnd < 0 || dataAt < lineEnd) ? dataAt : lineEnd < 0 ? segment.length : lineEnd
  const prefix = segment.slice(0, prefixEnd)
  const fields = new Map<string, string>()
  for (const pair of prefix.split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0) {
      fields.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
  }
  const code = fields.get('Code')
  const action = fields.get('action')
  const index = fields.get('index')
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
  if (prefixEnd === dataAt) {
    event.data = decodeData(segment.slice(dataAt + ';data='.length).trim())
    return { event }
  }
  const rest = segment.slice(prefixEnd).trim()
  return rest ? { event, trailing: rest } : { event }
}

function decodeData(raw: string): unknown {
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

function invalid(reason: string, text: string): DecodedBody {
  return { kind: 'invalid', reason, sample: sampleOf(text) }
}

function sampleOf(text: string): string {
  const sample = text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text
  return sample.replace(/\s+/g, ' ')
}
