// A password changed on the camera while its stream is up: the refused calls beside the stream count towards the
// pause of logins (at most one is not counted), and are said as what they may be (review-2026-12.md 5).

import assert from 'node:assert/strict'
import { Device } from '../../src/lib/device'
import { ControlError } from '../../src/lib/act/control-error'
import type { ControlRequest } from '../../src/lib/act/controls'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
import { waitFor } from '../helpers/wait'

describe('a password changed on the camera while streaming', function () {
  this.timeout(20_000)
  let sim: CameraSimulator
  let device: Device | undefined
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })

  it('costs the account at most one uncounted refusal; the rest count towards the pause', async () => {
    sim = simulator({ profile: 'deterrence', heartbeatMs: 100 })
    const port = await sim.listen()
    device = new Device({
      address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
      credentials: { username: 'admin', password: 'admin' },
      heartbeatSeconds: 1,
      timing: { retryBaseMs: 50, retryCapMs: 300 },
    })
    const attached = waitFor(sim, 'attach', 'the attach')
    device.stream.start()
    await attached
    await device.control.run({ action: 'motion-detection', channel: 1, value: { kind: 'switch', on: false } })
    sim.password = 'changed'
    const before = sim.refusedLogins
    const requests: ControlRequest[] = [
      { action: 'siren', channel: 1, value: { kind: 'switch', on: true } },
      { action: 'alarm-output', channel: 1, value: { kind: 'relay', mode: 'on' }, output: 1 },
      { action: 'reboot', channel: 1, value: { kind: 'none' } },
      { action: 'ptz-preset', channel: 1, value: { kind: 'preset', preset: 1 } },
      { action: 'record-mode', channel: 1, value: { kind: 'record', mode: 'off' } },
      { action: 'day-night', channel: 1, value: { kind: 'day-night', mode: 'color' } },
    ]
    const keys: string[] = []
    for (const request of requests) {
      await device.control.run(request).then(
        () => keys.push('ok'),
        (err: unknown) => keys.push(err instanceof ControlError ? err.key : String(err)),
      )
    }
    assert.equal(
      keys[0],
      'rights-or-password',
      `the first refusal says both possibilities: ${keys.join(', ')}`,
    )
    // Then each is a refused login, counted, or logins are paused: never "rights" for a wrong password.
    assert.ok(
      keys.slice(1).every((k) => k === 'login' || k === 'paused' || k === 'rights-or-password'),
      keys.join(', '),
    )
    assert.ok(keys.includes('login'), `counted as refused logins: ${keys.join(', ')}`)
    assert.ok(
      sim.refusedLogins - before <= 4,
      `${sim.refusedLogins - before} refused logins reached the camera`,
    )
  })
})
