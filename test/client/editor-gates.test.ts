// The editor's questions to a device are bounded in time, whoever asks and however often (issue 20): a channel
// list is read anew at most every 10 s, a preview picture fetched at most once a second, and that picture is
// not kept once its second is over. A Device with its own clock, against the simulator over TCP.
import assert from 'node:assert/strict'
import { REFRESH_EVERY_MS } from '../../src/lib/channels'
import { Device } from '../../src/lib/device'
import { PREVIEW_EVERY_MS, PreviewBusy } from '../../src/lib/preview'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
import { pass } from '../helpers/wait'

describe("the editor's questions to a device, in time", function () {
  let sim: CameraSimulator
  let device: Device
  let clock = 1_000_000

  async function start(): Promise<void> {
    sim = simulator({ profile: 'nvr16' })
    const port = await sim.listen()
    device = new Device({
      address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
      credentials: { username: 'admin', password: 'admin' },
      heartbeatSeconds: 1,
      now: () => clock,
    })
  }
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })
  const asked = (prefix: string): number =>
    sim.requests.filter((r) => r.auth === 'ok' && r.url.startsWith(prefix)).length

  it('reads the channel list anew at most every 10 s, however often a refresh is asked for', async () => {
    await start()
    const titles = (): number => asked('/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle')
    assert.equal((await device.channels.list()).length, 16)
    for (let i = 0; i < 5; i++) await device.channels.list(true)
    assert.equal(titles(), 1)
    clock += REFRESH_EVERY_MS - 1
    await device.channels.list(true)
    assert.equal(titles(), 1)
    clock += 1
    await device.channels.list(true)
    assert.equal(titles(), 2)
  })

  it('fetches a preview at most once a second: sooner, the same channel gets that picture, another is told to wait', async () => {
    await start()
    const pictures = (): number => asked('/cgi-bin/snapshot.cgi')
    const first = await device.preview.picture(3)
    assert.deepEqual(await device.preview.picture(3), first)
    await assert.rejects(device.preview.picture(2), PreviewBusy)
    assert.equal(pictures(), 1)
    clock += PREVIEW_EVERY_MS
    await device.preview.picture(2)
    assert.equal(pictures(), 2)
  })

  it('keeps no preview picture once its second is over', async () => {
    await start()
    await device.preview.picture(3)
    // The device's clock stands still: only forgetting the picture lets the same question reach the device.
    await pass(PREVIEW_EVERY_MS + 200)
    await device.preview.picture(3)
    assert.equal(asked('/cgi-bin/snapshot.cgi'), 2)
  })
})
