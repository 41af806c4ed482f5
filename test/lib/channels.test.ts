// A recorder's camera slots (`RemoteDevice`) as real recorders answered them (test/fixtures/devices, SOURCES.md),
// and the channel list made of them and the channel names.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { channelEntries, parseRemoteDevices } from '../../src/lib/channels'

const fixture = (name: string): string =>
  readFileSync(join(__dirname, '../../../test/fixtures/devices', name), 'utf8')

describe("a recorder's camera slots (RemoteDevice)", function () {
  it("names each slot's camera model, and none for an empty slot (Lorex N843A8, rr#669)", function () {
    const slots = parseRemoteDevices(fixture('nvr-n843a8-remotedevice-devicetype.txt'))
    assert.equal(slots.get(0)?.model, 'E893DD')
    assert.equal(slots.get(4)?.model, 'W462AQC')
    assert.equal(slots.get(6)?.model, 'B451AJ')
    assert.equal(slots.get(7)?.model, undefined)
    assert.equal(slots.size, 8)
  })

  it('takes a class of device for no model, and a real one where a Dahua recorder names it', function () {
    const slots = parseRemoteDevices(fixture('nvr5464-remotedevice-devicetype.txt'))
    assert.equal(slots.get(0)?.model, undefined)
    assert.equal(slots.get(1)?.model, undefined)
    assert.equal(slots.get(11)?.model, 'H32_VSIPP-6DIRMD-I3')
  })

  it('reads Enable as whether a camera is set up on the slot', function () {
    const slots = parseRemoteDevices(fixture('nvr5464-remotedevice-enable.txt'))
    assert.deepEqual(slots.get(11), { connected: true })
    const off = parseRemoteDevices('table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_3.Enable=false\r\n')
    assert.deepEqual(off.get(3), { connected: false })
  })

  it('keeps the list to real channels and its text printable and short', function () {
    const hostile =
      `table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_9999.DeviceType=Far\r\n` +
      `table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_2.DeviceType=\u001b[31m${'x'.repeat(500)}\r\n`
    const slots = parseRemoteDevices(hostile)
    assert.equal(slots.has(9999), false)
    assert.ok((slots.get(2)?.model ?? '').length <= 64)
    assert.ok(!(slots.get(2)?.model ?? '').includes('\u001b'))
  })

  it("lists a DH-NVR4216-HDS2's 16 titles as it gave them: defaults, other scripts and a title twice", function () {
    const list = channelEntries(fixture('nvr4216-hds2-channeltitle.txt'), undefined)
    assert.equal(list.length, 16)
    assert.deepEqual(list[0], { channel: 1, name: 'IPC' })
    assert.deepEqual(list[3], { channel: 4, name: '通道7' })
    assert.deepEqual(list[7], { channel: 8, name: '前台' })
    assert.equal(list[11]?.name, list[15]?.name)
  })

  it('lists every channel either answer names, in order, 1-based', function () {
    const list = channelEntries(
      'table.ChannelTitle[0].Name=Front Door\r\ntable.ChannelTitle[1].Name=Driveway\r\n',
      fixture('nvr-n843a8-remotedevice-devicetype.txt'),
    )
    assert.equal(list.length, 8)
    assert.deepEqual(list[0], { channel: 1, name: 'Front Door', model: 'E893DD' })
    assert.deepEqual(list[6], { channel: 7, name: '', model: 'B451AJ' })
    assert.deepEqual(channelEntries(undefined, undefined), [])
  })
})
