// The simulator's snapshot is a picture a dashboard can show (npm start's demo, users without a camera): a
// baseline JPEG of a few KB with a frame header giving its size, and still the comment naming the channel.

import assert from 'node:assert/strict'
import { request } from 'urllib'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'

/** The width and height in the baseline frame header (SOF0), walking the segments from the start marker. */
function frameSize(jpeg: Buffer): { width: number; height: number } | undefined {
  let at = 2
  while (at + 9 < jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]
    if (marker === 0xc0) {
      return { height: jpeg.readUInt16BE(at + 5), width: jpeg.readUInt16BE(at + 7) }
    }
    if (marker === 0xda) return undefined
    at += 2 + jpeg.readUInt16BE(at + 2)
  }
  return undefined
}

describe("the simulator's snapshot", function () {
  let sim: CameraSimulator
  afterEach(() => sim?.close())

  it('is a picture of a few KB, named by channel', async () => {
    sim = simulator({ password: 'pw', profile: 'nvr16' })
    const port = await sim.listen()
    const res = await request(`http://127.0.0.1:${port}/cgi-bin/snapshot.cgi?channel=3`, {
      digestAuth: 'admin:pw',
      timeout: 5_000,
    })
    assert.equal(res.status, 200)
    const jpeg = res.data as Buffer
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8])
    assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9])
    assert.ok(jpeg.includes('channel 3'))
    assert.deepEqual(frameSize(jpeg), { width: 640, height: 360 })
    assert.ok(jpeg.length > 2_000 && jpeg.length < 16_000, `${jpeg.length} bytes`)
  })
})
