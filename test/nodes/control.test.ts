import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
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
} from '../helpers/flows'
import { pass, until, waitFor } from '../helpers/wait'

const FAST = { retryBaseMs: 50, retryCapMs: 300, healthyAfterMs: 200 }

describe(`runtime control of dahua-event-in, in ${runtimeName}`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim, FAST)

  async function start(filter: { codes?: string } = {}, password = PASSWORD): Promise<void> {
    sim = simulator({ password })
    const port = await sim.listen()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev', filter)], credentials())
  }

  const receive = (msg: object): void => helper.getNode('ev').receive(msg as never)

  it('changes its filter from msg.codes / msg.channels / msg.actions without a redeploy, and refuses a bad one', async () => {
    await start({ codes: 'VideoMotion' })
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'AlarmLocal', action: 'Start', index: 0 })
    receive({ codes: ['AlarmLocal'], channels: '2' })
    sim.send({ code: 'AlarmLocal', action: 'Start', index: 0 })
    sim.send({ code: 'AlarmLocal', action: 'Start', index: 1 })
    sim.send({ code: 'VideoMotion', action: 'Start', index: 1 })
    await until(() => got.length === 1, 'the AlarmLocal on channel 2')
    receive({ channels: 'front' })
    await until(() => calls('ev', 'error').length === 1, 'the refusal')
    sim.send({ code: 'AlarmLocal', action: 'Stop', index: 1 })
    await until(() => got.length === 2, 'the old filter still working')
    assert.deepEqual(
      got.map((m) => `${String(m.payload.code)} ${String(m.payload.action)} ${String(m.payload.channel)}`),
      ['AlarmLocal Start 2', 'AlarmLocal Stop 2'],
    )
    assert.equal(sim.attaches, 1, 'no reconnect for a new filter')
  })

  it('pauses and resumes: a paused node sends nothing, and the camera stream closes when no node needs it', async () => {
    await start()
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    receive({ action: 'pause' })
    await badge('ev', 'dahua-event-in.status.paused')
    await until(() => sim.openStreams === 0, 'the stream to close')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    const attached = waitFor(sim, 'attach', 'the attach after resume')
    receive({ action: 'resume' })
    await attached
    sim.send({ code: 'VideoMotion', action: 'Stop', index: 0 })
    await until(() => got.length === 1, 'the event after resume')
    assert.equal(got[0]!.payload.action, 'Stop')
  })

  it('reconnects at once on msg.action "reconnect", even out of a login pause', async () => {
    await start({}, 'a-different-one')
    await badge('ev', 'dahua-event-in.status.auth-failed')
    sim.password = PASSWORD
    await pass(500)
    assert.equal(sim.attaches, 0, 'no login during the pause')
    const attached = waitFor(sim, 'attach', 'the attach after reconnect')
    receive({ action: 'reconnect' })
    await attached
    await badge('ev', 'dahua-event-in.status.connected')
    const again = waitFor(sim, 'attach', 'a second attach', 1_000)
    receive({ action: 'reconnect' })
    await again
    await until(() => sim.openStreams === 1, 'one stream')
  })

  it('refuses an unknown action', async () => {
    await start()
    receive({ action: 'explode' })
    await until(() => calls('ev', 'error').length === 1, 'the error')
  })
})
