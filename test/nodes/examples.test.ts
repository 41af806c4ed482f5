import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import { readFileSync, readdirSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { connect } from 'mqtt'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { PROFILES } from '../../src/sim/profiles'
import { simulator } from '../helpers/sim'
import { PASSWORD, coreNode, flowHooks, helper, nodes, runtimeName, type FlowNode } from '../helpers/flows'
import { until, waitFor } from '../helpers/wait'

const dir = join(__dirname, '..', '..', '..', 'examples')
const core = [
  'common/20-inject.js',
  'common/21-debug.js',
  'common/90-comment.js',
  'function/10-function.js',
  'function/10-switch.js',
  'function/15-change.js',
  'function/80-template.js',
  'function/89-trigger.js',
  'network/10-mqtt.js',
].map(coreNode)

function example(name: string, port: number): FlowNode[] {
  const flow = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as FlowNode[]
  for (const node of flow) {
    if (node.type === 'dahua-camera') {
      node.port = port
    }
  }
  return flow
}

function received(id: string): Array<{ payload: unknown; topic?: string }> {
  const got: Array<{ payload: unknown; topic?: string }> = []
  helper.getNode(id).on('input', (msg: unknown) => got.push(msg as (typeof got)[number]))
  return got
}

/** Each example's own camera node: a second example imported must not meet the first one's ids. */
const cameraOf = (flow: FlowNode[]): string => flow.find((n) => n.type === 'dahua-camera')?.id ?? ''
let camera = ''

function errors(): unknown[][] {
  const node = helper.getNode(camera) as unknown as { error: { getCalls(): Array<{ args: unknown[] }> } }
  return node.error.getCalls().map((call) => call.args)
}

describe(`the examples, deployed in ${runtimeName} against the simulator`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim)

  async function deploy(name: string, profile = 'ipc', edit?: (flow: FlowNode[]) => void): Promise<void> {
    sim = simulator({ password: PASSWORD, profile })
    const port = await sim.listen()
    const flow = example(name, port)
    edit?.(flow)
    camera = cameraOf(flow)
    const attached = waitFor(sim, 'attach', `the attach of "${name}"`)
    await helper.load([...nodes, ...core] as never, flow, {
      [camera]: { username: 'admin', password: PASSWORD },
    })
    // Event and door nodes open the camera's stream; a flow of control nodes alone does not.
    if (flow.some((n) => n.type === 'dahua-event-in' || n.type === 'dahua-door')) {
      await attached
    }
  }

  /** The night hours of example 07 (its flow's properties), so that now is night, or is not. */
  const nightHours =
    (from: number, to: number) =>
    (flow: FlowNode[]): void => {
      flow.find((n) => n.id === 'ex7-tab')!.env = [
        { name: 'NIGHT_FROM', value: String(from), type: 'num' },
        { name: 'NIGHT_TO', value: String(to), type: 'num' },
      ]
    }

  it('has thirteen examples that import side by side, each saying on the canvas how to set it up', () => {
    const names = readdirSync(dir).filter((f) => f.endsWith('.json'))
    assert.equal(names.length, 13)
    const types = new Set<string>()
    const ids = new Map<string, string>()
    for (const name of names) {
      const flow = JSON.parse(readFileSync(join(dir, name), 'utf8')) as FlowNode[]
      assert.ok(
        flow.some(
          (n) => n.type === 'comment' && /^Set up first: .*address, username, password/.test(String(n.name)),
        ),
        `${name} shows its setup step on the canvas (a comment's name, not only its body)`,
      )
      assert.ok(cameraOf(flow), `${name} has its camera`)
      for (const node of flow) {
        types.add(node.type)
        // No id may repeat, config nodes included: Node-RED asks about any node that already exists
        // (editor clipboard import, generateIds false; test/e2e imports them all).
        assert.equal(ids.get(node.id), undefined, `${node.id} of ${name} is also in ${ids.get(node.id)}`)
        ids.set(node.id, name)
      }
    }
    assert.ok(types.has('dahua-event-in'))
    assert.ok(types.has('dahua-control'))
    assert.ok(types.has('dahua-door'))
  })

  it('10: a press becomes one notification with its picture; the hang-up does not', async () => {
    await deploy('10 Doorbell press to a phone notification', 'vto')
    const got = received('ex10-phone')
    sim.door!.play('press')
    sim.door!.play('missed')
    await until(() => got.length === 1, 'the notification')
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    assert.equal(got.length, 1)
    const note = got[0]!.payload as { title: string; text: string; image: Buffer }
    assert.equal(note.title, 'Doorbell')
    assert.match(note.text, /^Someone is at the Front camera at \d\d:\d\d$/)
    assert.ok(Buffer.isBuffer(note.image))
    assert.deepEqual(errors(), [])
  })

  it('11: the button is refused until "Allow opening the door" is ticked, then opens the gate', async () => {
    await deploy('11 Open the gate from a button', 'vto')
    const failed = new Promise<unknown>((resolve) =>
      (helper.getNode('ex11-door') as unknown as EventEmitter).once(
        'call:error',
        (call: { args: unknown[] }) => resolve(call.args[0]),
      ),
    )
    helper.getNode('ex11-button').receive({})
    assert.match(String(await failed), /open-not-allowed/)
    assert.deepEqual(sim.door!.opened, [])
    await helper.unload()
    await sim.close()
    await deploy('11 Open the gate from a button', 'vto', (flow) => {
      flow.find((n) => n.id === 'ex11-door')!.allowOpen = true
    })
    const got = received('ex11-opened')
    helper.getNode('ex11-button').receive({})
    await until(() => got.length === 1, 'the gate opened')
    assert.deepEqual(got[0]!.payload, { action: 'open', door: 1, ok: true })
    assert.deepEqual(sim.door!.opened, [{ door: 1, via: 'cgi' }])
  })

  it("12: a known plate closes the barrier's relay for 2 s; an unknown plate and a read of none do not", async () => {
    await deploy('12 Known plate opens the gate', 'anpr')
    const got = received('ex12-debug')
    const relay = (): string | undefined => sim.device.config.get('AlarmOut[0].Mode')
    const [toll, parking, wrongWay] = PROFILES.anpr!.sample
    sim.send(toll!) // no plate read
    sim.send(wrongWay!) // 粤MTU952: not on the list
    sim.send(parking!) // 鄂A06654: on it
    await until(() => got.length === 1, 'the relay closed')
    assert.deepEqual(got[0]!.payload, {
      action: 'alarm-output',
      channel: 1,
      output: 1,
      state: true,
      verified: true,
    })
    assert.equal(relay(), '1')
    await until(() => got.length === 2, 'the relay open again', 5_000)
    assert.equal((got[1]!.payload as { state: unknown }).state, 'auto')
    assert.equal(relay(), '0')
    assert.deepEqual(errors(), [])
  })

  it('13: an unknown face becomes a notification with its picture; a known one does not', async () => {
    await deploy('13 Unknown face to a phone notification', 'face-nvr')
    const got = received('ex13-phone')
    const [known, unknown] = PROFILES['face-nvr']!.sample
    sim.send(known!)
    sim.send(unknown!)
    await until(() => got.length === 1, 'the notification')
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(got.length, 1)
    const note = got[0]!.payload as { title: string; text: string; image: Buffer }
    assert.equal(note.title, 'Unknown face')
    assert.match(
      note.text,
      /^Someone the camera does not know at channel 11 of the Entrance recorder at \d\d:\d\d$/,
    )
    assert.ok(Buffer.isBuffer(note.image) && note.image[0] === 0xff, 'the JPEG')
    assert.deepEqual(errors(), [])
  })

  const person = { code: 'CrossLineDetection', action: 'Start', index: 0 }
  it('07: a person at night turns the white light on for 60 s; a car does not', async () => {
    await deploy('07 Person at night turns on the light', 'deterrence', nightHours(0, 24))
    const got = received('ex7-debug')
    sim.send({ ...person, data: { Name: 'Gate', Object: { ObjectType: 'Vehicle' } } })
    sim.send({ ...person, data: { Name: 'Gate', Object: { ObjectType: 'Human' } } })
    await until(() => got.length === 1, 'the light turned on')
    assert.deepEqual(got[0]!.payload, { action: 'light', channel: 1, state: true, verified: true })
    assert.equal(sim.device.config.get('Lighting_V2[0][2][0].Mode'), 'Manual')
    assert.equal(
      sim.requests.filter((r) => r.url.includes('action=setConfig') && r.auth === 'ok').length,
      1,
      'the car turned nothing on',
    )
  })

  it('07: in the day a person turns nothing on', async () => {
    await deploy('07 Person at night turns on the light', 'deterrence', nightHours(0, 0))
    const reachedFunction: unknown[] = []
    helper.getNode('ex7-night').on('input', (msg: unknown) => reachedFunction.push(msg))
    sim.send({ ...person, data: { Name: 'Gate', Object: { ObjectType: 'Human' } } })
    await until(() => reachedFunction.length === 1, 'the crossing at the function')
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(sim.requests.filter((r) => r.url.includes('action=setConfig') && r.auth === 'ok').length, 0)
    assert.equal(sim.device.config.get('Lighting_V2[0][2][0].Mode'), 'Auto')
  })

  it('08: coming home disarms motion and smart detection, leaving home arms them', async () => {
    await deploy('08 Arm when leaving home')
    const got = received('ex8-debug')
    helper.getNode('ex8-home').receive({})
    await until(() => got.length === 2, 'both settings disarmed')
    assert.equal(sim.device.config.get('MotionDetect[0].Enable'), 'false')
    assert.equal(sim.device.config.get('SmartMotionDetect[0].Enable'), 'false')
    helper.getNode('ex8-leave').receive({})
    await until(() => got.length === 4, 'both settings armed')
    assert.equal(sim.device.config.get('MotionDetect[0].Enable'), 'true')
    assert.equal(sim.device.config.get('SmartMotionDetect[0].Enable'), 'true')
    assert.deepEqual(got.at(-1)!.payload, {
      action: 'smart-detection',
      channel: 1,
      state: true,
      verified: true,
    })
  })

  it("09: a door station's press brings its picture, without the trailer; the hang-up does not", async () => {
    await deploy('09 Picture of a doorbell press', 'vto')
    const got = received('ex9-debug')
    sim.send({ code: '_DoTalkAction_', action: 'Pulse', index: 0, data: { Action: 'Hangup' } })
    sim.send({ code: '_DoTalkAction_', action: 'Pulse', index: 0, data: { Action: 'Invite', CallID: '9' } })
    await until(() => got.length === 1, 'the picture')
    const picture = got[0]! as unknown as { payload: Buffer; contentType: string }
    assert.ok(Buffer.isBuffer(picture.payload))
    assert.deepEqual([...picture.payload.subarray(-2)], [0xff, 0xd9])
    assert.equal(picture.contentType, 'image/jpeg')
    assert.equal(
      sim.requests.filter((r) => r.url.includes('snapshot.cgi') && r.auth === 'ok').length,
      1,
      'one picture, of the press',
    )
    assert.deepEqual(errors(), [])
  })

  it('01: motion reaches the debug node', async () => {
    await deploy('01 Motion events to debug')
    const got = received('ex1-debug')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 2 })
    await until(() => got.length === 1, 'the motion')
    assert.equal((got[0]!.payload as { channel: number }).channel, 3)
    assert.deepEqual(errors(), [])
  })

  it('02: a person crossing the tripwire becomes a notification text; a car does not', async () => {
    await deploy('02 Person crossing a tripwire to a notification')
    const got = received('ex2-debug')
    sim.send({
      code: 'CrossLineDetection',
      action: 'Start',
      index: 0,
      data: { Name: 'Gate', Object: { ObjectType: 'Vehicle' } },
    })
    sim.send({
      code: 'CrossLineDetection',
      action: 'Start',
      index: 0,
      data: { Name: 'Gate', Object: { ObjectType: 'Human' } },
    })
    await until(() => got.length === 1, 'the notification')
    assert.equal(got[0]!.payload, 'A person crossed the Gate line on Front camera (channel 1).')
    assert.deepEqual(errors(), [])
  })

  it('03: a doorbell press says someone is at the door; the hang-up does not', async () => {
    await deploy('03 Doorbell press')
    const got = received('ex3-debug')
    sim.send({ code: '_DoTalkAction_', action: 'Pulse', index: 0, data: { Action: 'Hangup' } })
    sim.send({ code: '_DoTalkAction_', action: 'Pulse', index: 0, data: { Action: 'Invite', CallID: '9' } })
    await until(() => got.length === 1, 'the press')
    assert.equal(got[0]!.payload, 'Someone is at the door')
    assert.deepEqual(errors(), [])
  })

  it('04: a disconnection starts the offline timer and the reconnection cancels it', async () => {
    await deploy('04 Camera offline alert')
    const timer = received('ex4-timer')
    await until(() => timer.length === 1, 'the cancel that the first connected sends')
    sim.drop()
    await until(() => timer.length >= 3, 'disconnected, then the cancel on connected')
    const after = timer.slice(1)
    assert.equal((after[0]!.payload as { state: string }).state, 'disconnected')
    assert.equal(
      (after[0] as unknown as { reset?: boolean }).reset,
      undefined,
      'the disconnection starts the timer',
    )
    assert.equal((after.at(-1) as unknown as { reset?: boolean }).reset, true, 'the reconnection cancels it')
    assert.deepEqual(errors(), [])
  })

  it('06: motion becomes true on Start and false on Stop, for a light', async () => {
    await deploy('06 Motion to a light (true or false)')
    const got = received('ex6-light')
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    sim.send({ code: 'VideoMotion', action: 'Start', index: 1 })
    sim.send({ code: 'VideoMotion', action: 'Stop', index: 0 })
    await until(() => got.length === 2, 'on and off')
    assert.deepEqual(
      got.map((m) => m.payload),
      [true, false],
    )
    assert.deepEqual(errors(), [])
  })

  it('05: every event goes to a real MQTT broker with msg.topic as its topic', async () => {
    const { Aedes } = await import('aedes')
    const broker = await Aedes.createBroker()
    const server: Server = createServer(broker.handle)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const brokerPort = (server.address() as { port: number }).port
    const subscriber = connect(`mqtt://127.0.0.1:${brokerPort}`)
    try {
      const messages: Array<{ topic: string; payload: Record<string, unknown> }> = []
      subscriber.on('message', (topic, payload) =>
        messages.push({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown> }),
      )
      await subscriber.subscribeAsync('dahua/#')
      sim = simulator({ password: PASSWORD })
      const port = await sim.listen()
      const flow = example('05 Every event to MQTT', port)
      const brokerNode = flow.find((n) => n.type === 'mqtt-broker')!
      brokerNode.port = String(brokerPort)
      camera = cameraOf(flow)
      const attached = waitFor(sim, 'attach', 'the attach')
      await helper.load([...nodes, ...core] as never, flow, {
        [camera]: { username: 'admin', password: PASSWORD },
      })
      await attached
      await until(
        () => (helper.getNode('ex-broker') as unknown as { connected?: boolean }).connected === true,
        'the broker connection',
      )
      sim.send({ code: 'VideoMotion', action: 'Start', index: 0, data: { RegionName: ['Driveway'] } })
      await until(
        () => messages.some((m) => m.topic === 'dahua/Front camera/VideoMotion/1'),
        'the event on the broker',
      )
      const event = messages.find((m) => m.topic === 'dahua/Front camera/VideoMotion/1')!
      assert.equal(event.payload.code, 'VideoMotion')
      assert.deepEqual(event.payload.data, { RegionName: ['Driveway'] })
      await until(
        () => messages.some((m) => m.topic === 'dahua/Front camera/connection'),
        'the connection message on the broker',
      )
      assert.deepEqual(errors(), [])
    } finally {
      await subscriber.endAsync()
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
