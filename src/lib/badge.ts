// SPDX-License-Identifier: Apache-2.0
// Maps the camera connection's state to the badge every event node shows. Pure: the translator and the time
// of the last event come in as arguments, so each badge is testable without Node-RED.

import type { StateChange } from './types'

export interface Badge {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey'
  shape?: 'ring' | 'dot'
  text?: string
}

/** Node-RED's `RED._`: a catalog key and its parameters to text. */
export type Translate = (key: string, params?: Record<string, string | number>) => string

export interface LastEvent {
  code: string
  action: string
  at: Date
}

const STATUS = 'dahua-event-in.status.'

/**
 * A badge without parameters is sent as its catalog key: the editor translates a status text that is a key of
 * the node's catalog (as core nodes' `node-red:common.status.connected`), so each editor shows its own
 * language. A badge with parameters (a reason, a time) cannot be sent so: Node-RED passes a status no
 * parameters; those are composed in the runtime's language.
 */
function key(name: string): string {
  return `${STATUS}${name}`
}

/** When the state began and when it was last reported (ms since the epoch): red badges say since or until when. */
export interface StateTimes {
  since: number
  at: number
}

/**
 * yellow ring: connecting or retrying (with why); green dot: connected (with the last event); red ring: it
 * needs the user or the camera (refused login, untrusted certificate, unreachable), with why and since when.
 */
export function badgeFor(
  change: StateChange,
  last: LastEvent | undefined,
  t: Translate,
  times: StateTimes = { since: Date.now(), at: Date.now() },
): Badge {
  const since = clock(new Date(times.since))
  switch (change.state) {
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: key('connecting') }
    case 'connected':
      return last
        ? {
            fill: 'green',
            shape: 'dot',
            text: t(`${STATUS}last-event`, { code: last.code, action: last.action, time: clock(last.at) }),
          }
        : { fill: 'green', shape: 'dot', text: key('connected') }
    case 'retrying':
      return {
        fill: 'yellow',
        shape: 'ring',
        text: t(`${STATUS}retrying`, { reason: reasonText(change, t, 'dahua-event-in') }),
      }
    case 'unreachable':
      return {
        fill: 'red',
        shape: 'ring',
        text: t(`${STATUS}unreachable`, { reason: reasonText(change, t, 'dahua-event-in'), since }),
      }
    case 'auth-failed':
      // A Basic login that was not sent names the camera node's option that decides it.
      return change.reason?.kind === 'basic'
        ? { fill: 'red', shape: 'ring', text: key(basicKey(change)) }
        : {
            fill: 'red',
            shape: 'ring',
            text: t(`${STATUS}auth-failed`, { until: clock(new Date(times.at + (change.retryInMs ?? 0))) }),
          }
    case 'tls-refused':
      return { fill: 'red', shape: 'ring', text: t(`${STATUS}tls-refused`, { since }) }
    case 'stopped':
      return {}
  }
}

/**
 * Why the stream is down, in words (`camera closed the stream`, `HTTP 503`, `no heartbeat for 15s`), from the
 * `<catalog>.reason.*` keys: each node set translates from its own catalog.
 */
export function reasonText(change: StateChange, t: Translate, catalog: string): string {
  const reason = change.reason
  if (!reason) {
    return ''
  }
  // Which way round the protocols are mixed up is the whole advice: each has its own words.
  const key =
    reason.kind === 'protocol'
      ? `protocol-${reason.detail === 'http-to-https' ? 'http' : 'https'}`
      : reason.kind
  return t(`${catalog}.reason.${key}`, { detail: reason.detail ?? '' })
}

/** `basic-downgrade` or `basic-not-allowed`: the key, in either catalog, of a Basic login that was not sent. */
export function basicKey(change: StateChange): string {
  return change.reason?.detail === 'downgrade' ? 'basic-downgrade' : 'basic-not-allowed'
}

export function clock(at: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`
}
