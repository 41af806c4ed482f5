// Dahua's LAN discovery as bytes: the request devices answer, and what their answers (fixtures/devices/discovery,
// SOURCES.md) say, whole, with NUL padding, cut at every offset, hostile, and over the size bound.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  MAX_ANSWER_BYTES,
  MAX_FIELD_CHARS,
  MAX_TARGETS,
  deviceKey,
  discoveryRequest,
  discoveryTargets,
  readDiscoveryAnswer,
} from '../../../src/lib/session/discovery'
import { dhipFrame, discoveryAnswerText } from '../../../src/sim/discovery'

const dir = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'devices', 'discovery')
const fixture = (name: string): string => readFileSync(join(dir, name), 'utf8')
const ipcText = fixture('ipc-hdw5421s-dhdiscover-answer.json')
const ipc = dhipFrame(Buffer.from(ipcText))

/** The VTO2000A's deviceInfo as rroller published it (a Python dict), in the answer's envelope. */
function vtoAnswer(): Buffer {
  const dict = fixture('vto2000a-dhdiscover-deviceinfo.py.txt')
    .replace(/^MEASURED = /, '')
    .replace(/\bFalse\b/g, 'false')
    .replace(/,\s*}\s*$/, '}')
  const info = JSON.parse(dict) as unknown
  return dhipFrame(
    Buffer.from(JSON.stringify({ method: 'client.notifyDevInfo', params: { deviceInfo: info } })),
  )
}

/** The Lorex W461ASC's answer as its author printed it (a Ruby hash in a comment). */
function lorexAnswer(): Buffer {
  const hash = fixture('lorex-w461asc-dhdiscover-answer.rb.txt')
    .split('\n')
    .map((line) => line.replace(/^# ?/, ''))
    .join('\n')
    .replace(/=>/g, ':')
  return dhipFrame(Buffer.from(JSON.stringify(JSON.parse(hash))))
}

describe('LAN discovery datagrams', () => {
  it('asks with DHDiscover.search behind the 32-byte DHIP header, never as bare JSON', () => {
    const request = discoveryRequest()
    const body = request.subarray(32)
    assert.equal(request.readUInt32LE(0), 32, 'the header states its own size')
    assert.equal(
      request.toString('latin1', 4, 8),
      'DHIP',
      'the magic in this byte order (rroller: reversed, only a VTO answered)',
    )
    assert.deepEqual([...request.subarray(8, 16)], [0, 0, 0, 0, 0, 0, 0, 0], 'no session, no request id')
    assert.equal(request.readBigUInt64LE(16), BigInt(body.length))
    assert.equal(request.readBigUInt64LE(24), BigInt(body.length))
    assert.deepEqual(JSON.parse(body.toString()), {
      method: 'DHDiscover.search',
      params: { mac: '', uni: 1 },
    })
  })

  it("reads an IPC-HDW5421S's captured answer", () => {
    assert.deepEqual(readDiscoveryAnswer(ipc, '192.168.1.20'), {
      address: '192.168.1.20',
      name: '1F006E4PAX00075',
      model: 'IPC-HDW5421S',
      deviceClass: 'IPC',
      serial: '1F006E4PAX00075',
      httpPort: 80,
      firmware: '2.400.0.8',
      mac: '4c:11:bf:c2:0b:9d',
    })
  })

  it("reads a VTO2000A's and a Lorex W461ASC's fields", () => {
    assert.deepEqual(readDiscoveryAnswer(vtoAnswer(), '192.168.0.232'), {
      address: '192.168.0.232',
      name: '3C06520PAN00001',
      model: 'VTO2000A',
      deviceClass: 'VTO',
      serial: '3C06520PAN00001',
      httpPort: 80,
      firmware: '3.120.0000.0.R',
    })
    assert.deepEqual(readDiscoveryAnswer(lorexAnswer(), '192.168.86.81'), {
      address: '192.168.86.81',
      name: '**************',
      model: 'W461ASC',
      deviceClass: 'IPC',
      serial: '**************',
      httpPort: 80,
      firmware: '2.800.030000000.3.R',
      mac: '00:1f:54:a9:2e:58',
    })
  })

  it('lists a device at the address its answer came from, not the one it claims', () => {
    // The capture claims 218.5.136.140; what answered is what Node-RED can reach.
    assert.equal(readDiscoveryAnswer(ipc, '10.0.0.9')?.address, '10.0.0.9')
  })

  it('tolerates NUL bytes and a line end after the JSON', () => {
    const padded = Buffer.concat([ipc, Buffer.from('\n\0\0')])
    assert.deepEqual(readDiscoveryAnswer(padded, '10.0.0.9'), readDiscoveryAnswer(ipc, '10.0.0.9'))
  })

  it('reads nothing from an answer cut at any offset', () => {
    for (let end = 0; end < ipc.length; end++) {
      assert.equal(readDiscoveryAnswer(ipc.subarray(0, end), '10.0.0.9'), undefined, `cut at ${end}`)
    }
  })

  it('reads nothing from garbage, bare JSON, or JSON that is not an answer', () => {
    const frame = (text: string): Buffer => dhipFrame(Buffer.from(text))
    const cases: Array<[string, Buffer]> = [
      ['bare JSON', Buffer.from(ipcText)],
      ['no magic', Buffer.concat([Buffer.alloc(32), Buffer.from(ipcText)])],
      ['not JSON', frame('{ "mac" : "4c:11:bf:c2:0b:9d", \xff\xfe')],
      ['an array', frame('[]')],
      ['no params', frame('{"method":"client.notifyDevInfo"}')],
      ['deviceInfo a string', frame('{"params":{"deviceInfo":"IPC"}}')],
      ['params null', frame('{"params":null}')],
      ['no serial, no model', frame('{"params":{"deviceInfo":{"Vendor":"General","HttpPort":80}}}')],
      ['the request itself', discoveryRequest()],
    ]
    for (const [what, datagram] of cases) {
      assert.equal(readDiscoveryAnswer(datagram, '10.0.0.9'), undefined, what)
    }
    assert.equal(readDiscoveryAnswer(ipc, 'fe80::1'), undefined, 'only IPv4 senders')
  })

  it(`reads an answer of up to ${MAX_ANSWER_BYTES} bytes, and not one byte more`, () => {
    const padTo = (bytes: number): Buffer => {
      const pad = bytes - ipc.length
      return dhipFrame(
        Buffer.from(
          ipcText.replace('"Manufacturer" : "Private"', `"Manufacturer" : "Private${' '.repeat(pad)}"`),
        ),
      )
    }
    assert.equal(padTo(MAX_ANSWER_BYTES).length, MAX_ANSWER_BYTES)
    assert.equal(readDiscoveryAnswer(padTo(MAX_ANSWER_BYTES), '10.0.0.9')?.model, 'IPC-HDW5421S')
    assert.equal(readDiscoveryAnswer(padTo(MAX_ANSWER_BYTES + 1), '10.0.0.9'), undefined)
    assert.equal(readDiscoveryAnswer(padTo(60_000), '10.0.0.9'), undefined)
  })

  it('makes every field printable and bounded, and drops ports and MACs that are not ones', () => {
    const hostile = {
      mac: '4c:11:bf:c2:0b:9d\n',
      params: {
        deviceInfo: {
          DeviceType: 'IPC\u001b[31m-X\u202e\r\nforged log line',
          SerialNo: 'S'.repeat(5000),
          MachineName: '   ',
          DeviceClass: 42,
          HttpPort: 70_000,
          Version: ['2.400'],
        },
      },
    }
    const device = readDiscoveryAnswer(dhipFrame(Buffer.from(JSON.stringify(hostile))), '10.0.0.9')
    assert.deepEqual(device, {
      address: '10.0.0.9',
      model: 'IPC [31m-X forged log line',
      serial: 'S'.repeat(MAX_FIELD_CHARS),
    })
    const port = (value: unknown): number | undefined =>
      readDiscoveryAnswer(frameInfo({ DeviceType: 'IPC', HttpPort: value }), '10.0.0.9')?.httpPort
    assert.equal(port(8080), 8080)
    assert.equal(port(0), undefined)
    assert.equal(port('80'), undefined)
    assert.equal(port(80.5), undefined)
  })

  it('lists a device once by its MAC, else its serial, else its address', () => {
    assert.equal(
      deviceKey({ address: '10.0.0.1', mac: 'aa:bb:cc:dd:ee:ff', serial: 'X' }),
      'aa:bb:cc:dd:ee:ff',
    )
    assert.equal(deviceKey({ address: '10.0.0.1', serial: 'X' }), 'serial:X')
    assert.equal(deviceKey({ address: '10.0.0.1', model: 'VTO' }), 'address:10.0.0.1')
  })

  it('aims at the multicast group and broadcast, or at the IPv4 targets settings.js names', () => {
    assert.deepEqual(discoveryTargets(undefined), [
      { address: '239.255.255.251', port: 37810 },
      { address: '255.255.255.255', port: 37810 },
    ])
    assert.deepEqual(
      discoveryTargets(['192.168.1.255', ' 10.0.0.7:4000 ', 'camera.local', '1.2.3.4:0', 5, '::1']),
      [
        { address: '192.168.1.255', port: 37810 },
        { address: '10.0.0.7', port: 4000 },
      ],
    )
    assert.equal(discoveryTargets(Array.from({ length: 100 }, () => '10.0.0.1')).length, MAX_TARGETS)
  })

  it("the simulator answers in the captured answer's own text", () => {
    // The template with the capture's identity put back is the capture, byte for byte.
    const text = discoveryAnswerText({
      deviceClass: 'IPC',
      model: 'IPC-HDW5421S',
      serial: '1F006E4PAX00075',
      firmware: '2.400.0.8',
      address: '218.5.136.140',
      httpPort: 80,
      mac: '4c:11:bf:c2:0b:9d',
      remoteChannels: 0,
    })
    assert.equal(text, ipcText)
  })
})

function frameInfo(info: Record<string, unknown>): Buffer {
  return dhipFrame(Buffer.from(JSON.stringify({ params: { deviceInfo: info } })))
}
