// SPDX-License-Identifier: Apache-2.0
// The simulator's answer to Dahua's LAN discovery (UDP, `DHDiscover.search` behind the 32-byte DHIP header),
// in the text of a real answer: an IPC-HDW5421S's (test/fixtures/devices/discovery/ipc-hdw5421s-dhdiscover-
// answer.json, Phenomite/AMP-Research) with the identity fields put in. Or, for the tests, what a hostile
// neighbour answers: garbage, or a datagram far over any real answer.

import dgram from 'node:dgram'
import { createHash } from 'node:crypto'

export interface DiscoveryIdentity {
  deviceClass: string
  model: string
  serial: string
  firmware: string
  address: string
  httpPort: number
  mac: string
  /** A recorder's camera channels (`RemoteVideoInputChannels`); 0 for a camera or door station. */
  remoteChannels: number
}

export interface DiscoveryOptions {
  /** UDP port to answer on; 0 (default) picks a free one, 37810 is the devices' own. */
  port?: number
  /**
   * `identity` (default): the device's answer. `garbage`: the header before JSON that breaks off. `huge`: a
   * well-formed answer padded to 60,000 bytes, far over any real one (about 800).
   */
  answer?: 'identity' | 'garbage' | 'huge'
}

/**
 * The captured answer's text (` : ` and `, `, keys in that order, `\/` escapes) with `{name}` where the
 * identity goes. The values left as captured (gateway, IPv6, `Port` 37777, channel counts) are what that camera
 * sent; nothing in the package reads them.
 */
const TEMPLATE =
  '{ "mac" : "{mac}", "method" : "client.notifyDevInfo", "params" : { "deviceInfo" : { "AlarmInputChannels" : 0, ' +
  '"AlarmOutputChannels" : 0, "DeviceClass" : "{deviceClass}", "DeviceType" : "{model}", "HttpPort" : {httpPort}, ' +
  '"IPv4Address" : { "DefaultGateway" : "218.5.136.1", "DhcpEnable" : false, "IPAddress" : "{address}", ' +
  '"SubnetMask" : "255.255.255.0" }, "IPv6Address" : { "DefaultGateway" : "2001:250:3000:1::1:1", ' +
  '"DhcpEnable" : false, "IPAddress" : "2001:250:3000:1::1:2\\/112", "LinkLocalAddress" : ' +
  '"fe80::4e11:bfff:fec2:0b9d\\/64" }, "MachineName" : "{serial}", "Manufacturer" : "Private", "Port" : 37777, ' +
  '"RemoteVideoInputChannels" : {remoteChannels}, "SerialNo" : "{serial}", "Vendor" : "Dahua", ' +
  '"Version" : "{firmware}", "VideoInputChannels" : 1, "VideoOutputChannels" : 16 } } }'

/** The answer's JSON text for `identity`, in the captured answer's form. */
export function discoveryAnswerText(identity: DiscoveryIdentity): string {
  return TEMPLATE.replace(/\{(\w+)\}/g, (_all, name: keyof DiscoveryIdentity) => {
    const value = identity[name]
    // Strings as JSON writes them, without the quotes the template has.
    return typeof value === 'number' ? String(value) : JSON.stringify(value).slice(1, -1)
  })
}

/** `body` behind the DHIP header the device's answer has: the same layout as the request (discovery.ts). */
export function dhipFrame(body: Buffer): Buffer {
  const header = Buffer.alloc(32)
  header.writeUInt32LE(32, 0)
  header.write('DHIP', 4, 'latin1')
  header.writeBigUInt64LE(BigInt(body.length), 16)
  header.writeBigUInt64LE(BigInt(body.length), 24)
  return Buffer.concat([header, body])
}

/**
 * A MAC for a simulated device, the same for the same serial: Dahua's prefix 3c:ef:8c (the VTO2000A's answer,
 * rroller `tests/dahua/test_discovery.py`) and three bytes of the serial's hash.
 */
export function simulatedMac(serial: string): string {
  const hash = createHash('sha256').update(serial).digest()
  return ['3c', 'ef', '8c', ...[0, 1, 2].map((i) => hash[i]!.toString(16).padStart(2, '0'))].join(':')
}

/** Whether a datagram is the search: the DHIP magic, the length the header states, the method. */
function isSearch(datagram: Buffer): boolean {
  if (datagram.length <= 32 || datagram.toString('latin1', 4, 8) !== 'DHIP') {
    return false
  }
  if (datagram.readBigUInt64LE(16) !== BigInt(datagram.length - 32)) {
    return false
  }
  try {
    const request = JSON.parse(datagram.toString('utf8', 32)) as { method?: unknown }
    return request.method === 'DHDiscover.search'
  } catch {
    return false
  }
}

/** Answers each search on a UDP port, as a device does on 37810; bare JSON gets nothing (rroller `discovery.py`). */
export class DiscoveryResponder {
  private readonly socket = dgram.createSocket('udp4')
  private boundPort = 0
  /** Searches answered (test-only). */
  answered = 0

  constructor(
    private readonly identity: () => DiscoveryIdentity,
    private readonly options: DiscoveryOptions = {},
  ) {
    this.socket.on('message', (datagram: Buffer, from: dgram.RemoteInfo) => {
      if (!isSearch(datagram)) {
        return
      }
      this.answered++
      this.socket.send(this.answer(), from.port, from.address, () => undefined)
    })
    // A send to a client that went away is the client's business.
    this.socket.on('error', () => undefined)
  }

  get port(): number {
    return this.boundPort
  }

  async listen(host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject)
      this.socket.bind(this.options.port ?? 0, host, () => {
        this.socket.off('error', reject)
        resolve()
      })
    })
    this.boundPort = this.socket.address().port
    return this.boundPort
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve())
      } catch {
        resolve()
      }
    })
  }

  private answer(): Buffer {
    const text = discoveryAnswerText(this.identity())
    switch (this.options.answer) {
      case 'garbage':
        // A right header before JSON that breaks off in invalid bytes.
        return dhipFrame(Buffer.concat([Buffer.from(text.slice(0, 200)), Buffer.from([0xff, 0xfe, 0])]))
      case 'huge':
        // Valid JSON with a long machine name: only the size bound keeps it out.
        return dhipFrame(
          Buffer.from(
            text.replace('"MachineName" : "', `"MachineName" : "${'x'.repeat(60_000 - text.length)}`),
          ),
        )
      default:
        return dhipFrame(Buffer.from(text))
    }
  }
}
