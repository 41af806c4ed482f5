// Searching the network over real UDP on 127.0.0.1: simulated devices answer as a real one did, and
// neighbours answer garbage or far too much. Each simulator answers on its own port, so the search is aimed at
// each (a LAN's devices all share 37810 on their own addresses).
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { discover } from '../../src/lib/session/discover'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { dhipFrame, simulatedMac } from '../../src/sim/discovery'
import { simulator } from '../helpers/sim'

const SEARCH_MS = 1_500

describe('searching the network (real UDP on loopback)', () => {
  const sims: CameraSimulator[] = []
  const sockets: dgram.Socket[] = []

  afterEach(async () => {
    await Promise.all(sims.splice(0).map((sim) => sim.close()))
    for (const socket of sockets.splice(0)) {
      socket.close()
    }
  })

  async function device(options: Parameters<typeof simulator>[0]): Promise<CameraSimulator> {
    const sim = simulator({ discovery: {}, ...options })
    sims.push(sim)
    await sim.listen()
    return sim
  }
  const at = (sim: CameraSimulator): { address: string; port: number } => ({
    address: '127.0.0.1',
    port: sim.discoveryPort,
  })

  it('lists the devices that answer, with their identity, and not the garbage or the huge answer', async () => {
    const camera = await device({ profile: 'ipc', serialNumber: 'CAM0000001' })
    const recorder = await device({ profile: 'nvr16', serialNumber: 'NVR0000001' })
    const garbage = await device({ serialNumber: 'BAD0000001', discovery: { answer: 'garbage' } })
    const huge = await device({ serialNumber: 'BIG0000001', discovery: { answer: 'huge' } })

    const found = await discover({ targets: [camera, garbage, recorder, huge].map(at), timeoutMs: SEARCH_MS })

    assert.equal(garbage.discoveryAnswers + huge.discoveryAnswers, 2, 'the neighbours did answer')
    const bySerial = [...found].sort((a, b) => String(a.serial).localeCompare(String(b.serial)))
    assert.deepEqual(bySerial, [
      {
        address: '127.0.0.1',
        name: 'CAM0000001',
        model: 'IPC-HDW5831R-ZE',
        deviceClass: 'IPC',
        serial: 'CAM0000001',
        httpPort: camera.port,
        firmware: '2.800.0000016.0.R',
        mac: simulatedMac('CAM0000001'),
      },
      {
        address: '127.0.0.1',
        name: 'NVR0000001',
        model: 'DHI-NVR5216-16P-EI',
        deviceClass: 'NVR',
        serial: 'NVR0000001',
        httpPort: recorder.port,
        firmware: '4.001.0000000.3.R',
        mac: simulatedMac('NVR0000001'),
      },
    ])
  })

  /** A UDP socket bound on `address`, closed after the test. */
  async function socketAt(address: string): Promise<dgram.Socket> {
    const socket = dgram.createSocket('udp4')
    sockets.push(socket)
    await new Promise<void>((resolve) => socket.bind(0, address, resolve))
    return socket
  }

  /**
   * A device whose answer comes 300 ms after the search, from `address`: a relay there passes the search on to the
   * simulator late and its answer back. Returns where the search is aimed at it.
   */
  async function lateDevice(
    camera: CameraSimulator,
    address: string,
  ): Promise<{ address: string; port: number }> {
    const relay = await socketAt(address)
    let searchPort = 0
    relay.on('message', (datagram: Buffer, from: dgram.RemoteInfo) => {
      if (from.port === camera.discoveryPort) {
        relay.send(datagram, searchPort, '127.0.0.1')
        return
      }
      searchPort = from.port
      setTimeout(() => relay.send(datagram, camera.discoveryPort, '127.0.0.1'), 300)
    })
    return { address, port: relay.address().port }
  }

  // Floods are sent in batches, so that the search's socket buffer does not drop them: the search reads every one.
  it('lists a device that answers after a neighbour flooded the search with junk and forged answers', async () => {
    // The neighbour got the search (every host the broadcast reaches does) and floods the port it came from.
    const neighbour = await socketAt('127.0.0.1')
    let flooded = 0
    neighbour.on('message', (_request: Buffer, search: dgram.RemoteInfo) => {
      const junk = [Buffer.alloc(1), dhipFrame(Buffer.from('{"params":{"deviceInfo":{}}}'))]
      const batch = (): void => {
        for (let i = 0; i < 50; i++) {
          neighbour.send(junk[i % 2]!, search.port, search.address, () => flooded++)
        }
        if (flooded < 2_050) setTimeout(batch, 2)
      }
      batch()
    })
    const camera = await lateDevice(await device({ serialNumber: 'CAM0000009' }), '127.0.0.1')
    const found = await discover({
      targets: [{ address: '127.0.0.1', port: neighbour.address().port }, camera],
      timeoutMs: SEARCH_MS,
    })
    assert.deepEqual(
      found.map((d) => d.serial),
      ['CAM0000009'],
    )
    assert.ok(flooded >= 2_100, `the flood was sent: ${flooded}`)
  })

  it('lists a device that answers after one neighbour sent forged answers from 1,100 ports', async () => {
    // The neighbour on 127.0.0.1 answers the search from 1,100 sockets of its own; the device is another host.
    const neighbour = await socketAt('127.0.0.1')
    const ports: dgram.Socket[] = []
    for (let i = 0; i < 1_100; i++) {
      ports.push(await socketAt('127.0.0.1'))
    }
    const forged = dhipFrame(Buffer.from('{"params":{"deviceInfo":{}}}'))
    neighbour.on('message', (_request: Buffer, search: dgram.RemoteInfo) => {
      const batch = (from: number): void => {
        for (const socket of ports.slice(from, from + 50)) socket.send(forged, search.port, search.address)
        if (from + 50 < ports.length) setTimeout(() => batch(from + 50), 2)
      }
      batch(0)
    })
    const camera = await lateDevice(await device({ serialNumber: 'CAM0000008' }), '127.0.0.2')
    const found = await discover({
      targets: [{ address: '127.0.0.1', port: neighbour.address().port }, camera],
      timeoutMs: SEARCH_MS,
    })
    assert.deepEqual(
      found.map((d) => [d.serial, d.address]),
      [['CAM0000008', '127.0.0.2']],
    )
  })

  it('lists a device that answered twice once', async () => {
    const camera = await device({ serialNumber: 'CAM0000002' })
    const found = await discover({ targets: [at(camera), at(camera)], timeoutMs: SEARCH_MS })
    assert.equal(camera.discoveryAnswers, 2)
    assert.deepEqual(
      found.map((d) => d.serial),
      ['CAM0000002'],
    )
  })

  it('stops at the most devices it lists', async () => {
    const cameras = [await device({ serialNumber: 'A1' }), await device({ serialNumber: 'A2' })]
    cameras.push(await device({ serialNumber: 'A3' }))
    const found = await discover({ targets: cameras.map(at), timeoutMs: 10_000, maxDevices: 2 })
    assert.equal(found.length, 2)
  })

  it('ends with what it has when nothing answers, and sends only the request', async () => {
    // A socket that takes the request and never answers, as a device that is off or busy.
    const silent = dgram.createSocket('udp4')
    sockets.push(silent)
    const received: Buffer[] = []
    silent.on('message', (datagram: Buffer) => received.push(datagram))
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve))
    const found = await discover({
      targets: [{ address: '127.0.0.1', port: silent.address().port }],
      timeoutMs: 300,
    })
    assert.deepEqual(found, [])
    assert.equal(received.length, 1)
    assert.equal(received[0]!.toString('latin1', 4, 8), 'DHIP')
  })

  it('does not answer bare JSON, as devices do not (rroller discovery.py)', async () => {
    const camera = await device({ serialNumber: 'CAM0000003' })
    const client = dgram.createSocket('udp4')
    sockets.push(client)
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve))
    const bare = JSON.stringify({ method: 'DHDiscover.search', params: { mac: '', uni: 1 } })
    await new Promise<void>((resolve) =>
      client.send(bare, camera.discoveryPort, '127.0.0.1', () => resolve()),
    )
    // Then a proper search through the same simulator: once it is answered, the bare one was read before it.
    const found = await discover({ targets: [at(camera)], timeoutMs: SEARCH_MS })
    assert.equal(found.length, 1)
    assert.equal(camera.discoveryAnswers, 1)
  })
})
