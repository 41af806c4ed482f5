// The editor's list of a device's channels (GET /dahua-camera/:id/channels) and its picture preview
// (GET /dahua-camera/:id/snapshot), against the simulator's recorders and cameras (issue 20 §2 and §3).
import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { PICTURE } from '../../src/sim/picture'
import { simulator } from '../helpers/sim'
import { until } from '../helpers/wait'
import {
  PASSWORD,
  cameraFlowNode,
  credentials,
  flowHooks,
  helper,
  nodes,
  runtimeName,
} from '../helpers/flows'

const editor = { 'Node-RED-API-Version': 'v2' }

/** The simulator's picture of a channel: its comment segment names the channel (camera-simulator.ts). */
function simPicture(channel: number): Buffer {
  const text = Buffer.from(`channel ${channel}`)
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0, text.length + 2]), text, PICTURE.subarray(2)])
}

describe(`a device's channels and picture preview in the editor, in ${runtimeName}`, function () {
  this.timeout(30_000)
  let sim: CameraSimulator
  flowHooks(() => sim)

  async function deployed(options: ConstructorParameters<typeof CameraSimulator>[0]): Promise<void> {
    sim = simulator({ password: PASSWORD, ...options })
    const port = await sim.listen()
    await helper.load(nodes, [cameraFlowNode({ port })], credentials())
  }
  const asked = (name: string): number =>
    sim.requests.filter((r) => r.auth === 'ok' && r.url.endsWith(`getConfig&name=${name}`)).length
  const pictures = (): number =>
    sim.requests.filter((r) => r.auth === 'ok' && r.url.startsWith('/cgi-bin/snapshot.cgi')).length

  describe('GET /dahua-camera/:id/channels', function () {
    it("lists a recorder's channels by name, with the camera model and whether a camera is set up", async () => {
      await deployed({ profile: 'nvr16' })
      const list = (await helper.request().get('/dahua-camera/cam/channels').set(editor).expect(200))
        .body as unknown[]
      assert.equal(list.length, 16)
      // Slot 0 says only "IPC", a class of device: no model (fixture nvr5464-remotedevice-devicetype.txt).
      assert.deepEqual(list[0], { channel: 1, name: 'Front Door', connected: true })
      assert.deepEqual(list[1], { channel: 2, name: 'Driveway', model: 'E893DD', connected: true })
      assert.deepEqual(list[3], { channel: 4, name: 'Garage', model: 'B451AJ', connected: true })
      assert.deepEqual(list[13], { channel: 14, name: 'Office', connected: false })
    })

    it('reads once and keeps the list, for a refresh soon after too (a new read: test/client/editor-gates)', async () => {
      await deployed({ profile: 'nvr-pv' })
      await helper.request().get('/dahua-camera/cam/channels').set(editor).expect(200)
      await helper.request().get('/dahua-camera/cam/channels').set(editor).expect(200)
      const list = (
        await helper.request().get('/dahua-camera/cam/channels?refresh=1').set(editor).expect(200)
      ).body as Array<{
        model?: string
        connected?: boolean
      }>
      assert.equal(asked('ChannelTitle'), 1)
      assert.equal(asked('RemoteDevice'), 1)
      assert.equal(list.length, 8)
      assert.equal(list[7]?.model, 'DH-SD2A500NB-GNY-A-PV')
      assert.equal(list[4]?.connected, false)
    })

    it('offers names alone where the device has no RemoteDevice, and nothing where it has no names', async () => {
      await deployed({ profile: 'ipc' })
      const list = (await helper.request().get('/dahua-camera/cam/channels').set(editor).expect(200))
        .body as unknown[]
      assert.deepEqual(list, [])
      assert.equal(asked('RemoteDevice'), 1, 'asked, and the camera said it has no such table')
    })

    it('is refused without the editor header and to another site, before the device is asked', async () => {
      await deployed({ profile: 'nvr16' })
      // A link or an <img> on any page sends no such header.
      await helper.request().get('/dahua-camera/cam/channels').expect(403)
      await helper
        .request()
        .get('/dahua-camera/cam/channels')
        .set(editor)
        .set('Sec-Fetch-Site', 'cross-site')
        .expect(403)
      await helper
        .request()
        .get('/dahua-camera/cam/channels')
        .set(editor)
        .set('Origin', 'http://evil.example')
        .expect(403)
      assert.equal(sim.requests.length, 0)
    })
  })

  describe('GET /dahua-camera/:id/snapshot', function () {
    const ask = (query: string) => helper.request().get(`/dahua-camera/cam/snapshot?${query}`).set(editor)

    it("answers the channel's picture as the device sent it, as image/jpeg", async () => {
      await deployed({ profile: 'nvr16' })
      const res = await ask('channel=3').expect(200)
      assert.equal(res.headers['content-type'], 'image/jpeg')
      assert.deepEqual(res.body, simPicture(3))
    })

    it('asks the device one picture at a time: dialogs asking meanwhile share it, another channel waits', async () => {
      // The device takes two seconds, so the later questions arrive while the first picture is on its way.
      await deployed({ profile: 'nvr16', snapshotDelayMs: 2000 })
      const first = ask('channel=3').then((res) => res)
      await until(() => pictures() === 1, 'the first picture asked of the device')
      const [b, c] = await Promise.all([ask('channel=3'), ask('channel=2')])
      const a = await first
      assert.equal(a.status, 200)
      assert.equal(b.status, 200)
      assert.deepEqual(b.body, simPicture(3))
      assert.equal(c.status, 429)
      assert.equal((c.body as { reason: string }).reason, 'busy')
      assert.equal(pictures(), 1)
    })

    it('stops reading a picture larger than the snapshot limit and says so', async () => {
      await deployed({ profile: 'nvr16', answerBytes: { snapshot: 6 * 1024 * 1024 } })
      const res = await ask('channel=1').expect(502)
      assert.equal((res.body as { reason: string }).reason, 'too-large')
    })

    it('is refused without the editor header and to another site, before the device is asked', async () => {
      await deployed({ profile: 'nvr16' })
      // An <img> on any page sends no such header.
      await helper.request().get('/dahua-camera/cam/snapshot?channel=1').expect(403)
      await ask('channel=1').set('Sec-Fetch-Site', 'cross-site').expect(403)
      await ask('channel=1').set('Origin', 'http://evil.example').expect(403)
      await ask('channel=0').expect(400)
      assert.equal(sim.requests.length, 0)
    })
  })
})
