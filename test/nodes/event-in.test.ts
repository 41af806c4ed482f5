import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import type { StateChange } from '../../src/lib/types'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { selfSigned, simulator } from '../helpers/sim'
import {
  PASSWORD,
  badge,
  calls,
  cameraFlowNode,
  collect,
  credentials,
  eventInFlowNode,
  type FlowNode,
  flowHooks,
  helper,
  nodes,
  runtimeName,
  statusCalls,
  useTiming,
} from '../helpers/flows'
import { pass, until, waitFor } from '../helpers/wait'

const FAST = {
  retryBaseMs: 50,
  retryCapMs: 400,
  stallMs: 300,
  healthyAfterMs: 200,
  headersTimeoutMs: 1_000,
  silentCameraMs: 1_500,
}

describe(`dahua-event-in in ${runtimeName} against the simulator`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim)

  async function camera(options: ConstructorParameters<typeof CameraSimulator>[0] = {}): Promise<number> {
    sim = simulator({ password: PASSWORD, ...options })
    return sim.listen()
  }

  it('turns a camera event into the documented message, and heartbeats into nothing', async () => {
    const port = await camera({ heartbeatMs: 50 })
    await helper.load(
      nodes,
      [cameraFlowNode({ port, name: 'Door' }), ...eventInFlowNode('ev')],
      credentials(),
    )
    const received = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    await badge('ev', 'dahua-event-in.status.connected')
    await pass(200) // four heartbeats
    const data = { Name: 'Gate; east', Object: { ObjectType: 'Human', ObjectID: 863 } }
    sim.send({ code: 'CrossLineDetection', action: 'Start', index: 1, data })
    await until(() => received.length === 1, 'the message')
    const msg = received[0]!
    assert.equal(msg.topic, 'dahua/Door/CrossLineDetection/2')
    const { receivedAt, ...rest } = msg.payload
    assert.deepEqual(rest, {
      code: 'CrossLineDetection',
      action: 'Start',
      index: 1,
      channel: 2,
      data,
      detection: { object: 'human', objectType: 'Human', rule: { name: 'Gate; east' }, objectId: 863 },
      camera: { name: 'Door', host: '127.0.0.1' },
    })
    assert.ok(
      Math.abs(Date.parse(String(receivedAt)) - Date.now()) < 5_000,
      `receivedAt ${String(receivedAt)}`,
    )
    await badge('ev', 'dahua-event-in.status.last-event', 3_000)
    await pass(100)
    assert.equal(received.length, 1, 'heartbeats are not messages')
  })

  it('names the topic by host when the camera has no name', async () => {
    const port = await camera()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    const received = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await until(() => received.length === 1, 'the message')
    assert.equal(received[0]!.topic, 'dahua/127.0.0.1/VideoMotion/1')
    assert.equal('data' in received[0]!.payload, false)
  })

  it('shares one attach between event nodes, and filters by code, channel and action in each', async () => {
    const port = await camera()
    await helper.load(
      nodes,
      [
        cameraFlowNode({ port }),
        ...eventInFlowNode('all'),
        ...eventInFlowNode('motion', { codes: 'videomotion' }),
        ...eventInFlowNode('ch2', { channels: '2-3' }),
        ...eventInFlowNode('stops', { actions: 'Stop' }),
        ...eventInFlowNode('mix', { codes: 'AlarmLocal,VideoMotion', channels: '1', actions: 'start' }),
      ],
      credentials(),
    )
    const got = Object.fromEntries(
      ['all', 'motion', 'ch2', 'stops', 'mix'].map((id) => [id, collect(`${id}-out`)]),
    )
    await waitFor(sim, 'attach', 'the attach')
    await pass(300)
    assert.equal(sim.attaches, 1, 'one attach for five nodes')
    assert.equal(sim.openStreams, 1)
    const sent = [
      { code: 'VideoMotion', action: 'Start', index: 0 },
      { code: 'VideoMotion', action: 'Stop', index: 1 },
      { code: 'AlarmLocal', action: 'Start', index: 0 },
      { code: 'CrossLineDetection', action: 'Start', index: 2 },
      { code: 'TimeChange', action: 'Pulse', index: 0 },
    ]
    for (const event of sent) {
      sim.send(event)
    }
    await until(() => got.all!.length === sent.length, 'all five events on the unfiltered node')
    await pass(100)
    const seen = (id: string): string[] =>
      got[id]!.map(
        (m) => `${String(m.payload.code)}/${String(m.payload.action)}/${String(m.payload.channel)}`,
      )
    assert.deepEqual(seen('motion'), ['VideoMotion/Start/1', 'VideoMotion/Stop/2'])
    assert.deepEqual(seen('ch2'), ['VideoMotion/Stop/2', 'CrossLineDetection/Start/3'])
    assert.deepEqual(seen('stops'), ['VideoMotion/Stop/2'])
    assert.deepEqual(seen('mix'), ['VideoMotion/Start/1', 'AlarmLocal/Start/1'])
  })

  it('gives each node its own copy of the event data', async () => {
    const port = await camera()
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventInFlowNode('a'), ...eventInFlowNode('b')],
      credentials(),
    )
    const a = collect('a-out')
    const b = collect('b-out')
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0, data: { RegionName: ['R1'] } })
    await until(() => a.length === 1 && b.length === 1, 'both messages')
    ;(a[0]!.payload.data as { RegionName: string[] }).RegionName.push('edited')
    assert.deepEqual(b[0]!.payload.data, { RegionName: ['R1'] })
  })

  it("copies the event data only when more than one node takes the camera's events", async () => {
    const port = await camera()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('a')], credentials())
    const got = collect('a-out')
    const client = (helper.getNode('cam') as unknown as { device: { stream: EventEmitter } }).device.stream
    let sent: { data?: unknown } | undefined
    client.on('event', (event: { data?: unknown }) => (sent = event)) // a listener that is not a node
    await waitFor(sim, 'attach', 'the attach')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0, data: { RegionName: ['R1'] } })
    await until(() => got.length === 1, 'the message')
    assert.equal(got[0]!.payload.data, sent?.data, 'a lone node gets the parsed data itself, not a copy')
  })

  it('detects a stalled stream within 3 heartbeats, says so, and is back with events', async () => {
    useTiming({ lateWindowMs: 1_000 })
    const port = await camera()
    await helper.load(
      nodes,
      [cameraFlowNode({ port, heartbeat: 1 }), ...eventInFlowNode('ev')],
      credentials(),
    )
    const received = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    const client = (helper.getNode('cam') as unknown as { device: { stream: EventEmitter } }).device.stream
    await waitFor(client, 'heartbeat', 'a heartbeat', 2_000)
    sim.stall()
    await badge('ev', 'dahua-event-in.status.retrying', 10_000)
    // Detected by the heartbeat watchdog at 3 intervals of 1 s, not by the minutes-long silent-camera limit.
    assert.deepEqual((client as unknown as { state: StateChange }).state.reason, {
      kind: 'stalled',
      detail: '3s',
    })
    await waitFor(sim, 'attach', 'the re-attach', 3_000)
    await badge('ev', 'dahua-event-in.status.connected')
    sim.send({ code: 'VideoMotion', action: 'Stop', index: 0 })
    await until(() => received.length === 1, 'the event after the reconnect')
    // Kept readable for what it may still deliver (late.ts), then closed when that window is over.
    await until(() => sim.openStreams === 1, 'the stalled socket closed after lateWindowMs', 3_000)
  })

  it('holds a healthy stream open for many multiples of every timeout the code sets', async () => {
    // A stall limit of 1 s leaves room for a loaded machine's event-loop lag; 10 s is 10x it, 10x
    // headersTimeoutMs, 5x silentCameraMs and 25x retryCapMs.
    useTiming({ ...FAST, stallMs: 1_000, silentCameraMs: 2_000 })
    const port = await camera({ heartbeatMs: 100 })
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    await waitFor(sim, 'attach', 'the attach')
    await pass(10_000)
    assert.equal(sim.attaches, 1)
    const texts = statusCalls('ev')
      .map((args) => (args[0] as { text?: string }).text)
      .filter((text) => text !== undefined)
    assert.deepEqual(texts, ['dahua-event-in.status.connecting', 'dahua-event-in.status.connected'])
  })

  it('re-attaches at once when a healthy stream is dropped (camera reboot)', async () => {
    useTiming(FAST)
    const port = await camera({ heartbeatMs: 100 })
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    await waitFor(sim, 'attach', 'the attach')
    await pass(300)
    sim.drop()
    await waitFor(sim, 'attach', 'the re-attach', 1_000)
    await badge('ev', 'dahua-event-in.status.connected')
  })

  it('stops after 3 refused logins, shows authentication failed, and keeps the password out of every log and badge', async () => {
    useTiming(FAST)
    const port = await camera({ password: 'the-real-one' })
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventInFlowNode('a'), ...eventInFlowNode('b')],
      credentials(),
    )
    await badge('a', 'dahua-event-in.status.auth-failed')
    await badge('b', 'dahua-event-in.status.auth-failed')
    await pass(1_000)
    assert.equal(sim.refusedLogins, 3)
    assert.equal(sim.requests.length, 6, 'three challenges and three refused answers, nothing more')
    const logged = JSON.stringify(helper.log().args)
    assert.ok(logged.includes('dahua-camera.state.auth-failed'), 'the refusal is logged')
    const statuses = [...statusCalls('a'), ...statusCalls('b')]
    assert.ok(statuses.length >= 4)
    assert.equal(`${logged}${JSON.stringify(statuses)}`.includes(PASSWORD), false)
  })

  it('leaves exactly one live stream after 20 redeploys, connected or mid-connect', async () => {
    const port = await camera()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    await waitFor(sim, 'attach', 'the first attach')
    const redeploy = (i: number): Promise<void> =>
      helper.setFlows(
        [cameraFlowNode({ port, name: `deploy ${i}` }), ...eventInFlowNode('ev')],
        'full',
        credentials(),
      )
    for (let i = 0; i < 10; i++) {
      // Each stream is open before the redeploy that must close it.
      const attached = waitFor(sim, 'attach', `attach ${i + 2}`)
      await redeploy(i)
      await attached
      await until(() => sim.openStreams === 1, `one stream after redeploy ${i}`)
    }
    for (let i = 10; i < 20; i++) {
      await redeploy(i) // back to back: most of these never reach the camera
    }
    await until(() => sim.openStreams === 1, 'the last deploy to attach')
    await pass(500)
    assert.equal(sim.openStreams, 1, 'the camera sees one live stream')
    assert.ok(sim.attaches >= 12, `${sim.attaches} attaches`)
    const received = collect('ev-out')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await until(() => received.length === 1, 'the event')
    await pass(100)
    assert.equal(received.length, 1, 'no duplicate event')
  })

  it('closes the stream when the flow is stopped', async () => {
    const port = await camera()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    await waitFor(sim, 'attach', 'the attach')
    const detached = waitFor(sim, 'detach', 'the camera to see the socket close')
    await helper.unload()
    await detached
    assert.equal(sim.openStreams, 0)
  })

  it('shows camera unreachable when the camera refuses connections', async () => {
    useTiming(FAST)
    const port = await camera()
    await sim.refuseConnections(true)
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    await badge('ev', 'dahua-event-in.status.unreachable')
    await sim.refuseConnections(false)
    await badge('ev', 'dahua-event-in.status.connected')
  })

  it('shows certificate refused for a self-signed camera unless verifyTls is off', async () => {
    const port = await camera({ tls: selfSigned() })
    await helper.load(
      nodes,
      [cameraFlowNode({ port, protocol: 'https' }), ...eventInFlowNode('ev')],
      credentials(),
    )
    await badge('ev', 'dahua-event-in.status.tls-refused')
    await helper.setFlows(
      [cameraFlowNode({ port, protocol: 'https', verifyTls: false }), ...eventInFlowNode('ev')],
      'full',
      credentials(),
    )
    await badge('ev', 'dahua-event-in.status.connected')
  })

  it('reads an empty or absent Refresh as the default 60 minutes, and 0 as never', async () => {
    const port = await camera()
    const refreshMs = async (refreshMinutes: unknown): Promise<number> => {
      const camera: FlowNode = { ...cameraFlowNode({ port }), refreshMinutes }
      await helper.load(nodes, [camera], credentials())
      const value = (helper.getNode('cam') as unknown as { device: { timing: { refreshMs: number } } }).device
        .timing.refreshMs
      await helper.unload()
      return value
    }
    assert.equal(await refreshMs(undefined), 3_600_000)
    assert.equal(await refreshMs(''), 3_600_000)
    assert.equal(await refreshMs('15'), 900_000)
    assert.equal(await refreshMs(0), 0)
  })

  it('tries nothing without a username, and its badge says no login is set', async () => {
    const port = await camera()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], {
      cam: { username: '', password: '' },
    })
    await badge('ev', 'dahua-event-in.status.no-login')
    await pass(300)
    assert.equal(sim.requests.length, 0)
  })

  it('says so when the node has no camera or an invalid filter', async () => {
    const port = await camera()
    await helper.load(
      nodes,
      [
        cameraFlowNode({ port }),
        ...eventInFlowNode('none', {}, 'missing'),
        ...eventInFlowNode('bad', { channels: 'front' }),
      ],
      credentials(),
    )
    await badge('none', 'dahua-event-in.status.no-camera')
    await badge('bad', 'dahua-event-in.status.invalid-filter')
    assert.equal(calls('bad', 'error').length, 1)
    assert.equal(calls('none', 'error').length, 1)
  })
})
