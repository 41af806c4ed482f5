import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import fc from 'fast-check'
import { decodeEventBody } from '../../../src/lib/stream/event-body'
import { detectionOf } from '../../../src/lib/stream/detection'
import { DetectionGate, detects, marked, parseFilter, type EventFilter } from '../../../src/lib/stream/filter'
import { OBJECT_KINDS, plateKey } from '../../../src/lib/rules'
import { encodeEvent, formatPart } from '../../../src/sim/wire'
import type { CameraEvent } from '../../../src/lib/types'
import { CASES, EVENTS_DIR, partBody, rpc2Event, textPartEvent, type Case } from '../../helpers/detections'
import { parseChunks } from '../../helpers/parse'

/** The event a case's fixture is, read as the package reads it. */
function eventOf(c: Case): CameraEvent {
  if (c.form === 'text-part') {
    return textPartEvent(c.file)
  }
  if (c.form === 'rpc2') {
    return rpc2Event(c.file)
  }
  const decoded = decodeEventBody(partBody(c.file))
  assert.equal(decoded.kind, 'events', `${c.file} decodes`)
  return (decoded as { events: CameraEvent[] }).events[0]!
}

function filterOf(settings: Parameters<typeof parseFilter>[0]): EventFilter {
  const parsed = parseFilter(settings)
  assert.ok('filter' in parsed, JSON.stringify(parsed))
  return parsed.filter
}

describe('detection: one shape from every family of real captures (test/fixtures/events)', () => {
  it('has a case for every fixture on disk', () => {
    const files = readdirSync(EVENTS_DIR).filter((f) => f.endsWith('.txt'))
    const cased = new Set(CASES.map((c) => c.file))
    assert.deepEqual(
      files.filter((f) => !cased.has(f)),
      [],
      'every capture kept is read by a test',
    )
  })

  for (const c of CASES) {
    it(`${c.file}`, () => {
      const event = eventOf(c)
      assert.deepEqual([event.code, event.action, event.index], [c.code, c.action, c.index])
      assert.deepEqual(detectionOf(event), c.detection)
    })
  }

  it('reads each part body the same through the framer, fed whole and split at every offset', () => {
    for (const c of CASES.filter((k) => k.form === 'part')) {
      const stream = Buffer.from(formatPart(partBody(c.file).toString('utf8')))
      const whole = parseChunks([stream]).outcomes
      assert.equal(whole.length, 1, c.file)
      assert.deepEqual(detectionOf(whole[0] as CameraEvent), c.detection, c.file)
      for (let i = 1; i < stream.length; i += 7) {
        const split = parseChunks([stream.subarray(0, i), stream.subarray(i)]).outcomes
        assert.deepEqual(split, whole, `${c.file} split at ${i}`)
      }
    }
  })

  it('says what SmartMotionHuman and an IVS human say in the same words', () => {
    const smd = CASES.find((c) => c.code === 'SmartMotionHuman')!
    const ivs = CASES.find((c) => c.code === 'CrossRegionDetection')!
    assert.equal(detectionOf(eventOf(smd))?.object, 'human')
    assert.equal(detectionOf(eventOf(ivs))?.object, 'human')
  })

  it('passes a word it does not know as unknown with the word, and a box in another form not at all', () => {
    const event: CameraEvent = {
      code: 'CrossLineDetection',
      action: 'Start',
      index: 0,
      data: {
        Name: 'Gate',
        RuleID: 2,
        Object: { ObjectType: 'Bicycle', BoundingBox: [1, 2, 3], ObjectID: 7 },
      },
    }
    assert.deepEqual(detectionOf(event), {
      object: 'unknown',
      objectType: 'Bicycle',
      rule: { name: 'Gate', id: 2 },
      objectId: 7,
    })
    for (const box of [
      [0, 0, 9000, 10],
      [5, 5, 1, 9],
      ['1', '2', '3', '4'],
      [0, 0, 0, 0],
    ]) {
      const data = { Object: { ObjectType: 'Human', BoundingBox: box } }
      assert.equal(detectionOf({ ...event, data })?.box, undefined, JSON.stringify(box))
    }
  })

  it('finds no detection where there is none: motion, a door opened by card, a device name in Name', () => {
    const none: CameraEvent[] = [
      { code: 'VideoMotion', action: 'Start', index: 0, data: { Id: [0], RegionName: ['Region1'] } },
      // Newer motion firmware names the device in `Name` (dahua-protocol.md 4.1, rr#603).
      { code: 'VideoMotion', action: 'Start', index: 0, data: { Name: 'IPC', WithSnap: true } },
      {
        code: 'AccessControl',
        action: 'Pulse',
        index: 0,
        data: { CardNo: '7A087D0F', Method: 1, Name: 'OpenDoor', ReaderID: '1', Status: 1, UserID: '9901' },
      },
      { code: 'AlarmLocal', action: 'Start', index: 0 },
      // A face's fields on another code are not a face: only `_DoorFace_` says so (rr#296).
      { code: 'AccessControl', action: 'Pulse', index: 0, data: { Method: 1, UserID: '12', Similarity: 0 } },
      { code: 'AlarmLocal', action: 'Start', index: 0, data: { UserID: '3', Similarity: 50 } },
      { code: 'TimeChange', action: 'Pulse', index: 0, data: 'not json' },
    ]
    for (const event of none) {
      assert.equal(detectionOf(event), undefined, JSON.stringify(event))
    }
  })

  it('reads the rule id and the plate in any case of their keys (RuleId/RuleID, trafficCar)', () => {
    const event: CameraEvent = {
      code: 'TrafficJunction',
      action: 'Start',
      index: 0,
      data: { name: 'Barrier', ruleid: 3, trafficCar: { PlateNumber: 'AB 123 CD', PlateColor: 'Yellow' } },
    }
    assert.deepEqual(detectionOf(event), {
      object: 'plate',
      rule: { name: 'Barrier', id: 3 },
      plate: { text: 'AB 123 CD', colour: 'Yellow' },
    })
  })

  it('looks for a field in another case among the first 256 keys only: a huge object costs no more', () => {
    const junk = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]))
    const event = (data: unknown): CameraEvent => ({
      code: 'CrossLineDetection',
      action: 'Start',
      index: 0,
      data,
    })
    assert.equal(detectionOf(event({ ...junk, object: { ObjectType: 'Human' } }))?.object, undefined)
    assert.equal(detectionOf(event({ ...junk, Object: { ObjectType: 'Human' } }))?.object, 'human')
    assert.equal(detectionOf(event({ object2: 1, OBJECT: { ObjectType: 'Human' } }))?.object, 'human')
  })

  it("bounds and cleans a camera's text, and never throws on any data", () => {
    const event: CameraEvent = {
      code: 'CrossLineDetection',
      action: 'Start',
      index: 0,
      data: { Name: `Gate\u001b[31m\n${'x'.repeat(500)}`, RuleID: 1, Object: { ObjectType: 'Human' } },
    }
    const name = detectionOf(event)?.rule?.name ?? ''
    assert.ok(name.length <= 64 && name.startsWith('Gate [31m'), name)
    // Any data, with the words that are an object's own keys in JavaScript among the types and codes.
    const word = fc.oneof(
      fc.string(),
      fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'Human'),
    )
    const code = fc.oneof(
      word,
      fc.constantFrom('CrossLineDetection', 'SmartMotionHuman', 'FaceRecognition', '_DoorFace_'),
    )
    const data = fc.oneof(
      fc.jsonValue(),
      fc.record({
        Name: word,
        RuleID: fc.integer(),
        Object: fc.record({ ObjectType: word, BoundingBox: fc.jsonValue() }),
      }),
    )
    fc.assert(
      fc.property(data, code, (value, name) => {
        const detection = detectionOf({ code: name, action: 'Start', index: 0, data: value })
        if (detection) {
          assert.ok((OBJECT_KINDS as readonly string[]).includes(detection.object), String(detection.object))
          assert.deepEqual(structuredClone(detection), detection)
        }
      }),
      { numRuns: 3000 },
    )
  })
})

describe('detection filters: objects, rules, known plates and faces', () => {
  const ivs = (object: string, name = 'Gate'): CameraEvent => ({
    code: 'CrossLineDetection',
    action: 'Start',
    index: 0,
    data: { Name: name, RuleID: 1, Object: { ObjectType: object } },
  })
  const plate = (text: string): CameraEvent => ({
    code: 'TrafficJunction',
    action: 'Start',
    index: 0,
    data: { Object: { ObjectType: 'Plate', Text: text } },
  })
  const face = (name: string | undefined, similarity: number): CameraEvent => ({
    code: 'FaceRecognition',
    action: 'Start',
    index: 0,
    data: {
      Object: { ObjectType: 'HumanFace' },
      Candidates:
        name === undefined
          ? []
          : [{ Person: { Name: name, UID: '7', GroupID: '1' }, Similarity: similarity }],
    },
  })
  const passes = (filter: EventFilter, event: CameraEvent): boolean => detects(filter, detectionOf(event))

  it('objects: only detections of those kinds; an event without one never passes', () => {
    const filter = filterOf({ objects: 'Human, vehicle' })
    assert.equal(passes(filter, ivs('Human')), true)
    assert.equal(passes(filter, ivs('Vehicle')), true)
    assert.equal(passes(filter, ivs('Smoke')), false)
    assert.equal(passes(filter, { code: 'VideoMotion', action: 'Start', index: 0 }), false)
    assert.equal(passes(filter, { code: 'SmartMotionHuman', action: 'Start', index: 0, data: {} }), true)
    assert.equal(passes(filterOf({}), { code: 'VideoMotion', action: 'Start', index: 0 }), true)
  })

  it('rules: by name, whatever its case', () => {
    const filter = filterOf({ rules: 'gate, Pool Entry' })
    assert.equal(passes(filter, ivs('Human', 'Gate')), true)
    assert.equal(passes(filter, ivs('Human', 'POOL ENTRY')), true)
    assert.equal(passes(filter, ivs('Human', 'Driveway')), false)
    assert.equal(passes(filter, { code: 'SmartMotionHuman', action: 'Start', index: 0, data: {} }), false)
  })

  it('plates: compared without spaces, dashes and case; all (marked), only known, only unknown', () => {
    const plates = 'ab-123 cd\n鄂A06654'
    const all = filterOf({ plates })
    const known = filterOf({ plates, plateMatch: 'known' })
    const unknown = filterOf({ plates, plateMatch: 'unknown' })
    for (const [text, isKnown] of [
      ['AB123CD', true],
      ['ab 123-cd', true],
      ['ＡＢ１２３ＣＤ', true], // full-width, as some devices write it
      ['鄂A06654', true],
      ['AB123CE', false],
    ] as const) {
      const event = plate(text)
      assert.equal(passes(all, event), true)
      assert.equal(marked(all, detectionOf(event)!).plate?.known, isKnown, text)
      assert.equal(passes(known, event), isKnown, text)
      assert.equal(passes(unknown, event), !isKnown, text)
    }
    assert.equal(passes(known, ivs('Human')), false, 'no plate is not a known plate')
    assert.equal(passes(unknown, ivs('Human')), false, 'nor an unknown one')
    assert.equal(passes(all, ivs('Human')), true)
    assert.equal(marked(all, detectionOf(ivs('Human'))!).plate, undefined)
  })

  it('compares plates without dots and middle dots either', () => {
    assert.equal(plateKey('京A·12345'), plateKey('京A12345'))
    assert.equal(plateKey('AB.123−CD'), 'AB123CD')
  })

  it('faces: by name or id with a least similarity; a face nobody was named for is unknown', () => {
    const faces = 'zhangsan\n42'
    const known = filterOf({ faces, faceMatch: 'known', faceSimilarity: 80 })
    const unknown = filterOf({ faces, faceMatch: 'unknown', faceSimilarity: '80' })
    const all = filterOf({ faces })
    assert.equal(passes(known, face('ZhangSan', 89)), true)
    assert.equal(passes(known, face('ZhangSan', 79)), false, 'too unsure')
    assert.equal(passes(unknown, face('ZhangSan', 79)), true)
    assert.equal(passes(unknown, face('Li', 95)), true)
    assert.equal(passes(unknown, face(undefined, 0)), true, 'empty candidates: not recognised')
    assert.equal(passes(known, ivs('Human')), false)
    const door: CameraEvent = {
      code: '_DoorFace_',
      action: 'Pulse',
      index: 0,
      data: { Similarity: 98, UserID: '42' },
    }
    assert.equal(passes(known, door), true, "a door terminal's user id")
    assert.deepEqual(marked(all, detectionOf(face('Li', 95))!).face, {
      name: 'Li',
      id: '7',
      similarity: 95,
      group: '1',
      known: false,
    })
    assert.equal(passes(all, face('Li', 95)), true)
    const unsure: CameraEvent = {
      code: 'FaceRecognition',
      action: 'Start',
      index: 0,
      data: { Candidates: [{ Person: { Name: 'ZhangSan' }, Similarity: '95' }] },
    }
    assert.equal(passes(known, unsure), false, 'no similarity in a form the package reads: not sure enough')
    assert.equal(
      passes(filterOf({ faces, faceMatch: 'known' }), unsure),
      true,
      'with no least similarity set',
    )
  })

  it('lets a Stop go where its Start went, whatever the Stop carries, and judges one without a Start by itself', () => {
    const gate = new DetectionGate()
    const filter = filterOf({ objects: 'human' })
    const stop = (data?: unknown): CameraEvent => ({
      code: 'CrossLineDetection',
      action: 'Stop',
      index: 0,
      data,
    })
    const car = { ...ivs('Vehicle'), index: 1 }
    // The simulator's IPC sends its tripwire Stop as `{ Name, RuleId }` only (src/sim/profiles.ts).
    assert.equal(gate.passes(filter, ivs('Human'), detectionOf(ivs('Human'))), true)
    assert.equal(
      gate.passes(filter, stop({ Name: 'Gate', RuleId: 1 }), undefined),
      true,
      'the Stop of a person',
    )
    assert.equal(gate.passes(filter, car, detectionOf(car)), false)
    assert.equal(gate.passes(filter, { ...stop(), index: 1 }, undefined), false, "the Stop of a car's Start")
    assert.equal(
      gate.passes(filter, stop(), undefined),
      false,
      'a reconciled Stop with no Start seen: no object',
    )
    const person = { Object: { ObjectType: 'Human' } }
    assert.equal(
      gate.passes(filter, stop(person), detectionOf(stop(person))),
      true,
      'a lone Stop of a person',
    )
    const all = filterOf({})
    assert.equal(new DetectionGate().passes(all, stop(), undefined), true, 'no detection filter: everything')
  })

  it('remembers at most 1024 Starts: a camera of ever new codes cannot grow a node without end', () => {
    const gate = new DetectionGate()
    const filter = filterOf({ objects: 'human' })
    for (let i = 0; i < 1024; i++) {
      const car: CameraEvent = { ...ivs('Vehicle'), code: `Code${i}` }
      gate.passes(filter, car, detectionOf(car))
    }
    const person: CameraEvent = { ...ivs('Human'), code: 'Late' }
    assert.equal(gate.passes(filter, person, detectionOf(person)), true)
    const stop: CameraEvent = { code: 'Late', action: 'Stop', index: 0 }
    assert.equal(gate.passes(filter, stop, undefined), false, 'not remembered: judged by itself')
    const first: CameraEvent = { code: 'Code0', action: 'Stop', index: 0 }
    assert.equal(gate.passes(filter, first, undefined), false, "a car's Start was remembered")
  })

  it('keeps two rules of one code on one channel apart, and ends both on a Stop that names none', () => {
    const gate = new DetectionGate()
    const filter = filterOf({ objects: 'human' })
    const at = (event: CameraEvent): boolean => gate.passes(filter, event, detectionOf(event))
    const stopOf = (rule?: string): CameraEvent => ({
      code: 'CrossLineDetection',
      action: 'Stop',
      index: 0,
      ...(rule ? { data: { Name: rule, RuleId: 1 } } : {}),
    })
    assert.equal(at(ivs('Human', 'Gate')), true)
    assert.equal(at(ivs('Vehicle', 'Drive')), false)
    assert.equal(at(stopOf('Drive')), false, "the car's rule")
    assert.equal(at(stopOf('Gate')), true, "the person's rule")
    assert.equal(at(ivs('Human', 'Gate')), true)
    assert.equal(at(ivs('Human', 'Drive')), true)
    assert.equal(at(stopOf()), true, 'a reconciled Stop ends both')
    assert.equal(at(stopOf('Gate')), false, 'nothing left to end: judged by itself')
  })

  it('marks a copy: nodes with other lists see their own marks', () => {
    const event = plate('AB123CD')
    const shared = detectionOf(event)!
    const a = marked(filterOf({ plates: 'AB123CD' }), shared)
    const b = marked(filterOf({ plates: 'XY999' }), shared)
    assert.equal(a.plate?.known, true)
    assert.equal(b.plate?.known, false)
    assert.equal(shared.plate?.known, undefined)
  })

  it('refuses a bad entry with its reason, never reads it as all', () => {
    const errors = [
      [{ objects: 'person' }, 'dahua-event-in.errors.invalid-objects'],
      [{ rules: 'x'.repeat(65) }, 'dahua-event-in.errors.invalid-rules'],
      [{ plates: 'AB1\n - -' }, 'dahua-event-in.errors.invalid-plates'],
      [
        { plates: Array.from({ length: 10_001 }, (_, i) => `P${i}`).join('\n') },
        'dahua-event-in.errors.too-many-plates',
      ],
      [{ faces: 'y'.repeat(65) }, 'dahua-event-in.errors.invalid-faces'],
      [{ plateMatch: 'some' }, 'dahua-event-in.errors.invalid-match'],
      [{ faceSimilarity: 101 }, 'dahua-event-in.errors.invalid-similarity'],
      [{ faceSimilarity: '0x10' }, 'dahua-event-in.errors.invalid-similarity'],
    ] as const
    for (const [settings, key] of errors) {
      const parsed = parseFilter(settings)
      assert.ok(
        'error' in parsed && parsed.error.key === key,
        `${JSON.stringify(settings).slice(0, 60)}: ${key}`,
      )
    }
  })

  it('lets a camera event through the wire encoder and back with the same detection', () => {
    const event = ivs('Human')
    const [decoded] = parseChunks([Buffer.from(formatPart(encodeEvent(event)))]).outcomes
    assert.deepEqual(detectionOf(decoded as CameraEvent), detectionOf(event))
  })
})
