import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DoorTracker, readDoorCode } from '../../../src/lib/stream/door-events'
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
    assert.equal(readDoorCode(press('_DoTalkAction_', { Action: 'Invite' }), false)?.event, 'pressed')
    assert.equal(readDoorCode(press('_DoTalkAction_', { Action: 'Hangup' }), true)?.event, 'call-ended')
    assert.equal(readDoorCode(press('Invite', { CallID: '3' }), false)?.event, 'pressed')
    assert.equal(readDoorCode(press('CallNoAnswered', undefined, 'Start'), false)?.event, 'pressed')
    assert.equal(readDoorCode(press('CallNoAnswered', undefined, 'Stop'), true), undefined)
    assert.equal(readDoorCode(press('BackKeyLight', { State: 5 }), true)?.event, 'call-answered')
    assert.equal(readDoorCode(press('BackKeyLight', { State: 6 }), true)?.event, 'call-missed')
    assert.equal(
      readDoorCode(press('BackKeyLight', { State: 0 }), false),
      undefined,
      'idle with no call: nothing',
    )
    assert.equal(readDoorCode(press('BackKeyLight', { State: 0 }), true)?.event, 'call-ended')
    assert.deepEqual(readDoorCode(press('DoorStatus', { Status: 'Open' }), false), {
      event: 'door-opened',
      door: 1,
    })
    assert.deepEqual(
      readDoorCode(press('AccessControl', { CardNo: '', Method: 4, Status: 1, UserID: '' }), false),
      { event: 'access-granted', door: 1, user: undefined, method: 'remote' },
    )
    assert.equal(
      readDoorCode(press('AccessControl', { CardNo: 'AB12', Method: 9, Status: 0 }), false)?.method,
      'card',
    )
    assert.equal(readDoorCode(press('AccessControl', { Status: 0 }), false)?.event, 'access-denied')
    assert.equal(readDoorCode(press('_DoorFace_', { Door: 0, UserID: '1' }), false)?.method, 'face')
    assert.equal(readDoorCode(press('VideoMotion', undefined, 'Start'), false), undefined)
    // Odd data never throws.
    assert.equal(readDoorCode(press('BackKeyLight', [1, 2]), false), undefined)
    assert.equal(readDoorCode(press('AccessControl', 'text'), false)?.event, 'access-denied')
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
