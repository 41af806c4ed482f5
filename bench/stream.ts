// A realistic mixed attach stream: IVS parts of 1-4 KB, motion Start/Stop, VideoMotionInfo and heartbeats.
import { encodeEvent, formatHeartbeat, formatPart } from '../src/sim/wire'
import type { CameraEvent } from '../src/lib/types'

export function mixedStream(events: number): { buffer: Buffer; events: number; heartbeats: number } {
  const parts: string[] = []
  let heartbeats = 0
  let seed = 7
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  for (let i = 0; i < events; i++) {
    const kind = i % 10
    let event: CameraEvent
    if (kind < 4) {
      // IVS: 1-4 KB with a track of points.
      const points = Math.floor(10 + random() * 55)
      event = {
        code: kind % 2 ? 'CrossLineDetection' : 'CrossRegionDetection',
        action: 'Start',
        index: i % 16,
        data: {
          Class: 'Normal',
          Name: 'Gate; east',
          EventID: i,
          Object: {
            Action: 'Appear',
            BoundingBox: [2856, 1280, 3880, 4880],
            ObjectID: i,
            ObjectType: 'Human',
          },
          Track: Array.from({ length: points }, (_, p) => [p * 13, p * 17, Math.floor(random() * 8191)]),
          UTC: 1711446999,
          UTCMS: i % 1000,
        },
      }
    } else if (kind < 8) {
      event = {
        code: 'VideoMotion',
        action: kind % 2 ? 'Stop' : 'Start',
        index: i % 16,
        data: { Id: [0], RegionName: ['Region1'], SmartMotionEnable: true },
      }
    } else {
      event = { code: 'VideoMotionInfo', action: 'State', index: i % 16 }
    }
    parts.push(formatPart(encodeEvent(event)))
    if (i % 20 === 0) {
      parts.push(formatHeartbeat())
      heartbeats++
    }
  }
  return { buffer: Buffer.from(parts.join('')), events, heartbeats }
}
