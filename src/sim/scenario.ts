// SPDX-License-Identifier: Apache-2.0
// A camera's day, compressed into a loop of a little over a minute: motion in the driveway, a person crossing
// the gate tripwire, a doorbell press, a car entering the yard, an alarm input. Event bodies follow real
// captures (dahua-protocol.md section 4) so that flows built on the demo work on a real camera.

import type { CameraEvent } from '../lib/types'
import type { CameraSimulator } from './camera-simulator'

interface Step {
  atMs: number
  event: CameraEvent
}

const person = { Action: 'Appear', BoundingBox: [2856, 1280, 3880, 4880], ObjectID: 863, ObjectType: 'Human' }
const car = { Action: 'Appear', BoundingBox: [1200, 2400, 5200, 6100], ObjectID: 864, ObjectType: 'Vehicle' }
const motion = { Id: [0], RegionName: ['Driveway'], SmartMotionEnable: true }
const human = {
  RegionName: ['Driveway'],
  WindowId: [0],
  object: [{ HumamID: 52599, Rect: [2304, 736, 2752, 2944] }],
}
/** A person crossing the gate tripwire (IVS CrossLineDetection, dahua-protocol.md 4.2). */
export const gate = {
  Class: 'Normal',
  DetectLine: [
    [3843, 5677],
    [6512, 5136],
  ],
  Direction: 'LeftToRight',
  EventID: 10181,
  Name: 'Gate',
  Object: person,
  RuleId: 1,
  UTC: 0,
}
const yard = {
  Action: 'Cross',
  Class: 'Normal',
  Direction: 'Enter',
  EventID: 10182,
  Name: 'Yard',
  Object: car,
  RuleID: 2,
  UTC: 0,
}
const door = { EventID: 1850153, SenseMethod: 'DoorMagnetism', UTC: 0 }
const call = { CallID: '20261123104117@838181@192.168.1.20', CallSrcMask: 4 }
const file = { File: '/mnt/sd/2026-11-23/001/jpg/14/06/26[M][0@0][0].jpg', Size: 46808, StoragePoint: 'NULL' }

function at(atMs: number, code: string, action: string, index: number, data?: unknown): Step {
  return { atMs, event: data === undefined ? { code, action, index } : { code, action, index, data } }
}

export const DAY: Step[] = [
  at(2_000, 'VideoMotion', 'Start', 0, motion),
  at(3_000, 'VideoMotionInfo', 'State', 0),
  at(4_000, 'SmartMotionHuman', 'Start', 0, human),
  at(5_000, 'CrossLineDetection', 'Start', 0, gate),
  at(6_000, 'CrossLineDetection', 'Stop', 0, gate),
  at(9_000, 'SmartMotionHuman', 'Stop', 0, human),
  at(10_000, 'VideoMotion', 'Stop', 0, motion),
  at(15_000, '_DoTalkAction_', 'Pulse', 0, { Action: 'Invite', ...call }),
  at(15_100, 'BackKeyLight', 'Pulse', 0, { State: 1 }),
  at(15_200, 'CallNoAnswered', 'Start', 0, { CallID: call.CallID }),
  at(30_000, 'CallNoAnswered', 'Stop', 0, { CallID: call.CallID }),
  at(30_100, '_DoTalkAction_', 'Pulse', 0, { Action: 'Hangup', HangupReason: 'HangupByPhone', ...call }),
  at(40_000, 'CrossRegionDetection', 'Start', 1, yard),
  at(44_000, 'CrossRegionDetection', 'Stop', 1, yard),
  at(50_000, 'AlarmLocal', 'Start', 0, door),
  at(54_000, 'AlarmLocal', 'Stop', 0, door),
  at(60_000, 'NewFile', 'Pulse', 0, file),
]
const LOOP_MS = 75_000
const SAMPLE_EVERY_MS = 5_000

/**
 * Plays the profile's day on the simulator, over and over, until the returned function is called: DAY, or for a
 * device whose events are its point (a traffic or face camera, `demo: 'sample'`), its own sample, one every 5 s.
 */
export function playDay(sim: CameraSimulator, onEvent?: (event: CameraEvent) => void): () => void {
  const own = sim.profile.demo === 'sample'
  const day = own ? sim.profile.sample.map((event, i) => ({ atMs: (i + 1) * SAMPLE_EVERY_MS, event })) : DAY
  const loopMs = own ? (day.length + 1) * SAMPLE_EVERY_MS : LOOP_MS
  let timer: NodeJS.Timeout | undefined
  let step = 0
  let loopStart = Date.now()
  const next = (): void => {
    const item = day[step]
    if (!item) {
      step = 0
      loopStart += loopMs
      timer = setTimeout(next, Math.max(0, loopStart - Date.now()))
      return
    }
    timer = setTimeout(
      () => {
        // Device time, as cameras stamp IVS events.
        const event = stamp(item.event)
        sim.send(event)
        onEvent?.(event)
        step++
        next()
      },
      Math.max(0, loopStart + item.atMs - Date.now()),
    )
  }
  next()
  return () => clearTimeout(timer)
}

function stamp(event: CameraEvent): CameraEvent {
  const data = event.data as Record<string, unknown> | undefined
  return data && 'UTC' in data ? { ...event, data: { ...data, UTC: Math.floor(Date.now() / 1000) } } : event
}
