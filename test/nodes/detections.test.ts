// What the camera saw, through a real Node-RED: every real capture of test/fixtures/events sent by the simulator
// over TCP, parsed by the stream and passed on by an event node with its detection; the detection filters, their
// runtime changes, and what the editor is offered.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { detectionOf } from '../../src/lib/stream/detection'
import type { CameraEvent } from '../../src/lib/types'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { PROFILES } from '../../src/sim/profiles'
import { formatPart } from '../../src/sim/wire'
import { CASES, EVENTS_DIR, partBody, rpc2Event, textPartEvent } from '../helpers/detections'
import {
  PASSWORD,
  calls,
  cameraFlowNode,
  collect,
  credentials,
  eventInFlowNode,
  flowHooks,
  helper,
  nodes,
  runtimeName,
} from '../helpers/flows'
import { simulator } from '../helpers/sim'
import { pass, until, waitFor } from '../helpers/wait'

type Got = ReturnType<typeof collect>

const ivs = (object: string, rule = 'Gate'): CameraEvent => ({
  code: 'CrossLineDetection',
  action: 'Start',
  index: 0,
  data: { Name: rule, RuleID: 1, Object: { ObjectType: object, ObjectID: 1 } },
})
const plate = (text: string): CameraEvent => ({
  code: 'TrafficJunction',
  action: 'Pulse',
  index: 0,
  data: { Object: { ObjectType: 'Plate', Text: text } },
})
const codes = (got: Got): string[] =>
  got.map((m) => {
    const detection = m.payload.detection as { object?: string; plate?: { text: string } } | undefined
    return `${String(m.payload.code)}:${detection?.plate?.text ?? detection?.object ?? '-'}`
  })

describe(`detections in ${runtimeName} against the simulator`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim, { retryBaseMs: 50, retryCapMs: 300, healthyAfterMs: 200 })

  async function start(
    ...eventNodes: Array<[string, Parameters<typeof eventInFlowNode>[1]]>
  ): Promise<Record<string, Got>> {
    sim = simulator({ password: PASSWORD })
    const port = await sim.listen()
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventNodes.flatMap(([id, filter]) => eventInFlowNode(id, filter))],
      credentials(),
    )
    const got = Object.fromEntries(eventNodes.map(([id]) => [id, collect(`${id}-out`)]))
    await waitFor(sim, 'attach', 'the attach')
    return got
  }

  it('sends every real capture with its detection, and its data as the camera sent it', async () => {
    const { ev } = await start(['ev', {}])
    for (const c of CASES) {
      if (c.form === 'part') {
        sim.sendRaw(formatPart(partBody(c.file).toString('utf8')))
      } else {
        sim.send(c.form === 'rpc2' ? rpc2Event(c.file) : textPartEvent(c.file))
      }
    }
    await until(() => ev!.length === CASES.length, `${CASES.length} events`)
    CASES.forEach((c, i) => {
      const { payload } = ev![i]!
      assert.deepEqual([payload.code, payload.action, payload.index], [c.code, c.action, c.index], c.file)
      assert.deepEqual(payload.detection, c.detection, c.file)
      assert.equal('detection' in payload, c.detection !== undefined, `${c.file}: no empty detection`)
    })
    const cut = ev!.find((m) => m.payload.code === 'FaceRecognition')!
    assert.equal(typeof cut.payload.data, 'string', 'the cut-off capture passed on as its text')
  })

  it('filters by object and by rule, each node by its own', async () => {
    const got = await start(
      ['people', { objects: 'human' }],
      ['cars', { objects: 'vehicle, non-motor' }],
      ['gate', { rules: 'GATE' }],
      ['all', {}],
    )
    const sent = [
      ivs('Human'),
      ivs('Vehicle', 'Driveway'),
      ivs('NonMotor'),
      {
        code: 'SmartMotionHuman',
        action: 'Start',
        index: 0,
        data: { object: [{ HumamID: 5, Rect: [1, 2, 3, 4] }] },
      },
      { code: 'VideoMotion', action: 'Start', index: 0 },
    ]
    sent.forEach((event) => sim.send(event))
    await until(() => got.all!.length === sent.length, 'every event on the unfiltered node')
    await pass(100)
    assert.deepEqual(codes(got.people!), ['CrossLineDetection:human', 'SmartMotionHuman:human'])
    assert.deepEqual(codes(got.cars!), ['CrossLineDetection:vehicle', 'CrossLineDetection:non-motor'])
    assert.deepEqual(codes(got.gate!), ['CrossLineDetection:human', 'CrossLineDetection:non-motor'])
    assert.deepEqual(got.people![0]!.payload.detection, got.all![0]!.payload.detection)
    assert.notEqual(
      got.people![0]!.payload.detection,
      got.all![0]!.payload.detection,
      'each node its own copy',
    )
    assert.equal(sim.attaches, 1)
  })

  it("passes the Stop of a person's tripwire Start, though the Stop names no object", async () => {
    const { people } = await start(['people', { objects: 'human', codes: 'CrossLineDetection' }])
    // The IPC profile's tripwire: a Start with the person, a Stop with `{ Name, RuleId }` only.
    const tripwire = PROFILES.ipc!.sample.filter((event) => event.code === 'CrossLineDetection')
    assert.deepEqual(
      tripwire.map((event) => detectionOf(event)?.object),
      ['human', 'unknown'],
    )
    sim.send(ivs('Vehicle'))
    sim.send({ code: 'CrossLineDetection', action: 'Stop', index: 0, data: { Name: 'Gate', RuleId: 1 } })
    tripwire.forEach((event) => sim.send(event))
    await until(() => people!.length === 2, 'the Start and its Stop')
    await pass(100)
    assert.deepEqual(
      people!.map((m) => m.payload.action),
      ['Start', 'Stop'],
      "the car's Stop stays out",
    )
  })

  it('passes known, unknown or every plate marked, from the list in the node', async () => {
    const plates = 'ab-123 cd\n鄂A06654'
    const got = await start(
      // Not `known`: Node-RED takes a setting whose value is a node's id for a link to that node.
      ['onlyKnown', { plates, plateMatch: 'known' }],
      ['onlyUnknown', { plates, plateMatch: 'unknown' }],
      ['marked', { plates }],
    )
    for (const event of PROFILES.anpr!.sample) {
      sim.send(event)
    }
    sim.send(plate('AB 123-CD'))
    await until(() => got.marked!.length === 4, 'every ANPR event on the marking node')
    await pass(100)
    assert.deepEqual(codes(got.onlyKnown!), ['TrafficParking:鄂A06654', 'TrafficJunction:AB 123-CD'])
    assert.deepEqual(codes(got.onlyUnknown!), ['TrafficRetrograde:粤MTU952'])
    const known = got.marked!.map(
      (m) => (m.payload.detection as { plate?: { known?: boolean } }).plate?.known,
    )
    assert.deepEqual(known, [undefined, true, false, true], 'the toll gate read no plate: nothing to mark')
  })

  it('passes known or unknown faces by name with a least similarity, and marks them', async () => {
    const got = await start(
      ['onlyKnown', { faces: 'zhangsan', faceMatch: 'known' }],
      ['strict', { faces: 'ZhangSan', faceMatch: 'known', faceSimilarity: 90 }],
      ['onlyUnknown', { faces: 'ZhangSan', faceMatch: 'unknown' }],
      ['marked', { faces: 'ZhangSan' }],
    )
    for (const event of PROFILES['face-nvr']!.sample) {
      sim.send(event)
    }
    await until(() => got.marked!.length === 2, 'both faces on the marking node')
    await pass(100)
    const names = (g: Got): unknown[] =>
      g.map((m) => (m.payload.detection as { face?: { name?: string } }).face?.name ?? 'nobody')
    assert.deepEqual(names(got.onlyKnown!), ['ZhangSan'])
    assert.deepEqual(names(got.strict!), [], 'similarity 80 is under 90')
    assert.deepEqual(names(got.onlyUnknown!), ['nobody'])
    assert.deepEqual(got.marked![0]!.payload.detection, {
      object: 'face',
      objectType: 'HumanFace',
      box: { left: 0, top: 0, right: 0.2832, bottom: 0.6553 },
      objectId: 370,
      face: { name: 'ZhangSan', id: '1', similarity: 80, group: '1', known: true },
    })
    assert.deepEqual((got.marked![1]!.payload.detection as { face?: unknown }).face, { known: false })
  })

  it('changes objects, rules, plates and faces from input messages, and refuses a bad one keeping the old', async () => {
    const { ev } = await start(['ev', { objects: 'human' }])
    const node = helper.getNode('ev')
    sim.send(ivs('Vehicle'))
    node.receive({ objects: ['vehicle'], rules: 'Driveway' })
    sim.send(ivs('Vehicle', 'Gate'))
    sim.send(ivs('Vehicle', 'Driveway'))
    await until(() => ev!.length === 1, 'the vehicle on the Driveway rule')
    node.receive({ objects: '', rules: '', plates: ['AB123CD', 'XY 9'], faces: 'ZhangSan\nLi' })
    node.receive({ objects: 'person' })
    await until(() => calls('ev', 'error').length === 1, 'the refusal')
    assert.match(String(calls('ev', 'error')[0]![0]), /invalid-objects/)
    sim.send(plate('xy-9'))
    await until(() => ev!.length === 2, 'the plate, marked by the new list')
    assert.deepEqual((ev![1]!.payload.detection as { plate: unknown }).plate, { text: 'xy-9', known: true })
    node.receive({ faces: [{ name: 'ZhangSan' }] })
    node.receive({ plates: null })
    await until(() => calls('ev', 'error').length === 3, 'two more refusals')
    assert.match(String(calls('ev', 'error')[1]![0]), /invalid-list/)
    node.receive({ plateMatch: 'unknown' })
    sim.send(plate('XY 9'))
    sim.send(plate('ZZ 1'))
    await until(() => ev!.length === 3, 'the unknown plate only')
    assert.equal((ev![2]!.payload.detection as { plate: { text: string } }).plate.text, 'ZZ 1')
    assert.equal(sim.attaches, 1, 'no reconnect for a new filter')
  })

  it('offers the editor the objects and rule names this camera has seen', async () => {
    const { ev } = await start(['ev', {}])
    sim.send(ivs('Human', 'Gate'))
    sim.send(ivs('Human', 'Gate'))
    sim.send(ivs('Vehicle', 'Driveway'))
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await until(() => ev!.length === 4, 'the four events')
    const seen = (await helper.request().get('/dahua-camera/cam/seen-detections').expect(200)).body as unknown
    assert.deepEqual(seen, {
      objects: [
        { name: 'human', count: 2 },
        { name: 'vehicle', count: 1 },
      ],
      rules: [
        { name: 'Gate', count: 2 },
        { name: 'Driveway', count: 1 },
      ],
    })
    await helper.request().get('/dahua-camera/nope/seen-detections').expect(404)
  })

  it('lists at most 128 rule names, however many a camera makes up', async () => {
    const { ev } = await start(['ev', {}])
    for (let i = 0; i < 300; i++) {
      sim.send(ivs('Human', `Rule ${i}`))
    }
    await until(() => ev!.length === 300, 'every event still passed on')
    const seen = (await helper.request().get('/dahua-camera/cam/seen-detections').expect(200)).body as {
      rules: unknown[]
    }
    assert.equal(seen.rules.length, 128)
  })
})

describe('the ANPR and face simulator profiles send what the captures hold', () => {
  /** Whether every value of `part` is in `whole` at the same place. */
  function within(part: unknown, whole: unknown, at: string): void {
    if (typeof part !== 'object' || part === null) {
      assert.deepEqual(part, whole, at)
      return
    }
    assert.equal(typeof whole, 'object', at)
    for (const [key, value] of Object.entries(part)) {
      within(value, (whole as Record<string, unknown>)[key], `${at}.${key}`)
    }
  }

  it('anpr: every field and value is the capture it cites', () => {
    const [toll, parking, wrongWay] = PROFILES.anpr!.sample
    within(
      toll!.data,
      rpc2Event('anpr-ITC-8M049B2PAJF3085-YutthapoomSa-rpc2-TrafficJunction.txt').data,
      'toll',
    )
    within(
      parking!.data,
      textPartEvent('attachfileproc/hysios-dhhttp-trafficparking-text-part.txt').data,
      'parking',
    )
    within(
      wrongWay!.data,
      textPartEvent('attachfileproc/hysios-dhhttp-retrograde-text-part.txt').data,
      'wrong way',
    )
  })

  it("face-nvr: every field but the candidates is rr#573's capture", () => {
    // The capture stops after `"Hat" : 0,`: closed, it parses, and its fields are what the profile copies.
    const text = readFileSync(
      join(EVENTS_DIR, 'face-DHI-NVR2116HS-I-L-rroller573-FaceRecognition-TRUNCATED.txt'),
      'utf8',
    )
    const capture = JSON.parse(
      `${text
        .slice(text.indexOf('data=') + 5)
        .trimEnd()
        .replace(/,$/, '')}}}`,
    ) as object
    for (const event of PROFILES['face-nvr']!.sample) {
      const captured = { ...(event.data as Record<string, unknown>) }
      delete captured.Candidates // the specification's, not the capture's
      within(captured, capture, 'face')
      assert.equal(detectionOf(event)?.object, 'face')
    }
  })
})
