import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { DoorTracker, readDoorCode } from '../../../src/lib/stream/door-events'
import { decodeEventBody } from '../../../src/lib/stream/event-body'
import { PROFILES } from '../../../src/sim/profiles'
import type { CameraEvent } from '../../../src/lib/types'

const press = (code: string, data?: unknown, action = 'Pulse'): CameraEvent => ({
  code,
  action,
  index: 0,
  data,
})

describe('door codes', () => {
  it('reads what each code means at the door', () => {
    assert.equal(readDoorCode(press('_DoTalkAction_', { Action: 'Invite' }), 'idle')?.event, 'pressed')
    assert.equal(readDoorCode(press('_DoTalkAction_', { Action: 'Hangup' }), 'talking')?.event, 'call-ended')
    assert.equal(readDoorCode(press('Invite', { CallID: '3' }), 'idle')?.event, 'pressed')
    assert.equal(readDoorCode(press('CallNoAnswered', undefined, 'Start'), 'idle')?.event, 'pressed')
    assert.equal(readDoorCode(press('CallNoAnswered', undefined, 'Stop'), 'ringing'), undefined)
    assert.equal(readDoorCode(press('BackKeyLight', { State: 5 }), 'ringing')?.event, 'call-answered')
    assert.equal(readDoorCode(press('BackKeyLight', { State: 6 }), 'ringing')?.event, 'call-missed')
    assert.equal(
      readDoorCode(press('BackKeyLight', { State: 0 }), 'idle'),
      undefined,
      'idle with no call: nothing',
    )
    assert.equal(readDoorCode(press('BackKeyLight', { State: 0 }), 'talking')?.event, 'call-ended')
    assert.deepEqual(readDoorCode(press('DoorStatus', { Status: 'Open' }), 'idle'), {
      event: 'door-opened',
      door: 1,
    })
    assert.deepEqual(
      readDoorCode(press('AccessControl', { CardNo: '', Method: 4, Status: 1, UserID: '' }), 'idle'),
      { event: 'access-granted', door: 1, user: undefined, method: 'remote' },
    )
    assert.equal(
      readDoorCode(press('AccessControl', { CardNo: 'AB12', Method: 9, Status: 0 }), 'idle')?.method,
      'card',
    )
    assert.equal(readDoorCode(press('AccessControl', { Status: 0 }), 'idle')?.event, 'access-denied')
    assert.equal(readDoorCode(press('_DoorFace_', { Door: 0, UserID: '1' }), 'idle')?.method, 'face')
    assert.equal(readDoorCode(press('VideoMotion', undefined, 'Start'), 'idle'), undefined)
    // Odd data never throws.
    assert.equal(readDoorCode(press('BackKeyLight', [1, 2]), 'idle'), undefined)
    assert.equal(readDoorCode(press('AccessControl', 'text'), 'idle')?.event, 'access-denied')
  })

  it('merges the codes of one press, and a press after the window is another', () => {
    const tracker = new DoorTracker({ quietMs: 700, maxMs: 2_000 })
    for (const [i, event] of PROFILES.ad410!.door!.sequences.press.entries()) {
      tracker.add(event, 1_000 + i * 100)
    }
    assert.equal(tracker.due(1_500).length, 0, 'not yet: more may come')
    assert.equal(tracker.nextDue(), 1_300 + 700)
    const [first] = tracker.due(2_000)
    assert.equal(first?.event, 'pressed')
    assert.equal(first?.raw.length, 4)
    tracker.add(press('BackKeyLight', { State: 1 }), 2_500)
    assert.equal(tracker.due(3_200).length, 1, 'the second press is its own')
  })

  it('property: a press whose codes arrive in any order within the window is one message', () => {
    const codes = PROFILES.vto!.door!.sequences.press.concat(PROFILES['vto-apartment']!.door!.sequences.press)
    fc.assert(
      fc.property(
        fc.shuffledSubarray(codes, { minLength: 1 }),
        fc.array(fc.integer({ min: 0, max: 600 })),
        (events, gaps) => {
          const tracker = new DoorTracker({ quietMs: 700, maxMs: 5_000 })
          let at = 0
          events.forEach((event, i) => {
            at += gaps[i] ?? 0
            tracker.add(event, at)
          })
          const out = tracker.due(at + 700)
          assert.equal(out.length, 1)
          assert.equal(out[0]!.raw.length, events.length)
        },
      ),
    )
  })
})

/** A door fixture's event body (test/fixtures/devices/door, SOURCES.md): the part after its headers, if any. */
function fixture(name: string): CameraEvent {
  // Compiled tests run from .build/test/lib/stream; the fixtures stay in the source tree.
  const text = readFileSync(join(__dirname, '../../../../test/fixtures/devices/door', name), 'utf8')
  const body = text.includes('\n\n') ? text.slice(text.indexOf('\n\nCode=') + 2) : text
  const decoded = decodeEventBody(body)
  assert.equal(decoded.kind, 'events', JSON.stringify(decoded))
  return (decoded as { events: CameraEvent[] }).events[0]!
}

describe('door codes as real stations send them (fixtures)', () => {
  it('VTO2000A: the called room in the index (9902) is one press on room 9902, not button 9903', () => {
    const event = fixture('vto2000a-apartment-press.txt')
    assert.equal(event.index, 9902)
    const tracker = new DoorTracker({ quietMs: 700, maxMs: 2_000 })
    tracker.add(event, 0)
    const [pressed, ...more] = tracker.due(700)
    assert.equal(more.length, 0)
    assert.equal(pressed?.event, 'pressed')
    assert.equal(pressed?.room, '9902')
    assert.equal(pressed?.button, undefined)
    // Only door and call codes may carry such an index: a video channel's stays bounded.
    assert.equal(decodeEventBody('Code=VideoMotion;action=Start;index=9902').kind, 'invalid')
  })

  it('VTO3211D: index=1 with UserID 9901 is a press on room 9901, and index 1 is no button', () => {
    const event = fixture('vto3211d-p1-s2-press.txt')
    assert.deepEqual(readDoorCode(event, 'idle'), { event: 'pressed', room: '9901' })
    // camonitor: Invite Pulse comes with it; the two are one press.
    const tracker = new DoorTracker({ quietMs: 700, maxMs: 2_000 })
    tracker.add({ ...event, code: 'Invite', action: 'Pulse' }, 0)
    tracker.add(event, 10)
    const out = tracker.due(800)
    assert.equal(out.length, 1)
    assert.equal(out[0]!.room, '9901')
  })

  it('a press whose first code names no button takes the button a later code names', () => {
    const tracker = new DoorTracker({ quietMs: 700, maxMs: 2_000 })
    tracker.add({ code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 1 } }, 0)
    tracker.add({ code: 'CallNoAnswered', action: 'Start', index: 0, data: { CallID: '3' } }, 10)
    assert.equal(tracker.due(800)[0]?.button, 1)
  })

  it('BackKeyLight 0 straight after a press does not end the call (rr#175); after an answer it does', () => {
    const tracker = new DoorTracker({ quietMs: 700, maxMs: 2_000 })
    const state = (State: number): CameraEvent => ({
      code: 'BackKeyLight',
      action: 'Pulse',
      index: 0,
      data: { State },
    })
    tracker.add(state(1), 0)
    tracker.add(state(0), 100)
    assert.equal(tracker.isCalling, true)
    tracker.add(state(5), 3_000)
    tracker.add(state(0), 6_000)
    assert.deepEqual(
      tracker.due(10_000).map((e) => e.event),
      ['pressed', 'call-answered', 'call-ended'],
    )
  })

  it('BackKeyLight 9 is an unlock that failed: one access-denied with its AccessControl, never an unlock', () => {
    assert.deepEqual(readDoorCode(press('BackKeyLight', { State: 9 }), 'idle'), { event: 'access-denied' })
    const tracker = new DoorTracker({ quietMs: 700, maxMs: 2_000 })
    tracker.add(press('BackKeyLight', { State: 9 }), 0)
    tracker.add(
      press('AccessControl', { CardNo: '', Method: 4, Name: 'OpenDoor', Status: 0, UserID: '' }),
      20,
    )
    const out = tracker.due(800)
    assert.deepEqual(
      out.map((e) => [e.event, e.door, e.raw.length]),
      [['access-denied', 1, 2]],
    )
  })

  it('AccessControl methods as the stream numbers them: 5 exit button (rr#318), 6 fingerprint (DahuaVTO2MQTT)', () => {
    const method = (Method: number): unknown =>
      readDoorCode(press('AccessControl', { CardNo: '', Method, Name: 'OpenDoor', Status: 1 }), 'idle')
        ?.method
    assert.equal(method(1), 'card')
    assert.equal(method(4), 'remote')
    assert.equal(method(5), 'exit-button')
    assert.equal(method(6), 'fingerprint')
    assert.equal(method(2), undefined, 'not captured: no guess')
  })
})
