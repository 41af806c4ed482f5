// The main scenarios against every device profile (src/sim/profiles.ts): the events exactly as sent, fan-out to
// filtered nodes on one attach, redeploys, a reconnect, reconciliation and Test connection.
import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { PROFILES } from '../../src/sim/profiles'
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
import { simulator } from '../helpers/sim'
import { pass, until, waitFor } from '../helpers/wait'

const FAST = { retryBaseMs: 50, retryCapMs: 300, stallMs: 600, healthyAfterMs: 200, headersTimeoutMs: 1_000 }

type Got = Array<{ topic: string; payload: Record<string, unknown> }>
const wire = (got: Got): unknown[] =>
  got.map(({ payload: { code, action, index, data } }) => ({
    code,
    action,
    index,
    ...(data === undefined ? {} : { data }),
  }))

for (const profile of Object.values(PROFILES)) {
  describe(`device profile ${profile.name}: ${profile.description}, in ${runtimeName}`, function () {
    let sim: CameraSimulator
    flowHooks(() => sim, FAST)

    async function deployed(...eventNodes: Array<Parameters<typeof eventInFlowNode>>): Promise<void> {
      sim = simulator({ profile: profile.name, password: PASSWORD, heartbeatMs: 100 })
      const port = await sim.listen()
      await helper.load(
        nodes,
        // Old Basic-only firmware needs the camera node's option (its password goes unencrypted).
        [
          cameraFlowNode({ port, allowBasic: profile.auth === 'basic' }),
          ...eventNodes.flatMap((args) => eventInFlowNode(...args)),
        ],
        credentials(),
      )
      if (eventNodes.length > 0) {
        await waitFor(sim, 'attach', 'the attach')
      }
    }
    const sendAll = (): void => profile.sample.forEach((event) => sim.send(event))

    it('delivers every event exactly as the device sends it, in order', async () => {
      await deployed(['ev'])
      const got = collect('ev-out')
      sendAll()
      await until(() => got.length === profile.sample.length, `${profile.sample.length} events`)
      await pass(200)
      assert.deepEqual(wire(got), profile.sample)
    })

    it('fans one attach out to filtered nodes', async () => {
      const code = profile.sample[0]!.code
      await deployed(['one', { codes: code }], ['rest'])
      const one = collect('one-out')
      const rest = collect('rest-out')
      sendAll()
      await until(() => rest.length === profile.sample.length, 'every event on the unfiltered node')
      await pass(200)
      assert.deepEqual(
        wire(one),
        profile.sample.filter((event) => event.code === code),
      )
      assert.equal(sim.attaches, 1)
    })

    it('keeps one stream and no duplicate after redeploys', async () => {
      await deployed(['ev'])
      for (let n = 0; n < 5; n++) {
        const attached = waitFor(sim, 'attach', `the attach after redeploy ${n + 1}`)
        await helper.setFlows(
          [
            cameraFlowNode({ port: sim.port, name: `deploy ${n}`, allowBasic: profile.auth === 'basic' }),
            ...eventInFlowNode('ev'),
          ],
          'full',
          credentials(),
        )
        await attached
      }
      const got = collect('ev-out')
      await until(() => sim.openStreams === 1, 'one stream')
      sendAll()
      await until(() => got.length === profile.sample.length, 'the events')
      await pass(300)
      assert.deepEqual(wire(got), profile.sample)
    })

    it('reconnects after the device drops the stream, and reconciles what the endpoint tracks', async () => {
      await deployed(['ev'])
      const got = collect('ev-out')
      const starts = profile.sample.filter((event) => event.action === 'Start')
      starts.forEach((event) => sim.send(event))
      await until(() => got.length === starts.length, 'the Starts')
      await until(() => sim.cgiInFlight === 0, 'the learning answers')
      await pass(300)
      // Everything ends while the device reboots; the stream never says so.
      await sim.refuseConnections(true)
      starts.forEach((event) => sim.setActive(event.code, event.index, false))
      await sim.refuseConnections(false)
      await waitFor(sim, 'attach', 'the re-attach', 3_000)
      const tracked = starts.filter((event) => !profile.untrackedCodes.includes(event.code))
      await until(() => got.length === starts.length + tracked.length, 'the reconciled Stops')
      await pass(300)
      const reconciled = got
        .slice(starts.length)
        .map((m) => `${String(m.payload.code)} ${String(m.payload.index)}`)
      assert.deepEqual(reconciled.sort(), tracked.map((e) => `${e.code} ${e.index}`).sort())
      assert.ok(got.slice(starts.length).every((m) => m.payload.action === 'Stop' && m.payload.reconciled))
      const after = profile.sample.at(-1)!
      sim.send(after)
      await until(() => got.length === starts.length + tracked.length + 1, 'an event after the reconnect')
    })

    it('Test connection names the model, serial number and firmware', async () => {
      await deployed()
      const res = await helper
        .request()
        .post('/dahua-camera/probe')
        .send({
          host: '127.0.0.1',
          port: sim.port,
          protocol: 'http',
          username: 'admin',
          password: PASSWORD,
          allowBasic: profile.auth === 'basic',
        })
        .expect(200)
      assert.deepEqual(res.body, {
        ok: true,
        deviceType: profile.model,
        serialNumber: 'SIM0000001',
        firmware: profile.firmware,
      })
      assert.equal(sim.refusedLogins, 0)
    })
  })
}
