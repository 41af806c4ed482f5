// A call beside the stream ends at its limit, answer included, and says so in those words
// (review-2026-12.md 7 and 11): against a camera that never answers, and one that trickles its answer.

import assert from 'node:assert/strict'
import { Device } from '../../src/lib/device'
import { ControlError } from '../../src/lib/act/control-error'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'

const LIMIT_MS = 1_000

describe('the limit of a call beside the stream', function () {
  let sim: CameraSimulator
  let device: Device

  async function start(
    slowAnswers: Record<string, 'silent' | 'trickle' | 'busy-once'>,
    profile = 'vto',
  ): Promise<Device> {
    sim = simulator({ profile, slowAnswers })
    const port = await sim.listen()
    device = new Device({
      address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
      credentials: { username: 'admin', password: 'admin' },
      heartbeatSeconds: 1,
      timing: { cgiTimeoutMs: LIMIT_MS },
    })
    return device
  }
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })

  const timeout = (err: unknown): boolean =>
    err instanceof ControlError &&
    err.key === 'failed' &&
    err.params.kind === 'timeout' &&
    err.params.detail === '1'

  it('a control call the camera never answers is "no answer within 1 s", not "network error 20"', async () => {
    const d = await start({ 'magicBox.cgi': 'silent' })
    await assert.rejects(d.control.run({ action: 'reboot', channel: 1, value: { kind: 'none' } }), timeout)
  })

  it('a door open the camera never answers is said the same way, with the limit in force', async () => {
    const d = await start({ 'accessControl.cgi': 'silent' })
    await assert.rejects(d.door.open(1), timeout)
  })

  it('a trickled answer ends at the limit, frees its slot, and does not hold up close()', async () => {
    const d = await start({ 'magicBox.cgi': 'trickle' })
    const began = Date.now()
    await assert.rejects(d.control.run({ action: 'reboot', channel: 1, value: { kind: 'none' } }), timeout)
    // The trickle lasts 8 s: ended by the 1 s limit, the call is over well before it.
    assert.ok(Date.now() - began < 4_000, `ended after ${Date.now() - began} ms`)
    // Both slots held by trickles, and close() while they trickle: close ends them.
    const calls = [1, 2].map(() =>
      d.control.run({ action: 'reboot', channel: 1, value: { kind: 'none' } }).catch(() => undefined),
    )
    const closing = Date.now()
    await device.close()
    await Promise.all(calls)
    assert.ok(Date.now() - closing < 4_000, `close() took ${Date.now() - closing} ms`)
  })

  it('a 503 is "busy", said as such, and the next message is carried out (review-2026-12.md 8)', async () => {
    const d = await start({ 'coaxialControlIO.cgi': 'busy-once' }, 'deterrence')
    const siren = { action: 'siren' as const, channel: 1, value: { kind: 'switch' as const, on: true } }
    await assert.rejects(
      d.control.run(siren),
      (err: unknown) => err instanceof ControlError && err.key === 'busy-device',
    )
    await d.control.run(siren)
    assert.equal(sim.device.sirens.get(0), true)
  })
})
