// Many settings at once share the device's answers (security-2026-12.md 1 and 6): a table read while others wait
// for it is read once for all of them, and what is learned once is learned by one request.

import assert from 'node:assert/strict'
import { Device } from '../../src/lib/device'
import type { ControlError } from '../../src/lib/act/control-error'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'

describe('control reads shared among many settings', function () {
  let sim: CameraSimulator
  let device: Device

  beforeEach(async () => {
    sim = simulator({ profile: 'nvr16' })
    const port = await sim.listen()
    device = new Device({
      address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
      credentials: { username: 'admin', password: 'admin' },
      heartbeatSeconds: 1,
    })
  })
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })

  const reads = (path: string): number =>
    sim.requests.filter((r) => r.url.includes(path) && r.auth === 'ok').length

  it('200 motion-detection messages over 200 channels read MotionDetect far fewer than 200 times', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        device.control.run({
          action: 'motion-detection',
          channel: i + 1,
          value: { kind: 'switch', on: false },
        }),
      ),
    )
    // The 16 channels it has are written and read back; the others it does not have.
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 16)
    assert.ok(
      results.every((r) => r.status === 'fulfilled' || (r.reason as ControlError).key === 'unsupported'),
    )
    for (let ch = 0; ch < 16; ch++) assert.equal(sim.device.config.get(`MotionDetect[${ch}].Enable`), 'false')
    const n = reads('getConfig&name=MotionDetect')
    assert.ok(n < 100, `MotionDetect read ${n} times`)
  })

  it('relays asked at once learn how many there are with one request', async () => {
    await Promise.allSettled(
      [1, 2].map((output) =>
        device.control.run({
          action: 'alarm-output',
          channel: 1,
          output,
          value: { kind: 'relay', mode: 'on' },
        }),
      ),
    )
    assert.equal(reads('getOutSlots'), 1)
  })
})
