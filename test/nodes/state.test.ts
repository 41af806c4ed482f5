import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
import {
  PASSWORD,
  cameraFlowNode,
  collect,
  credentials,
  eventInFlowNode,
  flowHooks,
  helper,
  nodes,
  runtimeName,
  useTiming,
} from '../helpers/flows'
import { pass, until, waitFor } from '../helpers/wait'

const FAST = { retryBaseMs: 50, retryCapMs: 300, stallMs: 300, healthyAfterMs: 200, headersTimeoutMs: 1_000 }

describe(`never a wrong state, in ${runtimeName}`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim, FAST)

  async function camera(options: ConstructorParameters<typeof CameraSimulator>[0] = {}): Promise<number> {
    sim = simulator({ password: PASSWORD, heartbeatMs: 50, ...options })
    return sim.listen()
  }

  const queried = (code: string): number =>
    sim.requests.filter(
      (r) => r.auth === 'ok' && r.url === `/cgi-bin/eventManager.cgi?action=getEventIndexes&code=${code}`,
    ).length

  it('after an outage emits the lost Stop and the missed Start, and nothing for a code the endpoint does not track', async () => {
    const port = await camera({ untrackedCodes: ['CrossLineDetection'] })
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    sim.send({ code: 'CrossLineDetection', action: 'Start', index: 1 })
    sim.send({ code: 'SmartMotionHuman', action: 'Start', index: 0 })
    sim.send({ code: 'AlarmLocal', action: 'Start', index: 0 })
    sim.send({ code: 'AlarmLocal', action: 'Stop', index: 0 })
    sim.send({ code: 'NewFile', action: 'Pulse', index: 0 })
    await until(() => got.length === 6, 'six events')
    await until(
      () => queried('VideoMotion') === 1 && queried('CrossLineDetection') === 1,
      'one learning query per code',
    )
    await until(() => sim.cgiInFlight === 0, 'the learning answers to arrive')

    // The outage: motion ends and an alarm input goes active while no stream is open.
    await sim.refuseConnections(true)
    sim.setActive('VideoMotion', 0, false)
    sim.setActive('CrossLineDetection', 1, false)
    sim.setActive('AlarmLocal', 0, true)
    await pass(200)
    await sim.refuseConnections(false)
    await until(
      () => got.some((m) => m.payload.reconciled && m.payload.code === 'AlarmLocal'),
      'the reconciled Start',
    )
    await until(
      () => got.some((m) => m.payload.reconciled && m.payload.code === 'VideoMotion'),
      'the reconciled Stop',
    )
    await pass(300)

    const reconciled = got.filter((m) => m.payload.reconciled).map((m) => m.payload)
    assert.deepEqual(
      reconciled.map((p) => `${String(p.code)} ${String(p.action)} ${String(p.channel)}`).sort(),
      ['AlarmLocal Start 1', 'VideoMotion Stop 1'],
      'no Stop for CrossLineDetection, whose "No Events" says nothing; SmartMotionHuman is still active',
    )
    const stop = got.find((m) => m.payload.reconciled && m.payload.code === 'VideoMotion')!
    assert.equal(stop.topic, 'dahua/127.0.0.1/VideoMotion/1')
    assert.ok(
      typeof stop.payload.duration === 'number' && stop.payload.duration > 0,
      `duration ${String(stop.payload.duration)}`,
    )
    assert.equal(queried('NewFile'), 0, 'a Pulse code is never reconciled')
    assert.ok(
      sim.maxCgiInFlight <= 2,
      `at most 2 calls beside the stream at once (saw ${sim.maxCgiInFlight})`,
    )
    assert.ok(sim.maxCgiInFlight >= 1)
  })

  it('reconciles only the codes the event nodes listen for', async () => {
    const port = await camera()
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventInFlowNode('ev', { codes: 'VideoMotion' })],
      credentials(),
    )
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    sim.send({ code: 'AlarmLocal', action: 'Start', index: 0 })
    await until(() => queried('VideoMotion') === 1, 'the learning query')
    sim.drop()
    await waitFor(sim, 'attach', 'the re-attach')
    await until(() => queried('VideoMotion') === 2, 'the reconcile query')
    await pass(200)
    assert.equal(
      queried('AlarmLocal'),
      0,
      'no query, learning or reconciling, for a code no node listens for',
    )
  })

  it('gives every Stop from the stream its duration', async () => {
    const port = await camera()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 3 })
    await until(() => got.length === 1, 'the Start')
    await pass(250) // the Stop is sent, so received, at least 250 ms after the Start was received
    sim.send({ code: 'VideoMotion', action: 'Stop', index: 3 })
    await until(() => got.length === 2, 'the Stop')
    assert.equal(got[0]!.payload.duration, undefined)
    const gap =
      (Date.parse(String(got[1]!.payload.receivedAt)) - Date.parse(String(got[0]!.payload.receivedAt))) / 1000
    assert.equal(got[1]!.payload.duration, gap, 'the seconds between the Start and the Stop as received')
    assert.ok(gap >= 0.25)
  })

  it('sends connection changes on the second output: connected, disconnected with why, connected with downtime', async () => {
    const port = await camera()
    await helper.load(
      nodes,
      [cameraFlowNode({ port, name: 'Gate' }), ...eventInFlowNode('ev')],
      credentials(),
    )
    const health = collect('ev-conn')
    await until(() => health.length === 1, 'connected')
    await pass(300)
    sim.drop()
    await until(() => health.length === 3, 'disconnected, then connected')
    assert.deepEqual(
      health.map((m) => [m.topic, m.payload.state, m.payload.reason, m.payload.reconnects]),
      [
        ['dahua/Gate/connection', 'connected', undefined, 0],
        ['dahua/Gate/connection', 'disconnected', 'closed', 0],
        ['dahua/Gate/connection', 'connected', undefined, 1],
      ],
    )
    assert.equal(typeof health[2]!.payload.downtime, 'number')
    // For people, beside the machine-readable reason (the helper's catalog gives the key).
    assert.equal(health[1]!.payload.text, 'dahua-camera.reason.closed')
    assert.equal(health[0]!.payload.text, undefined)
    assert.ok(!Number.isNaN(Date.parse(String(health[1]!.payload.since))))
    assert.equal(collect('ev-out').length, 0, 'health never goes out on the event output')
  })

  it('sends auth-failed on the second output', async () => {
    const port = await camera({ password: 'other' })
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    const health = collect('ev-conn')
    await until(() => health.some((m) => m.payload.state === 'auth-failed'), 'auth-failed')
  })

  it('refreshes the attach make-before-break and emits every event exactly once', async () => {
    useTiming({ ...FAST, refreshMs: 400 })
    const port = await camera()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    // Bursts with quiet moments between them: a refresh switches streams only in a moment without events.
    const total = 240
    for (let n = 0; n < total; n++) {
      sim.send({ code: 'Tick', action: 'Pulse', index: 0, data: { n } })
      await pass(n % 40 === 39 ? 1_300 : 10)
    }
    await until(() => got.length >= total, `${total} ticks (got ${got.length})`)
    await pass(600)
    const ticks = got.map((m) => (m.payload.data as { n: number }).n)
    assert.deepEqual(ticks, [...Array(total).keys()], 'each tick once, in order')
    assert.ok(sim.attaches >= 3, `${sim.attaches} attaches: the stream was refreshed`)
    await until(() => sim.openStreams === 1, 'one stream after the overlaps')
  })

  it('attaches a snapshot to a Start, one fetch per channel for all nodes, and never loses an event for it', async () => {
    const port = await camera({ profile: 'nvr16' })
    await helper.load(
      nodes,
      [
        cameraFlowNode({ port }),
        ...eventInFlowNode('a', { snapshot: true, snapshotTimeout: 0.5 }),
        ...eventInFlowNode('b', { snapshot: true, snapshotTimeout: 0.5 }),
      ],
      credentials(),
    )
    const a = collect('a-out')
    const b = collect('b-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 1 })
    sim.send({ code: 'VideoMotion', action: 'Stop', index: 1 })
    await until(() => a.length === 2 && b.length === 2, 'Start and Stop on both nodes')
    assert.deepEqual(
      a.map((m) => m.payload.action),
      ['Start', 'Stop'],
      'the Stop waits for the Start',
    )
    const image = (a[0] as unknown as { image: Buffer }).image
    assert.ok(Buffer.isBuffer(image) && image[0] === 0xff && image[1] === 0xd8, 'a JPEG')
    assert.ok(image.includes('channel 2'), 'of channel 2')
    assert.equal((a[1] as unknown as { image?: Buffer }).image, undefined, 'no picture on a Stop')
    assert.equal(
      sim.requests.filter((r) => r.auth === 'ok' && r.url.startsWith('/cgi-bin/snapshot.cgi')).length,
      1,
      'one fetch for two nodes',
    )

    sim.snapshotFails = true
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await until(() => a.length === 3, 'the Start without a picture')
    assert.equal((a[2] as unknown as { imageError?: string }).imageError, 'HTTP 500')
  })

  for (const profile of ['vto', 'ipc-tabs']) {
    it(`passes on a clean JPEG from a device whose snapshots are not (${profile})`, async () => {
      const port = await camera({ profile })
      await helper.load(
        nodes,
        [cameraFlowNode({ port }), ...eventInFlowNode('a', { snapshot: true, snapshotTimeout: 2 })],
        credentials(),
      )
      const a = collect('a-out')
      await waitFor(sim, 'attach', 'the attach')
      sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
      await until(() => a.length === 1, 'the Start')
      const image = (a[0] as unknown as { image: Buffer }).image
      // Ends at its end marker (no dhav trailer) and its comment's length reaches exactly the next marker.
      assert.deepEqual([...image.subarray(-2)], [0xff, 0xd9])
      assert.equal(image.readUInt16BE(4), Buffer.byteLength('channel 1') + 2)
    })
  }

  it("names a recorder's channels in messages and in what the editor is offered, read again after a reconnect", async () => {
    const port = await camera({ profile: 'nvr16' })
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('a')], credentials())
    const a = collect('a-out')
    const asked = (): number =>
      sim.requests.filter((r) => r.url.includes('name=ChannelTitle') && r.auth === 'ok').length
    await waitFor(sim, 'attach', 'the attach')
    await until(() => asked() === 1, 'the channel names read')
    await pass(100)
    sim.send({ code: 'VideoMotion', action: 'Start', index: 2 })
    sim.send({ code: 'AlarmLocal', action: 'Start', index: 2 })
    await until(() => a.length === 2, 'the events')
    assert.equal(a[0]!.payload.channelName, sim.profile.channelTitles![2])
    assert.equal(a[1]!.payload.channelName, undefined, 'an alarm input is not a camera')
    const seen = (await helper.request().get('/dahua-camera/cam/seen').expect(200)).body as Array<{
      code: string
      names?: Record<string, string>
    }>
    assert.deepEqual(seen.find((s) => s.code === 'VideoMotion')?.names, {
      '3': sim.profile.channelTitles![2],
    })
    sim.drop()
    await until(() => asked() === 2, 'the names read again after the reconnect', 5_000)
  })

  it("filters a recorder's events by channel name, as ChannelTitle has it", async () => {
    const port = await camera({ profile: 'nvr16' })
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventInFlowNode('a', { channels: '"garage", 16' })],
      credentials(),
    )
    const a = collect('a-out')
    await waitFor(sim, 'attach', 'the attach')
    await until(
      () => sim.requests.some((r) => r.url.includes('name=ChannelTitle') && r.status === 200),
      'the channel names read',
    )
    await pass(100)
    for (let index = 0; index < 16; index++) {
      sim.send({ code: 'VideoMotion', action: 'Start', index })
    }
    await until(() => a.length === 2, 'the events of Garage (4) and of channel 16')
    await pass(200)
    assert.deepEqual(
      a.map((m) => [m.payload.channel, m.payload.channelName]),
      [
        [4, 'Garage'],
        [16, 'Roof'],
      ],
    )
  })

  it('asks a camera without channel names once, and sends its events without one', async () => {
    const port = await camera({ profile: 'ipc' })
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('a')], credentials())
    const a = collect('a-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await until(() => a.length === 1, 'the event')
    assert.equal(a[0]!.payload.channelName, undefined)
    sim.drop()
    await waitFor(sim, 'attach', 'the re-attach')
    await pass(300)
    assert.equal(sim.requests.filter((r) => r.url.includes('name=ChannelTitle') && r.auth === 'ok').length, 1)
  })

  it('sends a Start without its picture when the camera is too slow', async () => {
    const port = await camera({ snapshotDelayMs: 3_000 })
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventInFlowNode('a', { snapshot: true, snapshotTimeout: 0.3 })],
      credentials(),
    )
    const a = collect('a-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await until(() => a.length === 1, 'the Start')
    assert.equal((a[0] as unknown as { imageError?: string }).imageError, 'dahua-event-in.errors.no-picture')
  })

  it('gives every node its own health payload and its own snapshot Buffer', async () => {
    const port = await camera({ profile: 'nvr16' })
    await helper.load(
      nodes,
      [
        cameraFlowNode({ port }),
        ...eventInFlowNode('a', { snapshot: true, snapshotTimeout: 1 }),
        ...eventInFlowNode('b', { snapshot: true, snapshotTimeout: 1 }),
      ],
      credentials(),
    )
    const a = collect('a-out')
    const b = collect('b-out')
    const healthA = collect('a-conn')
    const healthB = collect('b-conn')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 2 })
    await until(
      () => a.length === 1 && b.length === 1 && healthA.length === 1 && healthB.length === 1,
      'both',
    )
    const imageA = (a[0] as unknown as { image: Buffer }).image
    const imageB = (b[0] as unknown as { image: Buffer }).image
    imageA[0] = 0 // one flow edits its picture
    assert.equal(imageB[0], 0xff, "the other flow's picture is untouched")
    healthA[0]!.payload.state = 'edited'
    assert.equal(healthB[0]!.payload.state, 'connected')
  })

  it('takes ten and more event nodes on one camera without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name)
    }
    process.on('warning', onWarning)
    try {
      const port = await camera({ profile: 'nvr16' })
      const channels = Array.from({ length: 16 }, (_, i) =>
        eventInFlowNode(`ch${i + 1}`, { channels: String(i + 1) }),
      )
      await helper.load(nodes, [cameraFlowNode({ port }), ...channels.flat()], credentials())
      const last = collect('ch16-out')
      await waitFor(sim, 'attach', 'the attach')
      sim.send({ code: 'VideoMotion', action: 'Start', index: 15 })
      await until(() => last.length === 1, 'the event on channel 16')
      await pass(100) // process warnings are emitted on the next tick
      assert.deepEqual(
        warnings.filter((name) => name === 'MaxListenersExceededWarning'),
        [],
      )
      assert.equal(sim.attaches, 1)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('takes no picture for an alarm input, whose index is not a video channel, and says why', async () => {
    const port = await camera({ profile: 'nvr16' })
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventInFlowNode('a', { snapshot: true, snapshotTimeout: 1 })],
      credentials(),
    )
    const a = collect('a-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'AlarmLocal', action: 'Start', index: 3 })
    await until(() => a.length === 1, 'the Start')
    assert.equal((a[0] as unknown as { imageError?: string }).imageError, 'dahua-event-in.errors.not-video')
    assert.equal(sim.requests.filter((r) => r.url.startsWith('/cgi-bin/snapshot.cgi')).length, 0)
  })
})
