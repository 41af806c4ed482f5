// SPDX-License-Identifier: Apache-2.0
// The message an event becomes: the public contract flows are built on (README "Message format").

import { topicSegment } from '../text'
import type { CameraEvent } from '../types'
import type { Detection } from './detection'

export interface CameraIdentity {
  /** The config node's name, or the host when it has none. */
  name: string
  host: string
}

export interface EventPayload {
  code: string
  action: string
  /** The number the camera sent (0-based). */
  index: number
  /** 1-based channel: `index + 1`, the number the camera's own UI shows. */
  channel: number
  /** The name a recorder gives that channel's camera (`ChannelTitle`), when the device has names. */
  channelName?: string
  data?: unknown
  /** What the event saw, the same for every code and firmware that says it (detection.ts). */
  detection?: Detection
  /** true on a Start or Stop that reconciliation inferred after a gap in the stream. */
  reconciled?: true
  /** On a Stop whose Start was seen: seconds since that Start. */
  duration?: number
  /**
   * true on an event a stalled connection delivered once the network was back, that the new stream did not: it
   * happened during the outage, `receivedAt` says when it arrived, and it says nothing of the state now.
   */
  late?: true
  camera: CameraIdentity
  receivedAt: string
}

export interface EventMessage {
  topic: string
  payload: EventPayload
  [key: string]: unknown
}

/**
 * Codes whose `index` is not a video channel: an alarm input or output (dahua-protocol.md 4.3, 5.11), a disk.
 * A picture of "channel index + 1" would be of the wrong camera, or a 400.
 */
const NOT_VIDEO = new Set([
  'alarmlocal',
  'alarmoutput',
  'storagenotexist',
  'storagefailure',
  'storagelowspace',
])

export function indexIsVideoChannel(code: string): boolean {
  return !NOT_VIDEO.has(code.toLowerCase())
}

export function toMessage(
  event: CameraEvent,
  camera: CameraIdentity,
  receivedAt: number,
  channelName?: string,
  detection?: Detection,
): EventMessage {
  const channel = event.index + 1
  const payload: EventPayload = {
    code: event.code,
    action: event.action,
    index: event.index,
    channel,
    ...(channelName === undefined ? {} : { channelName }),
    camera: { name: camera.name, host: camera.host },
    receivedAt: new Date(receivedAt).toISOString(),
  }
  if (event.data !== undefined) {
    payload.data = event.data
  }
  if (detection !== undefined) {
    payload.detection = detection
  }
  if (event.reconciled) {
    payload.reconciled = true
  }
  if (event.duration !== undefined) {
    payload.duration = event.duration
  }
  if (event.late) {
    payload.late = true
  }
  // The topic is often an MQTT topic as it is: the code becomes a safe segment; the payload keeps it as sent.
  return { topic: `dahua/${camera.name}/${topicSegment(event.code)}/${channel}`, payload }
}
