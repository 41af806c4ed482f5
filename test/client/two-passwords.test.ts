// Two camera nodes for one camera, one with an old password: the old one pauses after its refusals, however
// often the other succeeds (review-2026-12.md 6). The pause is the camera's, as Dahua locks the account or the
// address whoever's password was wrong: the right node waits it out too, and says so.

import assert from 'node:assert/strict'
import { Device } from '../../src/lib/device'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
import { pass } from '../helpers/wait'

describe('two camera nodes for one camera, one with an old password', function () {
  this.timeout(20_000)
  let sim: CameraSimulator
  const devices: Device[] = []
  afterEach(async () => {
    for (const d of devices.splice(0)) await d.close()
    await sim?.close()
  })

  it('the old password reaches the camera at most 3 times, however often the right one succeeds', async () => {
    sim = simulator({ heartbeatMs: 100 })
    const port = await sim.listen()
    const device = (password: string): Device => {
      const d = new Device({
        address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
        credentials: { username: 'admin', password },
        heartbeatSeconds: 1,
        timing: { retryBaseMs: 300, retryCapMs: 1_000 },
      })
      devices.push(d)
      return d
    }
    const right = device('admin')
    const old = device('old-password')
    old.stream.start()
    let pictures = 0
    const failures = new Set<string>()
    const until = Date.now() + 5_000
    while (Date.now() < until) {
      await right.snapshot(1).then(
        () => pictures++,
        (err: Error) => failures.add(err.name),
      )
      await pass(100)
    }
    assert.ok(sim.refusedLogins <= 3, `${sim.refusedLogins} refused logins reached the camera`)
    assert.ok(pictures > 0, 'the right password worked until the pause')
    assert.deepEqual([...failures], ['LoginsPaused'], 'then it is told logins are paused, nothing else')
  })
})
