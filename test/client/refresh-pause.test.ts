// While logins are paused, nothing logs in: not even the refresh of a stream that works (review-2026-12.md 13).

import assert from 'node:assert/strict'
import { Device } from '../../src/lib/device'
import { probeCamera } from '../../src/lib/session/probe'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
import { pass, waitFor } from '../helpers/wait'

describe('a refresh while logins are paused', function () {
  this.timeout(20_000)
  let sim: CameraSimulator
  let device: Device | undefined
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })

  it('is put off: three refused Test connections pause logins, and the working stream is not replaced', async () => {
    sim = simulator({ heartbeatMs: 100 })
    const port = await sim.listen()
    const address = { host: '127.0.0.1', port, protocol: 'http' as const, verifyTls: true }
    device = new Device({
      address,
      credentials: { username: 'admin', password: 'admin' },
      heartbeatSeconds: 1,
      timing: { refreshMs: 500, retryBaseMs: 50, retryCapMs: 300 },
    })
    const attached = waitFor(sim, 'attach', 'the attach')
    device.stream.start()
    await attached
    // Refreshes come every 2.5 s at the least (event-stream.ts): one is seen before logins pause.
    await waitFor(sim, 'attach', 'a refresh', 5_000)
    for (let i = 0; i < 3; i++) {
      await probeCamera(address, { username: 'admin', password: 'typo' })
    }
    const attaches = (): number =>
      sim.requests.filter((r) => r.url.includes('action=attach') && r.auth !== 'none').length
    const before = attaches()
    await pass(6_000) // two refresh periods
    assert.equal(attaches(), before, 'no attach, so no login, while paused')
    const events: string[] = []
    device.stream.on('event', (e: { code: string }) => events.push(e.code))
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await pass(300)
    assert.deepEqual(events, ['VideoMotion'], 'the working stream still delivers')
  })
})
