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
    assert.deepEqual(
      await probe({ host: '127.0.0.1', port: closed, protocol: 'http', username: 'a', password: 'b' }),
      { ok: false, failure: 'refused', detail: String(closed) },
      'a closed port is named',
    )

    const other = http.createServer((_req, res) => res.writeHead(404).end('<html>Not Found</html>'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const otherPort = (other.address() as { port: number }).port
    try {
      // Not which server answered (its status): "not a camera" is all a person needs (security-2026-12.md 9).
      assert.deepEqual(
        await probe({ host: '127.0.0.1', port: otherPort, protocol: 'http', username: 'a', password: 'b' }),
        { ok: false, failure: 'not-dahua', detail: '' },
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

  it('says a camera that never answers gave no answer within the limit, in seconds', async () => {
    const port = await loaded({ slowAnswers: { 'magicBox.cgi': 'silent' } })
    const result = await probe({
      host: '127.0.0.1',
      port,
      protocol: 'http',
      username: 'admin',
      password: PASSWORD,
    })
    assert.deepEqual(result, { ok: false, failure: 'timeout', detail: '8' })
  })

  describe('what the camera supports (GET /dahua-camera/:id/capabilities)', function () {
    const editor = { 'Node-RED-API-Version': 'v2' }
    const ask = (id = 'cam') =>
      helper.request().get(`/dahua-camera/${id}/capabilities`).set(editor).timeout(20_000)

    async function controlled(options: ConstructorParameters<typeof CameraSimulator>[0] = {}): Promise<void> {
      sim = simulator({ password: PASSWORD, profile: 'deterrence', ...options })
      const port = await sim.listen()
      await helper.load(nodes, [cameraFlowNode({ port })], credentials())
    }

    it('is refused to another site and to anything but the editor, before the camera is asked', async () => {
      await controlled()
      const url = '/dahua-camera/cam/capabilities'
      // An <img> or a link on another page: no editor header.
      await helper.request().get(url).expect(403)
      // A page's fetch() with the header: its browser says where it comes from.
      await helper.request().get(url).set(editor).set('Sec-Fetch-Site', 'cross-site').expect(403)
      await helper.request().get(url).set(editor).set('Origin', 'http://evil.example').expect(403)
      // The same for Test connection and the codes seen: a form post from another page.
      await helper
        .request()
        .post('/dahua-camera/probe')
        .set('Origin', 'http://evil.example')
        .send({ host: '127.0.0.1', port: sim.port, username: 'admin', password: PASSWORD })
        .expect(403)
      await helper.request().get('/dahua-camera/cam/seen').set('Sec-Fetch-Site', 'same-site').expect(403)
      assert.equal(sim.requests.length, 0, 'nothing reached the camera')
      // The editor itself: same origin.
      const caps = (await ask().set('Sec-Fetch-Site', 'same-origin').expect(200)).body as unknown[]
      assert.equal(caps.length, 1)
    })

    it('answers within a few seconds when the camera does not, and says the list is not done', async () => {
      await controlled({ slowAnswers: { 'configManager.cgi': 'silent' } })
      const res = await ask().expect(503)
      assert.deepEqual(res.body, { error: 'the camera is still answering: ask again later', partial: true })
    })

    it('does not ask the camera again for a minute after the learning failed', async () => {
      await controlled({ forbidden: { 'configManager.cgi': 401 } })
      const first = await ask()
      assert.equal(first.status, 502, JSON.stringify(first.body))
      const asked = sim.requests.length
      assert.ok(asked > 0)
      const second = await ask().expect(502)
      assert.deepEqual(second.body, first.body)
      assert.equal(sim.requests.length, asked, 'the camera was not asked again')
    })
  })
})
