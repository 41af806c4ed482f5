// The camera dialog's "Search the network" endpoint in a real Node-RED, over real UDP against simulators
// (settings.js `dahuaCamera.discovery.targets` aims it at each simulator's port on 127.0.0.1).
import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import type { FoundDevice } from '../../src/lib/session/discovery'
import { flowHooks, helper, nodes, runtimeName } from '../helpers/flows'
import { simulator } from '../helpers/sim'

describe(`Search the network, in ${runtimeName}`, function () {
  const sims: CameraSimulator[] = []
  flowHooks(() => ({
    close: async () => {
      await Promise.all(sims.splice(0).map((sim) => sim.close()))
    },
  }))

  async function devices(
    extraTargets: unknown[] = [],
  ): Promise<{ camera: CameraSimulator; door: CameraSimulator }> {
    const start = async (options: Parameters<typeof simulator>[0]): Promise<CameraSimulator> => {
      const sim = simulator({ discovery: {}, ...options })
      sims.push(sim)
      await sim.listen()
      return sim
    }
    const camera = await start({ serialNumber: 'CAM0000010' })
    const door = await start({ profile: 'vto', serialNumber: 'VTO0000010' })
    const garbage = await start({ serialNumber: 'BAD0000010', discovery: { answer: 'garbage' } })
    const huge = await start({ serialNumber: 'BIG0000010', discovery: { answer: 'huge' } })
    helper.settings({
      dahuaCamera: {
        discovery: {
          targets: [
            ...[camera, garbage, door, huge].map((sim) => `127.0.0.1:${sim.discoveryPort}`),
            ...extraTargets,
          ],
          timeoutMs: 1_500,
        },
      },
    } as Record<string, unknown>)
    await helper.load(nodes, [])
    return { camera, door }
  }

  const search = (headers: Record<string, string> = { 'node-red-api-version': 'v2' }) => {
    let request = helper.request().post('/dahua-camera/discover').send({})
    for (const [name, value] of Object.entries(headers)) {
      request = request.set(name, value)
    }
    return request
  }

  it('lists the devices that answered, not the garbage or the huge answer', async () => {
    const { camera, door } = await devices()
    const res = await search().expect(200)
    const found = (res.body as { devices: FoundDevice[] }).devices
    assert.deepEqual(found.map((d) => [d.serial, d.deviceClass, d.httpPort]).sort(), [
      ['CAM0000010', 'IPC', camera.port],
      ['VTO0000010', 'VTO', door.port],
    ])
    assert.ok(
      sims.every((sim) => sim.discoveryAnswers === 1),
      'every simulator, the garbage and the huge one included, answered',
    )
  })

  it('runs one search for clicks that come while it runs', async () => {
    await devices()
    const [first, second] = await Promise.all([search().expect(200), search().expect(200)])
    assert.deepEqual(second.body, first.body)
    assert.equal((first.body as { devices: unknown[] }).devices.length, 2)
    assert.ok(
      sims.every((sim) => sim.discoveryAnswers === 1),
      `one request per device, not one per click: ${sims.map((sim) => sim.discoveryAnswers).join(', ')}`,
    )
  })

  it('aims only where settings.js says, whatever the request names: no editor user can aim it elsewhere', async () => {
    await devices()
    // A device the request names, and settings.js does not.
    const elsewhere = simulator({ discovery: {}, serialNumber: 'ELS0000010' })
    sims.push(elsewhere)
    await elsewhere.listen()
    const target = { address: '127.0.0.1', port: elsewhere.discoveryPort }
    const res = await helper
      .request()
      .post('/dahua-camera/discover')
      .set('node-red-api-version', 'v2')
      .send({
        targets: [target, `127.0.0.1:${elsewhere.discoveryPort}`],
        address: '127.0.0.1',
        port: target.port,
      })
      .expect(200)
    const found = (res.body as { devices: FoundDevice[] }).devices.map((d) => d.serial)
    assert.ok(found.includes('CAM0000010'))
    assert.ok(!found.includes('ELS0000010'))
    assert.equal(elsewhere.discoveryAnswers, 0, 'nothing was sent where the request said')
  })

  it('says which settings.js targets it cannot read, instead of finding nothing there without a word', async () => {
    await devices(['camera.local', '10.0.0.300', 42])
    await search().expect(200)
    await search().expect(200)
    // The helper's RED._ gives the key as it is; the catalog's text names the entries (locales test).
    const warned =
      JSON.stringify(helper.log().args).match(/dahua-camera\.warn\.discovery-targets(?!-)/g) ?? []
    assert.equal(warned.length, 1, 'said once, not at every search')
  })

  it("refuses a request without the editor's header, and one from another site, sending nothing", async () => {
    await devices()
    await search({}).expect(403)
    await search({ 'node-red-api-version': 'v2', 'sec-fetch-site': 'cross-site' }).expect(403)
    assert.ok(sims.every((sim) => sim.discoveryAnswers === 0))
  })
})
