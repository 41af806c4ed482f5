// SPDX-License-Identifier: Apache-2.0
// What each setting of the nodes may be, in one place for the runtime and the editor: the build wraps this
// file for the browser (resources/rules.js, window.DahuaRules), and the editor's validators return the very
// sentence the runtime would log. So it imports nothing at run time, and says what is wrong as a catalog key
// with its parameters, never as text.

/** What is wrong with a value: a key of the node's catalog (`dahua-camera.invalid.port`) and its parameters. */
export interface Problem {
  key: string
  params?: Record<string, string>
}

/** `192.168.1.108` of `http://admin@192.168.1.108:8080/cgi-bin/`: what a host typed as a URL meant. */
export function cleanHost(value: unknown): string {
  let host = text(value).trim()
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '') // scheme
  host = host.replace(/[/?#].*$/, '') // path, query
  host = host.replace(/^[^@]*@/, '') // user@
  if (!host.startsWith('[') && (host.match(/:/g) ?? []).length === 1) {
    host = host.replace(/:\d*$/, '') // :port (not an IPv6 address)
  }
  return host
}

export function hostProblem(value: unknown): Problem | undefined {
  const typed = text(value).trim()
  if (!typed) {
    return { key: 'dahua-camera.invalid.no-host' }
  }
  const host = cleanHost(typed)
  if (host !== typed) {
    return { key: 'dahua-camera.invalid.host-url', params: { host } }
  }
  return /^[A-Za-z0-9.\-_:[\]%]+$/.test(host) ? undefined : { key: 'dahua-camera.invalid.host' }
}

/** Empty means the protocol's own port. */
export function portProblem(value: unknown): Problem | undefined {
  return value === '' || value === undefined || isInteger(value, 1, 65_535)
    ? undefined
    : { key: 'dahua-camera.invalid.port' }
}

export function heartbeatProblem(value: unknown): Problem | undefined {
  return isInteger(value, 1, 60) ? undefined : { key: 'dahua-camera.invalid.heartbeat' }
}

/** Empty or absent (flows saved before the setting existed) means the default. */
export function refreshProblem(value: unknown): Problem | undefined {
  return value === '' || value === undefined || isInteger(value, 0, 1440)
    ? undefined
    : { key: 'dahua-camera.invalid.refresh' }
}

export function snapshotWaitProblem(value: unknown): Problem | undefined {
  const seconds = Number(value)
  return value === '' || value === undefined || (Number.isFinite(seconds) && seconds >= 0.1 && seconds <= 60)
    ? undefined
    : { key: 'dahua-event-in.invalid.snapshot-wait' }
}

/** The highest channel a filter may name. */
export const MAX_FILTER_CHANNEL = 1024

/** The entries of a comma-separated list, trimmed, empty ones dropped. */
export function listItems(value: unknown): string[] {
  return text(value)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

/** A code as Dahua names them: letters, digits and `_`. */
export function isCode(item: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(item)
}

export function isAction(item: string): boolean {
  return /^(start|stop|pulse|state)$/i.test(item)
}

/** `3` or `1-4` as [from, to], 1-based; undefined when it is not a channel or a range of them. */
export function channelRange(item: string): [number, number] | undefined {
  const range = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(item)
  const from = Number(range?.[1])
  const to = Number(range?.[2] ?? range?.[1])
  return range && from >= 1 && to >= from && to <= MAX_FILTER_CHANNEL ? [from, to] : undefined
}

/**
 * `"Garage"`: a recorder's name for a channel (`ChannelTitle`), in double quotes, so that a mistyped number
 * (`1O`, `front`) is still refused at once rather than read as a name no camera has. Undefined when it is not.
 */
export function quotedName(item: string): string | undefined {
  return /^"([^"]{1,64})"$/.exec(item)?.[1]?.trim() || undefined
}

/** What a detection can be (detection.ts maps each firmware's words to these). */
export const OBJECT_KINDS = [
  'human',
  'vehicle',
  'non-motor',
  'animal',
  'fire',
  'smoke',
  'plate',
  'face',
  'unknown',
] as const

/** A rule name, a plate or a face's name: the camera's own pages allow far shorter ones. */
export const MAX_NAME_CHARS = 64

/** Entries of a list of known plates or faces: a household has a few, a car park a few thousand. */
export const MAX_KNOWN = 10_000

/** Which events a list of known plates or faces lets through; `all` passes every one, marked. */
export const KNOWN_MATCHES = ['all', 'known', 'unknown'] as const

export type FilterList = 'codes' | 'channels' | 'actions' | 'objects' | 'rules'

/** The first entry of a filter list that is not one, as the runtime's own error. */
export function filterProblem(list: FilterList, value: unknown): Problem | undefined {
  const valid: (item: string) => boolean = {
    codes: isCode,
    actions: isAction,
    channels: (i: string) => !!channelRange(i) || quotedName(i) !== undefined,
    objects: (i: string) => (OBJECT_KINDS as readonly string[]).includes(i.toLowerCase()),
    rules: (i: string) => i.length <= MAX_NAME_CHARS,
  }[list]
  const bad = listItems(value).find((item) => !valid(item))
  return bad === undefined
    ? undefined
    : { key: `dahua-event-in.errors.invalid-${list}`, params: { item: bad.slice(0, MAX_NAME_CHARS + 1) } }
}

/** The entries of a list of plates or faces: one per line (plates may also be comma-separated). */
export function knownItems(list: 'plates' | 'faces', value: unknown): string[] {
  return text(value)
    .split(list === 'plates' ? /[\n,]/ : /\n/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

/**
 * A plate as it is compared: `ab-123 cd` is `AB123CD`, `京A·12345` is `京A12345`. Devices and people write the same
 * plate with and without spaces, dashes, dots and middle dots, and full-width letters on some (NFKC makes them plain).
 */
export function plateKey(plate: string): string {
  return plate
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-\u2010-\u2015\u2212.\u00b7\u30fb]/g, '')
}

export function knownProblem(list: 'plates' | 'faces', value: unknown): Problem | undefined {
  const items = knownItems(list, value)
  if (items.length > MAX_KNOWN) {
    return { key: `dahua-event-in.errors.too-many-${list}`, params: { max: String(MAX_KNOWN) } }
  }
  const bad = items.find(
    (item) => item.length > MAX_NAME_CHARS || (list === 'plates' && plateKey(item) === ''),
  )
  return bad === undefined
    ? undefined
    : { key: `dahua-event-in.errors.invalid-${list}`, params: { item: bad.slice(0, MAX_NAME_CHARS + 1) } }
}

export function knownMatchProblem(value: unknown): Problem | undefined {
  return value === undefined ||
    value === null ||
    value === '' ||
    (KNOWN_MATCHES as readonly unknown[]).includes(value)
    ? undefined
    : { key: 'dahua-event-in.errors.invalid-match', params: { match: text(value).slice(0, 20) } }
}

/** The least similarity (0-100) for a face to count as known; empty: whatever the device matched. */
export function similarityProblem(value: unknown): Problem | undefined {
  const typed = typeof value === 'string' ? value.trim() : value
  const number = typeof typed === 'number' ? typed : /^\d+(\.\d+)?$/.test(String(typed)) ? Number(typed) : NaN
  return typed === undefined || typed === '' || (number >= 0 && number <= 100)
    ? undefined
    : { key: 'dahua-event-in.errors.invalid-similarity' }
}

/**
 * In the editor: Node-RED's two-argument validator for a rule. With `opt` (as the editor asks), a problem comes
 * back in words, from the package's catalogs through `translate` (`RED._`); without it, as false.
 */
export function editorValidator(
  check: (value: unknown) => Problem | undefined,
  translate: (key: string, params?: Record<string, string>) => string,
): (value: unknown, opt?: object) => boolean | string {
  return (value, opt) => {
    const problem = check(value)
    if (!problem) {
      return true
    }
    const catalog = problem.key.split('.')[0] ?? ''
    return opt ? translate(`@redcam/node-red-dahua/${catalog}:${problem.key}`, problem.params) : false
  }
}

/** A setting as text: what the editor or a flow file gives is a string or a number; anything else is nothing. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
}

function isInteger(value: unknown, least: number, most: number): boolean {
  const number = Number(value)
  return text(value).trim() !== '' && Number.isInteger(number) && number >= least && number <= most
}

/** What a `dahua-control` node can be told to do (controls.ts reads each one's value). */
export const CONTROL_ACTIONS = [
  'snapshot',
  'siren',
  'light',
  'warning-light',
  'infrared',
  'light-mode',
  'privacy',
  'alarm-output',
  'ptz-preset',
  'ptz-move',
  'motion-detection',
  'smart-detection',
  'ivs-rule',
  'record-mode',
  'day-night',
  'disarm',
  'reboot',
  'channels',
  'capabilities',
  'report',
] as const

export function controlActionProblem(value: unknown): Problem | undefined {
  return (CONTROL_ACTIONS as readonly unknown[]).includes(value)
    ? undefined
    : { key: 'dahua-control.errors.action', params: { action: text(value).slice(0, 40) } }
}

/** A control node's channel: 1-based, up to the highest a filter may name. */
export function controlChannelProblem(value: unknown): Problem | undefined {
  return channelProblem(value, 'dahua-control')
}

/**
 * The channel a door node's pictures come from: 1 on a door station, the channel filming the door on a recorder.
 * Unset (a node saved before the setting existed, or a cleared field) is channel 1.
 */
export function doorChannelProblem(value: unknown): Problem | undefined {
  return value === undefined || value === '' ? undefined : channelProblem(value, 'dahua-door')
}

/** A door node's picture channel as the runtime uses it: doorChannelProblem() said it is fine. */
export function doorChannel(value: unknown): number {
  return value === undefined || value === '' ? 1 : Number(value)
}

function channelProblem(value: unknown, catalog: string): Problem | undefined {
  return isInteger(value, 1, MAX_FILTER_CHANNEL)
    ? undefined
    : { key: `${catalog}.errors.channel`, params: { max: String(MAX_FILTER_CHANNEL) } }
}
