// Physical actions have limits a person would expect (security-2026-12.md 5): a flow that repeats reboot or
// toggles a siren cannot make the device do it once per message.

import assert from 'node:assert/strict'
import { Device } from '../../src/lib/device'
import { ControlError } from '../../src/lib/act/control-error'
import type { ControlRequest } from '../../src/lib/act/controls'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
import { pass } from '../helpers/wait'

describe('limits of physical actions', function () {
  let sim: CameraSimulator
  let device: Device

  async function start(profile: string): Promise<Device> {
    sim = simulator({ profile })
    const port = await sim.listen()
    device = new Device({
      address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
      credentials: { username: 'admin', password: 'admin' },
      heartbeatSeconds: 1,
    })
    return device
  }
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })

  it('reboots a device once: later reboots, on any channel, are refused with a sentence, not queued', async () => {
    const d = await start('nvr16')
    const reboot = (channel: number): ControlRequest => ({
      action: 'reboot',
      channel,
      value: { kind: 'none' },
    })
    const recent = (err: unknown): boolean => err instanceof ControlError && err.key === 'reboot-recent'
    const first = await Promise.allSettled([1, 2, 3].map((ch) => d.control.run(reboot(ch))))
    assert.equal(first.filter((r) => r.status === 'fulfilled').length, 1)
    assert.ok(first.every((r) => r.status === 'fulfilled' || recent(r.reason)))
    for (let n = 0; n < 3; n++) await assert.rejects(d.control.run(reboot(1)), recent)
    assert.equal(sim.device.reboots, 1)
  })

  it('a siren toggled every 10 ms is written a few times a second, and ends as the last message said', async () => {
    const d = await start('deterrence')
    const before = sim.device.writes
    const runs: Array<Promise<unknown>> = []
    for (let n = 0; n < 60; n++) {
      runs.push(d.control.run({ action: 'siren', channel: 1, value: { kind: 'switch', on: n % 2 === 0 } }))
      await pass(10) // a flood as a flow sends it: one message every 10 ms for about a second
    }
    await Promise.allSettled(runs)
    const writes = sim.device.writes - before
    assert.ok(writes <= 12, `${writes} writes for 60 messages`)
    assert.equal(sim.device.sirens.get(0), false, 'the last message (off) won')
  })
})
