// SPDX-License-Identifier: Apache-2.0
// Dahua's LAN discovery, as bytes: the `DHDiscover.search` request behind its 32-byte DHIP header, and what an
// answer says about the device that sent it. No sockets here (discover.ts sends and listens). Answers come
// from anyone on the LAN, so every field is checked, made printable and bounded, and anything else is dropped.

import { isIPv4 } from 'node:net'
import { printable } from '../text'

/** UDP port devices listen on for the search (rroller `discovery.py`, openHAB `dahuadoor`, mcw0/DahuaConsole). */
export const DISCOVERY_PORT = 37810
/** The group ConfigTool and openHAB's `dahuadoor` search (openHAB `DahuaDiscoveryService.java`, DahuaConsole). */
export const DISCOVERY_GROUP = '239.255.255.251'
export const BROADCAST = '255.255.255.255'

export const HEADER_BYTES = 32
/** Captured answers are about 800 bytes (fixtures/devices/discovery); a bigger datagram is not read. */
export const MAX_ANSWER_BYTES = 8 * 1024
/** Devices one search lists: a large site has a few hundred; the search ends when this many have answered. */
export const MAX_DEVICES = 256
/**
 * Answers one search reads from each sender (address and port): a device answers once a target, and there are
 * two. Every host the broadcast reached knows the search's port, so a neighbour flooding it is read this often
 * and then ignored, without ending the search for the devices answering after it.
 */
export const MAX_READS_PER_SENDER = 4
/**
 * Ports one address is read from: a device answers from its one discovery port, and a host flooding from many
 * ports must not take the places of the devices that answer after it.
 */
export const MAX_PORTS_PER_ADDRESS = 8
/** Senders one search reads from: with MAX_READS_PER_SENDER, what a flood of forged senders can make it parse. */
export const MAX_SENDERS = 1024
/** Characters of each text field: models are about 20, firmware versions about 20, serials 15. */
export const MAX_FIELD_CHARS = 64
export const DEFAULT_SEARCH_MS = 3_000
export const SEARCH_MS_RANGE: readonly [number, number] = [200, 10_000]
/** settings.js `dahuaCamera.discovery.targets`: a few subnets' broadcast addresses or devices, not a scan. */
export const MAX_TARGETS = 16

export interface DiscoveryTarget {
  address: string
  port: number
}

/** One device that answered, as the camera dialog lists it. Absent fields: the answer did not carry them. */
export interface FoundDevice {
  /** Where the answer came from: the address Node-RED reaches it at. */
  address: string
  /** `MachineName`: the serial number unless someone renamed the device. */
  name?: string
  /** `DeviceType`: the model, e.g. `IPC-HDW5421S`, `VTO2000A`. */
  model?: string
  /** `DeviceClass`: `IPC`, `VTO`, `NVR`, `VTH`… */
  deviceClass?: string
  serial?: string
  /** `HttpPort`. No captured answer names an HTTPS port, so none is reported (SOURCES.md). */
  httpPort?: number
  /** `Version`, e.g. `2.400.0.8`. */
  firmware?: string
  /** The answer's top-level `mac`, lower case. */
  mac?: string
}

const REQUEST_BODY = JSON.stringify({ method: 'DHDiscover.search', params: { mac: '', uni: 1 } })

/**
 * The search. Bare JSON gets no answer from any device; the same JSON behind this header does (rroller
 * `discovery.py`, measured on a VTO2000A, a DHI-NVR5464 and two VTH5221D; with "DHIP" byte-reversed only the
 * VTO answered). Header: its own size (32) as LE32, ASCII `DHIP`, 8 bytes of session and request id (0: no
 * login), then the body's length twice as LE64 (openHAB and DahuaConsole write each as LE32 and 4 zero bytes:
 * the same bytes).
 */
export function discoveryRequest(): Buffer {
  const body = Buffer.from(REQUEST_BODY)
  const header = Buffer.alloc(HEADER_BYTES)
  header.writeUInt32LE(HEADER_BYTES, 0)
  header.write('DHIP', 4, 'latin1')
  header.writeBigUInt64LE(BigInt(body.length), 16)
  header.writeBigUInt64LE(BigInt(body.length), 24)
  return Buffer.concat([header, body])
}

/** A datagram that may be an answer: the DHIP header and a body, within MAX_ANSWER_BYTES. Costs no parsing. */
export function isAnswerFrame(datagram: Buffer): boolean {
  return (
    datagram.length > HEADER_BYTES &&
    datagram.length <= MAX_ANSWER_BYTES &&
    datagram.toString('latin1', 4, 8) === 'DHIP'
  )
}

/**
 * What one datagram says about the device that sent it, or undefined when it is not a discovery answer: too
 * short or too long, no `DHIP` magic, not JSON, no `params.deviceInfo` object, or neither a serial nor a model
 * (nothing to list it by; rroller `parse_reply` drops those too).
 */
export function readDiscoveryAnswer(datagram: Buffer, sender: string): FoundDevice | undefined {
  if (!isAnswerFrame(datagram) || !isIPv4(sender)) {
    return undefined
  }
  // The JSON follows the 32-byte header; openHAB and DahuaConsole strip NUL bytes around it.
  const text = trimNul(datagram.toString('utf8', HEADER_BYTES))
  let answer: unknown
  try {
    answer = JSON.parse(text)
  } catch {
    return undefined
  }
  const params = field(answer, 'params')
  const info = field(params, 'deviceInfo')
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    return undefined
  }
  const found: FoundDevice = {
    address: sender,
    name: text64(field(info, 'MachineName')),
    model: text64(field(info, 'DeviceType')),
    deviceClass: text64(field(info, 'DeviceClass')),
    serial: text64(field(info, 'SerialNo')),
    httpPort: port(field(info, 'HttpPort')),
    firmware: text64(field(info, 'Version')),
    mac: mac(field(answer, 'mac')),
  }
  if (found.serial === undefined && found.model === undefined) {
    return undefined
  }
  return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined)) as FoundDevice
}

/** The key a device is listed under once, however many targets it answered: MAC, else serial, else address. */
export function deviceKey(device: FoundDevice): string {
  return device.mac ?? (device.serial ? `serial:${device.serial}` : `address:${device.address}`)
}

/**
 * settings.js `dahuaCamera.discovery.targets`: IPv4 addresses, each with an optional `:port` (a subnet's
 * broadcast address, a device's own address when multicast does not reach it). Anything else is skipped.
 * Undefined: the multicast group and the broadcast address.
 */
export function discoveryTargets(list: unknown): DiscoveryTarget[] {
  if (!Array.isArray(list)) {
    return [
      { address: DISCOVERY_GROUP, port: DISCOVERY_PORT },
      { address: BROADCAST, port: DISCOVERY_PORT },
    ]
  }
  return list.slice(0, MAX_TARGETS).flatMap((entry: unknown) => {
    const match = typeof entry === 'string' ? /^([\d.]+)(?::(\d{1,5}))?$/.exec(entry.trim()) : null
    const address = match?.[1]
    const targetPort = match?.[2] === undefined ? DISCOVERY_PORT : port(Number(match[2]))
    return address !== undefined && isIPv4(address) && targetPort !== undefined
      ? [{ address, port: targetPort }]
      : []
  })
}

/** settings.js `dahuaCamera.discovery.timeoutMs`, within SEARCH_MS_RANGE; else DEFAULT_SEARCH_MS. */
export function searchMs(value: unknown): number {
  const ms = Number(value)
  return Number.isFinite(ms) && value !== undefined
    ? Math.min(SEARCH_MS_RANGE[1], Math.max(SEARCH_MS_RANGE[0], Math.round(ms)))
    : DEFAULT_SEARCH_MS
}

/** Without NUL bytes and white space at either end (a loop: an anchored regex is quadratic on long runs). */
function trimNul(text: string): string {
  const blank = (c: string | undefined): boolean => c === '\0' || (c !== undefined && c.trim() === '')
  let start = 0
  let end = text.length
  while (start < end && blank(text[start])) {
    start++
  }
  while (end > start && blank(text[end - 1])) {
    end--
  }
  return text.slice(start, end)
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined
}

function text64(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return undefined
  }
  const text = printable(value.slice(0, 4 * MAX_FIELD_CHARS)).slice(0, MAX_FIELD_CHARS)
  return text === '' ? undefined : text
}

function port(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65_535
    ? value
    : undefined
}

function mac(value: unknown): string | undefined {
  return typeof value === 'string' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(value)
    ? value.toLowerCase()
    : undefined
}
