import assert from 'node:assert/strict'
import http from 'node:http'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { selfSigned, simulator } from '../helpers/sim'
import {
  PASSWORD,
  cameraFlowNode,
  collect,
  credentials,
  eventInFlowNode,
  flowHooks,
  helper,
  nodes,
  runtimeName,
} from '../helpers/flows'
import { until, waitFor } from '../helpers/wait'

interface Probe {
  ok: boolean
  failure?: string
  deviceType?: string
  serialNumber?: string
  firmware?: string
}

describe(`the editor's admin endpoints, in ${runtimeName}`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim)

  async function probe(body: object): Promise<Probe> {
    const res = await helper.request().post('/dahua-camera/probe').send(body).expect(200)
    return res.body as Probe
  }

  async function loaded(options: ConstructorParameters<typeof CameraSimulator>[0] = {}): Promise<number> {
    sim = simulator({ password: PASSWORD, ...options })
    const port = await sim.listen()
    await helper.load(nodes, [cameraFlowNode({ port })], credentials())
    return port
  }

  it('Test connection reports the device type, serial number and firmware', async () => {
    const port = await loaded({ deviceType: 'IPC-HFW2431S', serialNumber: 'ABC123' })
    const result = await probe({
      host: '127.0.0.1',
      port,
      protocol: 'http',
      username: 'admin',
      password: PASSWORD,
    })
    assert.deepEqual(result, {
      ok: true,
      deviceType: 'IPC-HFW2431S',
      serialNumber: 'ABC123',
      firmware: '2.800.0000016.0.R,build:2025-06-05',
    })
  })

  it('uses the stored password when the field is unchanged', async () => {
    const port = await loaded()
    const result = await probe({
      id: 'cam',
      host: '127.0.0.1',
      port,
      protocol: 'http',
      username: 'admin',
      password: '__PWRD__',
    })
    assert.equal(result.ok, true)
  })

  it('says wrong credentials after one refused login, and tries no other', async () => {
    const port = await loaded()
    const refusedBefore = sim.refusedLogins
    const result = await probe({
      host: '127.0.0.1',
      port,
      protocol: 'http',
      username: 'admin',
      password: 'wrong',
    })
    assert.equal(result.failure, 'auth')
    assert.equal(sim.refusedLogins - refusedBefore, 1)
  })

  it('says nothing listens, not a Dahua CGI device, or certificate refused', async () => {
    await loaded()
    const closed = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port
        s.close(() => resolve(port))
      })
    })
    assert.equal(
      (await probe({ host: '127.0.0.1', port: closed, protocol: 'http', username: 'a', password: 'b' }))
        .failure,
      'refused',
    )

    const other = http.createServer((_req, res) => res.writeHead(404).end('<html>Not Found</html>'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const otherPort = (other.address() as { port: number }).port
    try {
      assert.equal(
        (await probe({ host: '127.0.0.1', port: otherPort, protocol: 'http', username: 'a', password: 'b' }))
          .failure,
        'not-dahua',
      )
    } finally {
      other.close()
    }

    const tlsSim = simulator({ password: PASSWORD, tls: selfSigned() })
    const tlsPort = await tlsSim.listen()
    try {
      const body = {
        host: '127.0.0.1',
        port: tlsPort,
        protocol: 'https',
        username: 'admin',
        password: PASSWORD,
      }
      assert.equal((await probe({ ...body, verifyTls: true })).failure, 'tls')
      assert.equal((await probe({ ...body, verifyTls: false })).ok, true)
    } finally {
      await tlsSim.close()
    }
  })

  it('names a protocol mix-up either way round, and sends nothing without a username', async () => {
    // A camera node with no event node: nothing but the probes talks to the simulator.
    const plainPort = await loaded()
    const tlsSim = simulator({ password: PASSWORD, tls: selfSigned() })
    const tlsPort = await tlsSim.listen()
    try {
      const login = { host: '127.0.0.1', username: 'admin', password: PASSWORD, verifyTls: false }
      assert.deepEqual(
        await probe({ ...login, port: plainPort, protocol: 'https' }),
        { ok: false, failure: 'protocol', detail: 'https-to-http' },
        'https to an http port is not a certificate problem',
      )
      assert.deepEqual(await probe({ ...login, port: tlsPort, protocol: 'http' }), {
        ok: false,
        failure: 'protocol',
        detail: 'http-to-https',
      })
      assert.equal(
        (await probe({ ...login, port: plainPort, protocol: 'http', username: ' ' })).failure,
        'no-login',
      )
      assert.equal(sim.requests.length, 0, 'nothing reached the camera without a username')
    } finally {
      await tlsSim.close()
    }
  })

  it('lists the codes and channels the camera has sent since deploy, with counts', async () => {
    sim = simulator({ password: PASSWORD })
    const port = await sim.listen()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    sim.send({ code: 'VideoMotion', action: 'Stop', index: 0 })
    sim.send({ code: 'VideoMotion', action: 'Start', index: 2 })
    sim.send({ code: 'AlarmLocal', action: 'Start', index: 0 })
    await until(() => got.length === 4, 'the four events')
    const seen = (await helper.request().get('/dahua-camera/cam/seen').expect(200)).body as unknown
    assert.deepEqual(seen, [
      { code: 'VideoMotion', count: 3, channels: { '1': 2, '3': 1 } },
      { code: 'AlarmLocal', count: 1, channels: { '1': 1 } },
    ])
    await helper.request().get('/dahua-camera/nope/seen').expect(404)
  })
})
