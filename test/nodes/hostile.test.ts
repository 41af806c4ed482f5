// A hostile camera against a real Node-RED runtime (issue 8): it may cost its own events, never Node-RED, the
// safety of the messages flows pass on, or the passwords stored in it.
import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { MAX_CODES } from '../../src/lib/limits'
import { deepEvent, newChannelStart, newCodeStart, prototypeKeysEvent } from '../../src/sim/hostile'
import { formatPart } from '../../src/sim/wire'
import {
  PASSWORD,
  badge,
  calls,
  cameraFlowNode,
  collect,
  credentials,
  eventInFlowNode,
  flowHooks,
  helper,
  nodes,
  runtimeName,
  useTiming,
} from '../helpers/flows'
import { simulator } from '../helpers/sim'
import { until, waitFor } from '../helpers/wait'

const FAST = { retryBaseMs: 50, retryCapMs: 300, stallMs: 600, healthyAfterMs: 200, headersTimeoutMs: 1_000 }

describe(`a hostile camera in ${runtimeName}`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim, FAST)

  async function deployed(
    camera: Partial<Parameters<typeof cameraFlowNode>[0]> = {},
    simOptions: Parameters<typeof simulator>[0] = {},
  ): Promise<void> {
    sim = simulator({ password: PASSWORD, heartbeatMs: 100, ...simOptions })
    const port = await sim.listen()
    await helper.load(
      nodes,
      [cameraFlowNode({ port, ...camera }), ...eventInFlowNode('ev'), ...eventInFlowNode('ev2')],
      credentials(),
    )
  }
  const warned = (key: string): boolean => calls('cam', 'warn').some((args) => args[0] === key)

  it('passes on data nested thousands deep as text, to every node, during a refresh overlap too', async () => {
    useTiming({ ...FAST, refreshMs: 1 })
    await deployed()
    const got = collect('ev-out')
    const got2 = collect('ev2-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.sendRaw(deepEvent(5_000))
    await until(() => got.length === 1 && got2.length === 1, 'the deep event on both nodes')
    assert.equal(typeof got[0]?.payload.data, 'string')
    // Now while a refresh has both streams open: the overlap's duplicate check writes each event out.
    await waitFor(sim, 'attach', 'the refresh stream', 6_000)
    sim.sendRaw(deepEvent(5_000))
    await until(() => got.length === 2, 'the deep event in the overlap, once')
    assert.ok(warned('dahua-camera.limit.depth'))
  })

  it('never reads a login challenge body: 256 MiB bodies on every 401 cost neither memory nor the stream', async () => {
    await deployed({}, { answerBytes: { challenge: 256 * 1024 ** 2 } })
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await until(() => got.length === 1, 'the event, through a login whose challenge was never read')
    // What the camera managed to write before the socket was destroyed: socket buffers, not the body.
    assert.ok(sim.answerBytesWritten < 32 * 1024 ** 2, `${sim.answerBytesWritten} challenge bytes written`)
  })

  it('never lets __proto__, constructor or prototype keys reach a flow', async () => {
    await deployed()
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.sendRaw(prototypeKeysEvent())
    await until(() => got.length === 1, 'the event')
    const data = got[0]?.payload.data as Record<string, unknown>
    assert.deepEqual(Object.keys(data), ['Name'])
    assert.equal(Object.getPrototypeOf(data), Object.prototype)
    assert.equal((data as { polluted?: unknown }).polluted, undefined)
    assert.ok(warned('dahua-camera.limit.keys'))
  })

  it('gives every code a safe topic segment and keeps the raw code in the payload', async () => {
    await deployed()
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.sendRaw(formatPart('Code=Motion/#+x;action=Start;index=0'))
    await until(() => got.length === 1, 'the event')
    assert.equal(got[0]?.topic, 'dahua/127.0.0.1/Motion___x/1')
    assert.equal(got[0]?.payload.code, 'Motion/#+x')
  })

  it(`keeps what the editor is offered bounded: ${MAX_CODES} codes, real channels only`, async () => {
    await deployed()
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    for (let n = 0; n < MAX_CODES + 200; n++) {
      sim.sendRaw(newCodeStart(n))
    }
    for (let n = 0; n < 1100; n++) {
      sim.sendRaw(newChannelStart(n, 'Flood0'))
    }
    await until(() => got.length === MAX_CODES + 1024, `the events of ${MAX_CODES} codes`, 10_000)
    const res = await helper.request().get('/dahua-camera/cam/seen').expect(200)
    const seen = res.body as Array<{ code: string; channels: Record<string, number> }>
    assert.equal(seen.length, MAX_CODES)
    assert.equal(Object.keys(seen.find((s) => s.code === 'Flood0')!.channels).length, 1024)
    assert.ok(warned('dahua-camera.limit.codes'))
  })

  it('sends no Basic login over http unless the camera node allows it, and its badge says which option', async () => {
    await deployed({}, { auth: 'basic' })
    await badge('ev', 'dahua-event-in.status.basic-not-allowed')
    assert.equal(sim.refusedLogins, 0)
    assert.ok(sim.requests.every((r) => r.auth === 'none'))
    assert.ok(calls('cam', 'error').some((args) => args[0] === 'dahua-camera.state.basic-not-allowed'))
  })

  describe('Test connection and the stored password', () => {
    const probe = (body: Record<string, unknown>): Promise<{ body: Record<string, unknown> }> =>
      helper
        .request()
        .post('/dahua-camera/probe')
        .send({ host: '127.0.0.1', protocol: 'http', username: 'admin', ...body })
        .expect(200)

    it('uses it for the node it was saved with, at the address it was saved for, and nowhere else', async () => {
      await deployed()
      const other = simulator({ password: PASSWORD })
      const otherPort = await other.listen()
      try {
        const same = await probe({ id: 'cam', port: sim.port, password: '__PWRD__' })
        assert.equal(same.body.ok, true)
        const moved = await probe({ id: 'cam', port: otherPort, password: '__PWRD__' })
        assert.deepEqual(moved.body, { ok: false, failure: 'password', detail: '' })
        const https = await probe({ id: 'cam', port: sim.port, protocol: 'https', password: '__PWRD__' })
        assert.equal(https.body.failure, 'password')
        // Another node's id (here an event node; an MQTT broker's would be the same) lends no password.
        const borrowed = await probe({ id: 'ev', port: sim.port, password: '__PWRD__' })
        assert.equal(borrowed.body.failure, 'password')
        assert.equal(other.requests.length, 0, 'nothing reached the other address')
        const typed = await probe({ id: 'cam', port: otherPort, password: PASSWORD })
        assert.equal(typed.body.ok, true, 'a typed password goes where it is typed for')
      } finally {
        await other.close()
      }
    })

    it('shares the login budget: clicking with a wrong password cannot lock the account', async () => {
      await deployed()
      await waitFor(sim, 'attach', 'the attach')
      const answers: unknown[] = []
      for (let n = 0; n < 6; n++) {
        answers.push((await probe({ id: 'cam', port: sim.port, password: 'wrong' })).body.failure)
      }
      assert.deepEqual(answers, ['auth', 'auth', 'auth', 'paused', 'paused', 'paused'])
      assert.equal(sim.refusedLogins, 3)
    })
  })
})
