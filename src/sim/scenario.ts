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

const person = {
  Action: 'Appear',
  BoundingBox: [2856, 1280, 3880, 4880],
  Center: [3368, 3080],
  ObjectID: 863,
  ObjectType: 'Human',
}
const car = {
  Action: 'Appear',
  BoundingBox: [1200, 2400, 5200, 6100],
  Center: [3200, 4250],
  ObjectID: 864,
  ObjectType: 'Vehicle',
}
const motion = { Id: [0], RegionName: ['Driveway'], SmartMotionEnable: true }
const call = { CallID: '20261123104117@838181@192.168.1.20', CallSrcMask: 4 }

export const DAY: Step[] = [
  { atMs: 2_000, event: { code: 'VideoMotion', action: 'Start', index: 0, data: motion } },
  { atMs: 3_000, event: { code: 'VideoMotionInfo', action: 'State', index: 0 } },
  {
    atMs: 4_000,
    event: {
      code: 'SmartMotionHuman',
      action: 'Start',
      index: 0,
      data: {
        RegionName: ['Driveway'],
        WindowId: [0],
        object: [{ HumamID: 52599, Rect: [2304, 736, 2752, 2944] }],
      },
    },
  },
  {
    atMs: 5_000,
    event: {
      code: 'CrossLineDetection',
      action: 'Start',
      index: 0,
      data: {
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
      },
    },
  },
  {
    atMs: 6_000,
    event: {
      code: 'CrossLineDetection',
      action: 'Stop',
      index: 0,
      data: {
        Class: 'Normal',
        Direction: 'LeftToRight',
        EventID: 10181,
        Name: 'Gate',
        Object: person,
        RuleId: 1,
        UTC: 0,
      },
    },
  },
  {
    atMs: 9_000,
    event: {
      code: 'SmartMotionHuman',
      action: 'Stop',
      index: 0,
      data: { RegionName: ['Driveway'], WindowId: [0] },
    },
  },
  { atMs: 10_000, event: { code: 'VideoMotion', action: 'Stop', index: 0, data: motion } },
  {
    atMs: 15_000,
    event: { code: '_DoTalkAction_', action: 'Pulse', index: 0, data: { Action: 'Invite', ...call } },
  },
  { atMs: 15_100, event: { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 1 } } },
  {
    atMs: 15_200,
    event: { code: 'CallNoAnswered', action: 'Start', index: 0, data: { CallID: call.CallID } },
  },
  {
    atMs: 30_000,
    event: { code: 'CallNoAnswered', action: 'Stop', index: 0, data: { CallID: call.CallID } },
  },
  {
    atMs: 30_100,
    event: {
      code: '_DoTalkAction_',
      action: 'Pulse',
      index: 0,
      data: { Action: 'Hangup', HangupReason: 'HangupByPhone', ...call },
    },
  },
  {
    atMs: 40_000,
    event: {
      code: 'CrossRegionDetection',
      action: 'Start',
      index: 1,
      data: {
        Action: 'Cross',
        Class: 'Normal',
        Direction: 'Enter',
        EventID: 10182,
        Name: 'Yard',
        Object: car,
        RuleID: 2,
        UTC: 0,
      },
    },
  },
  {
    atMs: 44_000,
    event: {
      code: 'CrossRegionDetection',
      action: 'Stop',
      index: 1,
      data: {
        Action: 'Cross',
        Class: 'Normal',
        Direction: 'Enter',
        EventID: 10182,
        Name: 'Yard',
        Object: car,
        RuleID: 2,
        UTC: 0,
      },
    },
  },
  {
    atMs: 50_000,
    event: {
      code: 'AlarmLocal',
      action: 'Start',
      index: 0,
      data: { EventID: 1850153, SenseMethod: 'DoorMagnetism', UTC: 0 },
    },
  },
  {
    atMs: 54_000,
    event: {
      code: 'AlarmLocal',
      action: 'Stop',
      index: 0,
      data: { EventID: 1850153, SenseMethod: 'DoorMagnetism', UTC: 0 },
    },
  },
  {
    atMs: 60_000,
    event: {
      code: 'NewFile',
      action: 'Pulse',
      index: 0,
      data: { File: '/mnt/sd/2026-11-23/001/jpg/14/06/26[M][0@0][0].jpg', Size: 46808, StoragePoint: 'NULL' },
    },
  },
]
const LOOP_MS = 75_000

/** Plays DAY on the simulator, over and over, until the returned function is called. */
export function playDay(sim: CameraSimulator, onEvent?: (event: CameraEvent) => void): () => void {
  let timer: NodeJS.Timeout | undefined
  let step = 0
  let loopStart = Date.now()
  const next = (): void => {
    const item = DAY[step]
    if (!item) {
      step = 0
      loopStart += LOOP_MS
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
